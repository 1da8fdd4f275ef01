"""The shape of the house: what each folder may import, and how long a module may grow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAME = {"pipeline", "registry", "document", "text", "nlp", "datafile", "resources"}
WINGS = {"ingest", "actors", "statements", "stance", "topics", "alerts", "evaluation", "events", "stories",
         "view"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("streams"), ids=lambda p: str(p.relative_to(ROOT)))
def test_streams_import_no_runtime(path: Path) -> None:
    forbidden = {n for n in _imports(path) if n.split(".")[0] in {"faust", "aiokafka", "agents", "mode"}}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"


@pytest.mark.parametrize("name", sorted(FRAME))
def test_the_frame_imports_no_wing(name: str) -> None:
    wings = {n for n in _imports(ROOT / "streams" / f"{name}.py")
             if n.startswith("streams.") and n.split(".")[1] in WINGS}
    assert not wings, f"streams/{name}.py imports {sorted(wings)}"


def test_streams_top_level_holds_only_the_frame_and_the_wings() -> None:
    modules = {p.stem for p in (ROOT / "streams").glob("*.py")} - {"__init__"}
    packages = {p.name for p in (ROOT / "streams").iterdir() if (p / "__init__.py").exists()}
    assert modules == FRAME and packages == WINGS


@pytest.mark.parametrize("path", _modules("schemas"), ids=lambda p: str(p.relative_to(ROOT)))
def test_schemas_import_nothing_of_ours_but_schemas(path: Path) -> None:
    ours = {n for n in _imports(path) if n.split(".")[0] in {"streams", "agents"}}
    assert not ours, f"{path.relative_to(ROOT)} imports {sorted(ours)}"


@pytest.mark.parametrize("path", _modules("schemas") + _modules("streams") + _modules("agents"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_700_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 700
