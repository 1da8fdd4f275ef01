"""Extraction off the event loop: a pool of processes, each with its own pipeline, and a time limit.

The event loop of the worker only decodes, sends and commits; spaCy and the stages run in child
processes, so ``/health``, heartbeats, commits and the alerts agent never wait on an article. An
article whose extraction exceeds ``extract_timeout_s`` is abandoned: its process is killed, a new
one is started, and the caller gets a :class:`~agents.deadletter.Failure` with reason ``timeout``.
A process that dies under an article is restarted and the article tried once more before it is
dead-lettered as ``extractor-crashed``.

Children ignore SIGINT and SIGTERM (the parent decides when they stop) and are killed by the kernel
if the parent dies (``PR_SET_PDEATHSIG``), so no extraction outlives its worker.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agents.deadletter import Failure
from agents.settings import Settings
from agents.stories import encode_story_input, story_config
from schemas.codec import encode
from streams.ingest.normalise import article_from_bytes
from streams.pipeline import Pipeline
from streams.resources import Resources
from streams.stories.features import text_features

__all__ = ["Extracted", "ExtractorPool", "build_pipeline"]

_READY_TIMEOUT_S = 300.0
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Extracted:
    """One article's enriched record, encoded, with what the worker logs and counts."""

    uri: str
    value: bytes
    #: the record for the stories agent: the enriched record and its text features
    story_input: bytes
    actors: int
    statements: int
    seconds: float


def build_pipeline(settings: Settings) -> Pipeline:
    """The extraction pipeline configured by ``settings`` (loads models and data files)."""
    resources = Resources(actors_file=settings.actors_file, topics_file=settings.topics_file,
                          stance_lexicon_file=settings.stance_lexicon_file,
                          stance_model_file=settings.stance_model_file,
                          stance_polarity_model_file=settings.stance_polarity_model_file,
                          stance_model_budget=settings.stance_model_budget, spacy_model=settings.spacy_model,
                          ner_cache_size=settings.ner_cache_size,
                          stance_model_cache_size=settings.stance_model_cache_size)
    return Pipeline(resources, settings.stages)


class ExtractorPool:
    """``processes`` extraction processes; :meth:`extract` never blocks the event loop."""

    def __init__(self, settings: Settings, log: logging.Logger, on_restart: Any = None) -> None:
        self._settings = settings
        self._log = log
        self._on_restart = on_restart
        self._pool: ProcessPoolExecutor | None = None
        self._ready: asyncio.Future[Any] | None = None

    async def start(self) -> None:
        """Start the processes and wait until each has loaded its pipeline."""
        await self._ensure_ready()

    async def extract(self, value: bytes, ingested_at: datetime | None) -> Extracted | Failure:
        """Decode and extract one record in a child process, within the time limit."""
        timeout = self._settings.extract_timeout_s
        stamp = ingested_at.timestamp() if ingested_at else None
        for attempt in (1, 2):
            pool = await self._ensure_ready()
            started = time.monotonic()
            future = asyncio.wrap_future(pool.submit(_extract, value, stamp))
            try:
                result: Extracted | Failure = await asyncio.wait_for(future, timeout)
                return result
            except TimeoutError:
                self._restart("timeout")
                return _failure("timeout", f"extraction took longer than {timeout:g} s "
                                           f"(WIREWATCH_EXTRACT_TIMEOUT_S); abandoned after "
                                           f"{time.monotonic() - started:.1f} s")
            except BrokenProcessPool as exc:
                self._restart("crashed")
                if attempt == 2:
                    return _failure("extractor-crashed", f"the extraction process died twice on this record: {exc}")
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Stop the processes now; an extraction in flight is abandoned (its input stays unacknowledged)."""
        self._kill()

    async def _ensure_ready(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self._settings.extract_processes, mp_context=context,
                                             initializer=_init_child, initargs=(self._settings,))
            loop = asyncio.get_running_loop()
            started = time.monotonic()
            pings = [asyncio.wrap_future(self._pool.submit(_ping)) for _ in range(self._settings.extract_processes)]
            self._ready = loop.create_future()
            try:
                await asyncio.wait_for(asyncio.gather(*pings), _READY_TIMEOUT_S)
            finally:
                self._ready.set_result(None)
            self._log.info("extraction processes ready", extra={"seconds": round(time.monotonic() - started, 2)})
        elif self._ready is not None and not self._ready.done():
            await self._ready
        if self._pool is None:  # killed while we waited: start again
            return await self._ensure_ready()
        return self._pool

    def _restart(self, why: str) -> None:
        self._log.warning("restarting the extraction processes (%s)", why)
        if self._on_restart is not None:
            self._on_restart(why)
        self._kill()

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # A running task cannot be cancelled through the executor's API: end its processes directly.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


# -- in the child process -----------------------------------------------------------------------------
_child: dict[str, Any] = {}


def _init_child(settings: Settings) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the child still ends when its call queue closes
        pass
    _child["pipeline"] = build_pipeline(settings)
    _child["max_record_bytes"] = settings.max_record_bytes
    _child["story_config"] = story_config(settings)


def _ping() -> bool:
    return "pipeline" in _child


def _extract(value: bytes, ingested_ts: float | None) -> Extracted | Failure:
    started = time.perf_counter()
    try:
        article = article_from_bytes(value, _child["max_record_bytes"])
        ingested_at = datetime.fromtimestamp(ingested_ts, UTC) if ingested_ts is not None else None
        record = _child["pipeline"].extract(article, ingested_at=ingested_at)
        encoded = encode(record)
        features = text_features(article.headline, article.body_text, _child["story_config"])
        story_input = encode_story_input(encoded, features)
    except Exception as exc:  # bad input or a bug in a stage: described for the dead-letter topic
        return Failure.from_exception(exc)
    return Extracted(uri=record.uri, value=encoded, story_input=story_input, actors=len(record.actors),
                     statements=len(record.statements), seconds=time.perf_counter() - started)


def _failure(reason: str, message: str) -> Failure:
    return Failure(exception=f"{__name__}.ExtractionAbandoned", message=message, stacktrace="",
                   reason=reason, bad_input=True)
