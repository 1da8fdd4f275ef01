"""Extraction stages registered by versioned name, so settings can swap or disable them.

A stage is a factory ``(resources) -> callable(Document) -> None`` registered under a dotted,
versioned name such as ``"wirewatch.actors.v1"``. Built-in stages live in their own modules and
are imported the first time the pipeline is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas.errors import ConfigError

if TYPE_CHECKING:
    from streams.document import Document
    from streams.resources import Resources

__all__ = ["BUILTIN_STAGES", "StageFn", "StageSpec", "get_stage", "register", "registered"]

StageFn = Callable[["Document"], None]
StageFactory = Callable[["Resources"], StageFn]

#: built-in stage name -> module that registers it on import
BUILTIN_STAGES = {
    "wirewatch.ner.v1": "streams.actors.entities",
    "wirewatch.actors.v1": "streams.actors.stage",
    "wirewatch.statements.v1": "streams.statements.stage",
    "wirewatch.topics.v1": "streams.topics.stage",
    "wirewatch.stance.v1": "streams.stance.stage",
    "wirewatch.events.v1": "streams.events.stage",
}


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A registered stage: its name, implementation version and factory."""

    name: str
    version: str
    factory: StageFactory


_REGISTRY: dict[str, StageSpec] = {}


def register(name: str, version: str) -> Callable[[StageFactory], StageFactory]:
    """Decorator registering a stage factory under ``name`` (e.g. ``wirewatch.actors.v1``)."""

    def decorate(factory: StageFactory) -> StageFactory:
        _REGISTRY[name] = StageSpec(name, version, factory)
        return factory

    return decorate


def get_stage(name: str) -> StageSpec:
    """The stage registered as ``name``, importing its built-in module if needed."""
    if name not in _REGISTRY and name in BUILTIN_STAGES:
        importlib.import_module(BUILTIN_STAGES[name])
    if name not in _REGISTRY and ":" in name:
        # "package.module:stage.name" imports a user's module that registers the stage
        module, _, name = name.partition(":")
        importlib.import_module(module)
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(set(_REGISTRY) | set(BUILTIN_STAGES)))
        raise ConfigError(f"unknown extraction stage {name!r}; known stages: {known}") from None


def registered() -> list[str]:
    """Names of all stages registered so far (built-ins are listed even before import)."""
    return sorted(set(_REGISTRY) | set(BUILTIN_STAGES))
