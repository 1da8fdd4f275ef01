"""What stages share: the options they were configured with and one lazily filled cache.

A stage's factory receives the :class:`Resources` of its pipeline and loads what it needs through
:meth:`Resources.shared`, under a key of its own wing (``"actors.knowledge_base"``): the first stage
that asks loads it, every later one gets the same object, so the spaCy model and the knowledge base
are loaded once however many stages use them. Options are plain keyword values (file paths, model
names) set by whoever builds the pipeline; a stage reads the ones it knows with :meth:`option` and
its own default. Nothing here knows any stage, so a new stage (a user's own included) needs no edit
of this file. Nothing reads the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Resources"]

T = TypeVar("T")


class Resources:
    """Options for the stages and the cache of what they load (models, knowledge base, lexicons)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._cache: dict[str, Any] = {}

    def option(self, name: str, default: Any = None) -> Any:
        """The option ``name`` as configured (``None`` counts as not set), else ``default``."""
        value = self._options.get(name)
        return default if value is None else value

    def shared(self, key: str, load: Callable[[], T]) -> T:
        """The object cached under ``key``, loaded by ``load()`` the first time it is asked for."""
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def __repr__(self) -> str:
        return f"Resources(options={sorted(self._options)}, loaded={sorted(self._cache)})"
