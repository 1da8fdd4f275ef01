"""An alert on its way to the gate: the alert, where it is routed, and its throttle key and window."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas import Alert

__all__ = ["Candidate", "actor_route", "story_route"]


def actor_route(actor_id: str) -> str:
    """The route (Kafka key) of findings about one actor: statements, stances, stance shifts."""
    return "actor:" + actor_id


def story_route(story_id: str) -> str:
    """The route (Kafka key) of findings about one story: event updates, new stories."""
    return "story:" + story_id


@dataclass(frozen=True)
class Candidate:
    """An alert a rule raised, before the gate's dedupe and throttle.

    ``route`` is the Kafka key it travels under (``actor:<id>`` or ``story:<id>``, so one gate
    partition holds all the state of that actor or story); ``throttle_key`` is ``<rule>|<route>``;
    ``throttle_s`` the rule's window (0: no throttle); ``finding`` the matched statement, stance,
    shift or event update as JSON, for people (``wirewatch rules test``) and logs.
    """

    alert: Alert
    route: str
    throttle_key: str
    throttle_s: float
    finding: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The candidate as JSON-able data (what the candidates topic carries)."""
        return {"alert": self.alert.model_dump(mode="json"), "route": self.route, "throttle_key": self.throttle_key,
                "throttle_s": self.throttle_s, "finding": self.finding}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        """The candidate :meth:`to_dict` wrote; raises ``KeyError``/``ValidationError`` on other data."""
        return cls(Alert.model_validate(data["alert"]), str(data["route"]), str(data["throttle_key"]),
                   float(data["throttle_s"]), dict(data.get("finding") or {}))
