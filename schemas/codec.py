"""The one JSON codec for every topic: orjson, UTC datetimes, compact output."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel

__all__ = ["decode", "decode_model", "encode"]

M = TypeVar("M", bound=BaseModel)

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def encode(value: BaseModel | Any) -> bytes:
    """Serialise a model (by its JSON-mode dump) or plain data to compact JSON bytes."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return orjson.dumps(value, option=_OPTIONS)


def decode(data: bytes | str) -> Any:
    """Parse JSON bytes or text (raises ``orjson.JSONDecodeError``, a ``ValueError``)."""
    return orjson.loads(data)


def decode_model(model: type[M], data: bytes | str) -> M:
    """Parse JSON bytes into ``model`` with full validation."""
    return model.model_validate(orjson.loads(data))
