"""What travels on the candidates topic, and what the gate does with one such record.

The alerts agent (on enriched records, keyed by article ``uri``) and the update-alerts agent (on
event updates, keyed by story id) do not publish alerts: they send *routed records* to
``wirewatch.alerts.candidates`` under their route (``actor:<id>`` or ``story:<id>``), so that all the
state about one actor or one story is in one partition of the gate:

- ``{"candidate": Candidate.to_dict()}``: an alert a rule raised, for the dedupe and throttle;
- ``{"stance": StanceObservation.to_dict()}``: an actor's stance on a topic, for the shift memory,
  which may turn into ``stance_shift`` candidates.

:func:`pass_gate` is pure and read-only on the store: it returns the candidates to publish, the
ones dropped with their reason, and the writes to apply once they are published.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson

from schemas.errors import InputError
from streams.alerts.candidate import Candidate
from streams.alerts.gate import DEFAULT_RETENTION_S, decide
from streams.alerts.rules import AlertRules
from streams.alerts.shifts import StanceObservation, observe_stance

__all__ = ["GateOutcome", "InvalidCandidateError", "decode_routed", "encode_candidate", "encode_stance",
           "pass_gate"]


class InvalidCandidateError(InputError):
    """A candidates-topic record that is neither a candidate nor a stance observation."""

    reason = "invalid-candidate"


def encode_candidate(candidate: Candidate) -> bytes:
    """The candidates-topic value of an alert candidate."""
    return orjson.dumps({"candidate": candidate.to_dict()})


def encode_stance(observation: StanceObservation) -> bytes:
    """The candidates-topic value of a stance observation."""
    return orjson.dumps({"stance": observation.to_dict()})


def decode_routed(value: bytes) -> Candidate | StanceObservation:
    """The candidate or observation in a candidates-topic value; :class:`InputError` if it is neither."""
    try:
        data = orjson.loads(value)
        if "candidate" in data:
            return Candidate.from_dict(data["candidate"])
        return StanceObservation.from_dict(data["stance"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidCandidateError(f"not a routed alert candidate: {type(exc).__name__}: {exc}") from exc


@dataclass
class GateOutcome:
    """The gate's answer for one routed record."""

    published: list[Candidate] = field(default_factory=list)
    dropped: list[tuple[Candidate, str]] = field(default_factory=list)
    writes: dict[str, Any] = field(default_factory=dict)


def pass_gate(store: Mapping[str, Any], item: Candidate | StanceObservation, rules: AlertRules, now: datetime,
              retention_s: float = DEFAULT_RETENTION_S) -> GateOutcome:
    """Decide on one routed record: a candidate directly, an observation through the shift memory."""
    outcome = GateOutcome()
    # lookups see this record's own writes first (ChainMap only writes to its first map)
    view: ChainMap[str, Any] = ChainMap(outcome.writes, cast(MutableMapping[str, Any], store))
    if isinstance(item, StanceObservation):
        shift, writes = observe_stance(view, item)
        outcome.writes.update(writes)
        candidates = rules.shift_candidates(shift, now) if shift is not None else []
    else:
        candidates = [item]
    for candidate in candidates:
        decision = decide(view, candidate, now, retention_s)
        if decision.admitted:
            outcome.published.append(candidate)
            outcome.writes.update(decision.writes)  # a second candidate of this record sees them
        else:
            outcome.dropped.append((candidate, decision.reason))
    return outcome
