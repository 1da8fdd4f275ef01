"""Faust tables seen as the plain mappings that ``streams/`` code takes as its state."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import orjson

__all__ = ["TableStore"]


class TableStore(MutableMapping[str, Any]):
    """A Faust table of raw bytes seen as ``str -> JSON-able value`` (what the tracker expects)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __getitem__(self, key: str) -> Any:
        raw = self._table.get(key.encode())
        if raw is None:
            raise KeyError(key)
        return orjson.loads(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self._table[key.encode()] = orjson.dumps(value)

    def __delitem__(self, key: str) -> None:
        del self._table[key.encode()]

    def __iter__(self) -> Iterator[str]:
        return (key.decode() for key in list(self._table.keys()))

    def __len__(self) -> int:
        return len(self._table)
