"""Alert title templates: ``"New peace-talk statement: {speaker} ({role}): {quote_excerpt}"``.

A template is a Python format string over the named fields of :data:`TEMPLATE_FIELDS`, checked when
the rules file is loaded: an unknown field, a positional ``{}``, attribute or index access
(``{speaker.name}``), a conversion (``!r``) or a format spec (``:>10``) is an error. A field that the
matched finding does not have (``{quote_excerpt}`` on an event update, ``{role}`` for an actor with no
known role) renders as :data:`MISSING` (``-``).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

__all__ = ["MISSING", "TEMPLATE_FIELDS", "check_template", "render_title", "template_fields"]

#: what a field absent from the finding renders as
MISSING = "-"

#: every field a title template may name, with what it holds
TEMPLATE_FIELDS: dict[str, str] = {
    "kind": "the finding kind (statement, stance, stance_shift, event_update, new_story)",
    "rule": "the rule id",
    "severity": "the rule's severity",
    "article_uri": "the uri of the article the finding is in",
    "headline": "the article's headline (statement and stance findings)",
    "speaker": "the statement's speaker, 'Unattributed source' when none",
    "actor": "the actor: speaker, stance holder, shifting actor, new participant or statement speaker",
    "actor_id": "the actor's id",
    "role": "the actor's current (not former) role title, the first one known",
    "country": "the actor's country, ISO 3166-1 alpha-3",
    "quote": "the statement's content (for stances: the statement the stance rests on)",
    "quote_excerpt": "the quote without its outer quote marks, at most 160 characters",
    "topic": "the matched topic's display name",
    "topic_id": "the matched topic's id",
    "target": "the stance target's name (an actor or a topic)",
    "polarity": "the stance polarity (for a shift: the new one)",
    "score": "the stance score, signed, two decimals",
    "before": "a shift's or update's value before (polarity, status...)",
    "after": "a shift's or update's value after",
    "summary": "the event update's one-line summary",
    "story_id": "the story id (event_update, new_story)",
    "story_title": "the story title (new_story)",
    "change": "the event update's change kind (status_change...)",
    "status": "the story status after a status_change",
}

_FORMATTER = string.Formatter()


def template_fields(template: str) -> list[str]:
    """The field names ``template`` uses, in order; ``ValueError`` when it is not a plain named template."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise ValueError(f"title template is not a valid format string: {exc}") from exc
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name or not name.isidentifier():
            raise ValueError(f"title template field {{{name}}} must be a plain name such as {{speaker}}")
        if spec or conversion:
            raise ValueError(f"title template field {{{name}}}: conversions and format specs are not supported")
        names.append(name)
    return names


def check_template(template: str) -> str:
    """Return ``template`` when every field it names is known; ``ValueError`` naming the first unknown one."""
    for name in template_fields(template):
        if name not in TEMPLATE_FIELDS:
            raise ValueError(f"unknown field {{{name}}} in title template (known: {', '.join(sorted(TEMPLATE_FIELDS))})")
    return template


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return MISSING


def render_title(template: str, values: Mapping[str, object]) -> str:
    """Fill ``template`` from ``values``; ``None``, empty and absent values render as :data:`MISSING`."""
    filled = _Values({k: str(v) for k, v in values.items() if v is not None and str(v) != ""})
    return template.format_map(filled)
