"""The wirewatch command's offline parts: help, extract, exit statuses."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from agents.cli import main
from schemas import EnrichedArticle

REPO = Path(__file__).resolve().parents[2]


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("worker", "publish", "tail", "extract", "track", "stories", "topics", "eval"):
        assert command in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2


def test_extract_prints_one_enriched_record_per_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(REPO / "samples" / "peace_talks.json")]) == 0
    captured = capsys.readouterr()
    records = [EnrichedArticle.model_validate(orjson.loads(line)) for line in captured.out.splitlines()]
    assert [r.uri.rsplit(":", 1)[1] for r in records] == ["geneva-talks-1", "delegation-2", "markets-3"]
    assert "extracted 3 article(s)" in captured.err


def test_extract_rejects_bad_input_with_status_2_and_location(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"uri": "u", "headline": 1}')
    assert main(["extract", str(path)]) == 2
    assert f"{path}: invalid-article: field 'headline'" in capsys.readouterr().err


def test_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "/nonexistent/file.json"]) == 2
    assert "/nonexistent/file.json" in capsys.readouterr().err


def test_bad_configuration_names_the_setting(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WIREWATCH_ACTORS_FILE", "/nonexistent/actors.yaml")
    assert main(["extract", str(REPO / "samples" / "peace_talks.json")]) == 2
    assert "/nonexistent/actors.yaml" in capsys.readouterr().err


def test_track_prints_one_line_per_article_and_marks_the_syndicated_copy(
        capsys: pytest.CaptureFixture[str]) -> None:
    samples = REPO / "samples"
    assert main(["track", str(samples / "peace_talks.json"), str(samples / "syndicated_copy.json")]) == 0
    captured = capsys.readouterr()
    lines = [orjson.loads(line) for line in captured.out.splitlines()]
    assert [line["uri"].rsplit(":", 1)[1] for line in lines] == [
        "geneva-talks-1", "delegation-2", "markets-3", "delegation-2-syndicated"]
    original, copy = lines[1], lines[3]
    assert copy["duplicate_of"] == original["uri"] and copy["updates"] == []
    assert copy["story_id"] == original["story_id"] and original["story_id"] in original["stories"]
    assert [u["change"] for u in lines[0]["updates"]][:1] == ["new_story"]
    assert "tracked 4 article(s)" in captured.err


def test_stories_rejects_a_bad_since(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stories", "--since", "yesterday"]) == 2
    assert "--since 'yesterday'" in capsys.readouterr().err


def test_rules_check_accepts_the_shipped_rules_and_names_the_line_of_a_bad_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(REPO / "streams" / "data" / "alert_rules.yaml")]) == 0
    assert "2 rule(s) valid (2 statement)" in capsys.readouterr().out
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - id: ok\n  - id: typo\n    title: '{speeker}: {quote}'\n")
    assert main(["rules", "check", str(bad)]) == 2
    assert f"{bad}:3: rules[1].title" in capsys.readouterr().err


def _rules_test_lines(out: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in out.splitlines()]


def test_rules_test_on_the_samples_raises_the_ten_default_alerts_and_none_for_the_copy(
        capsys: pytest.CaptureFixture[str]) -> None:
    samples = REPO / "samples"
    assert main(["rules", "test", str(REPO / "streams" / "data" / "alert_rules.yaml"), str(samples / "peace_talks.json"),
                 str(samples / "ninjs_ceasefire.json"), str(samples / "syndicated_copy.json")]) == 0
    captured = capsys.readouterr()
    lines = _rules_test_lines(captured.out)
    assert len(lines) == 10 and all(line["alert"]["type"] == "statement.new" for line in lines)  # type: ignore[index]
    assert not [line for line in lines if str(line["article_uri"]).endswith("syndicated")]
    first = lines[0]
    assert first["rule"] == "peace-talk-statement" and first["finding"]["speaker"]["name"] == "Ant\u00f3nio Guterres"  # type: ignore[index]
    assert "10 alert(s) raised" in captured.err


def test_rules_test_shows_story_alerts_and_the_throttle_like_the_gate(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n"
                     "  - id: new-story\n    match: {kind: new_story, topics: [peace-talks]}\n"
                     "  - id: statements\n    match: {kind: statement}\n    throttle_s: 86400\n")
    samples = REPO / "samples"
    assert main(["rules", "test", str(rules), str(samples / "peace_talks.json"), "--suppressed"]) == 0
    lines = _rules_test_lines(capsys.readouterr().out)
    stories = [line for line in lines if line["rule"] == "new-story"]
    assert [s["alert"]["type"] for s in stories] == ["story.new", "story.new"]  # type: ignore[index]
    assert stories[0]["finding"]["change"] == "new_story"  # type: ignore[index]
    published = [line for line in lines if line["rule"] == "statements" and "suppressed" not in line]
    throttled = [line for line in lines if line.get("suppressed") == "throttled"]
    speakers = [line["alert"]["actors"][0]["id"] for line in published]  # type: ignore[index]
    assert throttled and len(speakers) == len(set(speakers))  # one alert per speaker per day
