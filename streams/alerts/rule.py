"""One alert rule as written in the rules file: what it matches, how severe, its title, its throttle.

```yaml
- id: peace-talk-statement
  match:
    kind: statement            # statement | stance | stance_shift | event_update | new_story
    topics: [peace-talks]      # topic ids from topics.yaml (empty: any)
    actor_ids: [Q41342]        # speaker / holder / participant ids (empty: anyone)
    roles: [head of state, foreign minister]
    actor_types: [person]      # person | organization | country | group
    countries: [TUR, USA]      # ISO 3166-1 alpha-3 of the actor's country
    min_confidence: 0.5
  severity: warning            # info | warning | critical
  title: "New peace-talk statement: {speaker} ({role}): {quote_excerpt}"
  throttle_s: 3600             # at most one alert per (rule, actor or story) in this window; 0: off
```

The first format (``type: statement.new`` with ``topics``, ``match: statement|article``,
``min_confidence``, ``require_speaker`` and ``actor_ids`` at the top of the rule) is still read: it is
a ``statement`` rule.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.enriched import ActorType, EventStatus, Polarity
from schemas.event_update import Change
from streams.alerts.templates import check_template

__all__ = ["ALERT_TYPES", "DEFAULT_TITLES", "AlertRule", "FindingKind", "RuleMatch"]

FindingKind = Literal["statement", "stance", "stance_shift", "event_update", "new_story"]

#: the alert ``type`` of each finding kind (event updates: ``event.<change>``)
ALERT_TYPES: dict[str, str] = {"statement": "statement.new", "stance": "stance.new", "stance_shift": "stance.shift",
                               "event_update": "event.{change}", "new_story": "story.new"}

#: the title of a rule that gives none, per finding kind
DEFAULT_TITLES: dict[str, str] = {
    "statement": "{speaker} on {topic}: \u201c{quote_excerpt}\u201d",
    "stance": "{actor} {polarity} on {target}",
    "stance_shift": "{actor} turns {after} on {topic} (was {before})",
    "event_update": "{summary}",
    "new_story": "New story: {story_title}",
}

_LEGACY_KEYS = ("topics", "min_confidence", "require_speaker", "actor_ids")
#: match options that only some finding kinds have (the others refuse them)
_ONLY_FOR: dict[str, tuple[str, ...]] = {
    "scope": ("statement",),
    "require_speaker": ("statement",),
    "polarities": ("stance", "stance_shift"),
    "min_score": ("stance", "stance_shift"),
    "min_confidence": ("statement", "stance", "stance_shift"),
    "roles": ("statement", "stance", "stance_shift"),
    "actor_types": ("statement", "stance", "stance_shift"),
    "countries": ("statement", "stance", "stance_shift"),
    "changes": ("event_update",),
    "statuses": ("event_update",),
}


class RuleMatch(BaseModel):
    """What a rule fires on: a finding kind and filters that must all hold (an empty filter holds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FindingKind = "statement"
    topics: list[str] = Field(default_factory=list, description="topic ids from the topics file (empty: any)")
    actor_ids: list[str] = Field(default_factory=list, description="the actor's id is one of these (empty: anyone)")
    roles: list[str] = Field(default_factory=list,
                             description="a current role title of the actor matches one ('head of state', 'minister')")
    actor_types: list[ActorType] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-3 of the actor's country")
    min_confidence: float = Field(0.5, ge=0.0, le=1.0,
                                  description="statements: their confidence; stances: the statement they rest on")
    scope: Literal["statement", "article"] = Field(
        "statement", description="statement: the statement itself is on the topic; article: the article is")
    require_speaker: bool = Field(True, description="statements: only those attributed to an actor")
    polarities: list[Polarity] = Field(default_factory=list, description="stance polarity (shift: the new one)")
    min_score: float = Field(0.0, ge=0.0, le=1.0, description="the stance's |score| at least this")
    changes: list[Change] = Field(default_factory=list,
                                  description="event update change kinds (empty: any but new_story)")
    statuses: list[EventStatus | Literal["active", "dormant"]] = Field(
        default_factory=list, description="status_change: the new story status is one of these")

    @field_validator("countries")
    @classmethod
    def _alpha3(cls, value: list[str]) -> list[str]:
        codes = [c.strip().upper() for c in value]
        bad = [c for c in codes if len(c) != 3 or not c.isalpha()]
        if bad:
            raise ValueError(f"not ISO 3166-1 alpha-3 country codes: {', '.join(bad)}")
        return codes

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        if any(not r.strip() for r in value):
            raise ValueError("an empty role")
        return value

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> RuleMatch:
        for name in sorted(self.model_fields_set):
            kinds = _ONLY_FOR.get(name)
            if kinds and self.kind not in kinds:
                raise ValueError(f"{name!r} does not apply to kind {self.kind!r} (only to {', '.join(kinds)})")
        if "new_story" in self.changes:
            raise ValueError("change 'new_story' is its own kind: use kind: new_story")
        if self.statuses and self.changes and "status_change" not in self.changes:
            raise ValueError("'statuses' needs change 'status_change'")
        return self


class AlertRule(BaseModel):
    """One rule from the alert rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    match: RuleMatch = Field(default_factory=RuleMatch)
    severity: Literal["info", "warning", "critical"] = "info"
    title: str | None = Field(None, description="a title template (see streams/alerts/templates.py)")
    throttle_s: float = Field(0.0, ge=0.0, description="at most one alert per (rule, actor or story) in this window")

    @model_validator(mode="before")
    @classmethod
    def _first_format(cls, data: Any) -> Any:
        """Fold the first rules format (top-level ``type``/``topics``/``match: statement``) into ``match``."""
        if not isinstance(data, dict):
            return data
        legacy_type = data.get("type")
        if not (isinstance(data.get("match"), str) or legacy_type is not None
                or any(k in data for k in _LEGACY_KEYS)):
            return data
        if isinstance(data.get("match"), dict):
            return data  # mixed formats: let the extra keys be refused by name
        data = dict(data)
        match: dict[str, Any] = {"kind": "statement"}
        if isinstance(data.get("match"), str):
            match["scope"] = data.pop("match")
        else:
            data.pop("match", None)
        for key in _LEGACY_KEYS:
            if key in data:
                match[key] = data.pop(key)
        if legacy_type is not None:
            data.pop("type")
            if legacy_type != "statement.new":
                raise ValueError(f"type {legacy_type!r}: the first rules format has only statement.new; "
                                 "write match: {kind: ...} instead")
        data["match"] = match
        return data

    @field_validator("title")
    @classmethod
    def _known_fields(cls, value: str | None) -> str | None:
        return None if value is None else check_template(value)

    @property
    def kind(self) -> str:
        """The finding kind the rule fires on."""
        return self.match.kind

    @property
    def topics(self) -> list[str]:
        """The rule's topic ids (empty: any)."""
        return self.match.topics

    @property
    def title_template(self) -> str:
        """The rule's title, or the default one for its kind."""
        return self.title if self.title is not None else DEFAULT_TITLES[self.match.kind]

    def alert_type(self, change: str | None = None) -> str:
        """The ``type`` of the alerts it raises (``statement.new``, ``event.status_change``...)."""
        return ALERT_TYPES[self.match.kind].format(change=change or "update")
