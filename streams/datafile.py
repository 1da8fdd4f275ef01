"""Load a user-tunable YAML/JSON data file and validate each entry, naming file, line and field on error."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from schemas.errors import ConfigError

__all__ = ["DATA_DIR", "load_entries"]

#: the data files shipped with wirewatch (knowledge base, lexicons, rules, trained models)
DATA_DIR = Path(__file__).parent / "data"

M = TypeVar("M", bound=BaseModel)


def load_entries(path: Path, key: str, model: type[M]) -> tuple[dict[str, Any], list[M]]:
    """Read ``path`` (YAML or JSON), validate each item of its ``key`` list as ``model``.

    Returns the top-level mapping and the validated entries. Raises ``ConfigError`` with
    ``file:line: key[i].field: message`` for the first invalid entry.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML/JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ConfigError(f"{path}:1: expected a mapping with a list under {key!r}")
    lines = _item_lines(root_node, key)
    entries = []
    for index, item in enumerate(data[key]):
        try:
            entries.append(model.model_validate(item))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"])
            line = lines[index] if index < len(lines) else 1
            where = f"{key}[{index}].{field}" if field else f"{key}[{index}]"
            raise ConfigError(f"{path}:{line}: {where}: {error['msg']}") from exc
    return data, entries


def _item_lines(root: yaml.Node | None, key: str) -> list[int]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value_node.value]
    return []
