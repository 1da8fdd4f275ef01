"""Reading article files: objects, arrays, JSON lines, text bodies, and located rejections."""

from __future__ import annotations

from pathlib import Path

from agents.article_files import read_articles


def test_object_array_and_lines_are_all_read(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{"uri": "a", "headline": "A"}')
    (tmp_path / "many.json").write_text('[{"uri": "b", "headline": "B"}, {"uri": "c", "body_text": "C"}]')
    (tmp_path / "lines.jsonl").write_text('{"uri": "d", "headline": "D"}\n\n{"uri": "e", "headline": "E"}\n')
    (tmp_path / "body.txt").write_text("Plain text body.")
    items = list(read_articles([str(tmp_path)]))
    assert sorted(i.article.uri for i in items if i.article) == ["a", "b", "c", "d", "e", f"file:{tmp_path / 'body.txt'}"]
    assert all(i.error is None for i in items)


def test_rejections_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text('{"uri": "ok", "headline": "fine"}\n{"uri": "x", "headline": ["list"]}\n{oops\n')
    items = list(read_articles([str(path)]))
    rejected = [i.rejection() for i in items if i.error]
    assert rejected[0].startswith(f"{path}:2: invalid-article: field 'headline'")
    assert rejected[1].startswith(f"{path}:3: not-json")
    assert [i.article.uri for i in items if i.article] == ["ok"]


def test_array_items_are_located_by_index(tmp_path: Path) -> None:
    path = tmp_path / "arr.json"
    path.write_text('[{"uri": "ok", "headline": "h"}, {"headline": "no uri"}]')
    [_, bad] = list(read_articles([str(path)]))
    assert bad.location == f"{path}[1]" and "'uri'" in str(bad.error)
