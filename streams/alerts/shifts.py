"""Stance shifts: an actor's stance on a topic turning from positive to negative or back.

Records arrive keyed by article ``uri`` but the memory is per actor: the alerts agent turns each
enriched record into :class:`StanceObservation` s (one per holder and topic) and sends each under the
route ``actor:<holder id>`` (:attr:`StanceObservation.route`), so every observation of one actor
lands in one partition of the gate, whose table (a ``MutableMapping[str, JSON]``) holds that
actor's last stance per topic under ``stance:<actor id>|<topic id>``.

:func:`observe_stance` is pure and read-only on the store: it returns the shift (if any) and the
writes, which the caller applies after publishing, so a crash in between replays the observation
and the replayed shift has the same alert id (the gate drops it).

What counts:
- Only a change between ``positive`` and ``negative`` is a shift. ``neutral`` is remembered as the
  latest stance but neither alerts nor resets the memory: positive, neutral, negative is one shift
  from positive to negative.
- Times are event times (the article's ``published``, else ``ingested_at``). An observation older
  than the remembered one does not overwrite it and raises no shift (an out-of-order article).
- A stance from the same article as the remembered one (a redelivery, a new version) raises no
  shift; a new version with another polarity replaces the memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from schemas._base import ActorRef
from schemas.enriched import Polarity
from streams.alerts.candidate import actor_route

__all__ = ["STANCE_PREFIX", "StanceObservation", "StanceShift", "expired_stance_keys", "observe_stance", "stance_key"]

STANCE_PREFIX = "stance:"
_OPPOSITE = {"positive": "negative", "negative": "positive"}


def stance_key(actor_id: str, topic: str) -> str:
    """The store key of an actor's remembered stance on a topic."""
    return f"{STANCE_PREFIX}{actor_id}|{topic}"


@dataclass(frozen=True)
class StanceObservation:
    """One actor's stance on one configured topic in one article, as the gate needs it (JSON-able)."""

    actor: ActorRef
    topic: str
    polarity: Polarity
    score: float
    article_uri: str
    #: the id of the statement the stance rests on, or its ``[start, end)`` span
    evidence: str | tuple[int, int]
    #: the article's event time
    at: datetime
    actor_type: str | None = None
    roles: tuple[str, ...] = ()
    country: str | None = None
    #: the content of the evidence statement, when the stance rests on one
    quote: str | None = None
    #: that statement's confidence
    confidence: float | None = None
    headline: str | None = field(default=None, compare=False)

    @property
    def route(self) -> str:
        """The Kafka key to send it under: the actor's route."""
        return actor_route(self.actor.id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data (it travels on the candidates topic)."""
        return {"actor": {"id": self.actor.id, "name": self.actor.name}, "topic": self.topic,
                "polarity": self.polarity, "score": self.score, "article_uri": self.article_uri,
                "evidence": self.evidence if isinstance(self.evidence, str) else list(self.evidence),
                "at": self.at.isoformat(), "actor_type": self.actor_type, "roles": list(self.roles),
                "country": self.country, "quote": self.quote, "confidence": self.confidence,
                "headline": self.headline}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StanceObservation:
        """The observation :meth:`to_dict` wrote; ``KeyError``/``ValueError``/``TypeError`` on other data."""
        evidence = data["evidence"]
        polarity = data["polarity"]
        if polarity not in ("positive", "negative", "neutral"):
            raise ValueError(f"not a polarity: {polarity!r}")
        return cls(
            actor=ActorRef.model_validate(data["actor"]), topic=str(data["topic"]), polarity=polarity,
            score=float(data["score"]), article_uri=str(data["article_uri"]),
            evidence=evidence if isinstance(evidence, str) else (int(evidence[0]), int(evidence[1])),
            at=_aware(datetime.fromisoformat(data["at"])), actor_type=data.get("actor_type"),
            roles=tuple(data.get("roles") or ()), country=data.get("country"), quote=data.get("quote"),
            confidence=data.get("confidence"), headline=data.get("headline"))


@dataclass(frozen=True)
class StanceShift:
    """An actor's stance on a topic turned: ``before`` (from ``before_uri``) to ``observation.polarity``."""

    observation: StanceObservation
    before: Polarity
    before_uri: str
    before_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data: the observation, the polarity before and the article it came from."""
        return {"observation": self.observation.to_dict(), "before": self.before, "before_uri": self.before_uri,
                "before_score": self.before_score}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StanceShift:
        """The shift :meth:`to_dict` wrote."""
        return cls(StanceObservation.from_dict(data["observation"]), data["before"], str(data["before_uri"]),
                   data.get("before_score"))


def observe_stance(store: Mapping[str, Any], obs: StanceObservation) -> tuple[StanceShift | None, dict[str, Any]]:
    """Compare ``obs`` with the remembered stance; return the shift (or ``None``) and the store writes.

    The store value is ``{"last": {p, s, u, t}, "polar": {p, s, u, t} | None}``: the latest stance of
    any polarity and the latest positive or negative one (``t`` in unix seconds, event time).
    """
    key = stance_key(obs.actor.id, obs.topic)
    remembered = store.get(key) or {}
    last, polar = remembered.get("last"), remembered.get("polar")
    when = obs.at.timestamp()
    entry = {"p": obs.polarity, "s": obs.score, "u": obs.article_uri, "t": when}
    updated = dict(remembered)
    if last is None or when >= last["t"] or last["u"] == obs.article_uri:
        updated["last"] = entry
    shift: StanceShift | None = None
    if obs.polarity in _OPPOSITE:
        if polar is None or when >= polar["t"] or polar["u"] == obs.article_uri:
            if (polar is not None and polar["u"] != obs.article_uri and when >= polar["t"]
                    and _OPPOSITE[polar["p"]] == obs.polarity):
                shift = StanceShift(obs, cast(Polarity, polar["p"]), polar["u"], polar.get("s"))
            updated["polar"] = entry
    updated.setdefault("polar", None)
    if updated == remembered:
        return shift, {}
    return shift, {key: updated}


def expired_stance_keys(store: Mapping[str, Any], now: datetime, retention_s: float) -> list[str]:
    """Keys of remembered stances whose latest observation is older than ``retention_s`` before ``now``."""
    limit = now.timestamp() - retention_s
    expired = []
    for key in list(store):
        if key.startswith(STANCE_PREFIX):
            value = store[key]
            last = value.get("last") if isinstance(value, dict) else None
            if last is None or last.get("t", 0.0) < limit:
                expired.append(key)
    return expired


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
