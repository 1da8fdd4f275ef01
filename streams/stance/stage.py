"""Stage ``wirewatch.stance.v1``: who is for or against whom, and for or against which configured topic.

Two kinds of stance are found, sentence by sentence:

* **actor -> actor.** Every pair of parties (actors, plus nationalities and parties named by an
  adjective, see :mod:`streams.stance.parties`) in one sentence, at most ``_MAX_PARTIES`` of them,
  goes through the voice rules (:mod:`streams.stance.pairs`) and else the MiniLM polarity model's
  pair head (:mod:`streams.stance.neural`; all of an article's undecided pairs in one batch), or
  the linear pair classifier when that model is switched off (``stance_polarity_model_file="off"``).
  The speaker of a statement also gets a stance toward each person its content names, from the
  model's target head (evidence: the statement id).
  A neutral actor->actor stance is published only when an interaction cue ("met", "talks with")
  links the two; co-occurrence alone gives nothing.
* **actor -> topic.** A sentence or statement that mentions a configured topic (``topics.yaml``)
  and carries evaluative language (:mod:`streams.stance.lexicon`: hedges, negation and contrast
  applied) gives a topic stance. The holder is the statement's speaker when the words are inside
  a statement, else the party or collective phrase ("Gulf officials") nearest before the cue in
  the sentence, else a party named right after a closing attribution ("..., said Ruiz"). When the
  statement itself names no topic, the topics of its sentence and of the previous sentence in the
  paragraph are its targets ("this round" refers back to the talks).

Evidence is the statement id when the stance rests on a statement by the holder, else the
``(start, end)`` span of the sentence. Works with ``doc.statements`` empty.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from schemas import ActorRef, Stance, Statement
from schemas.enriched import Polarity
from schemas.errors import ConfigError
from streams.actors.knowledge import KnowledgeBase, knowledge_base
from streams.document import ActorRecord, Document
from streams.registry import StageFn, register
from streams.resources import Resources
from streams.stance.lexicon import DEFAULT_LEXICON_FILE, CueHit, StanceLexicon
from streams.stance.neural import DEFAULT_POLARITY_MODEL_FILE, TARGET_CLASSES, PolarityModel
from streams.stance.pairs import (
    DEFAULT_MODEL_FILE,
    Direction,
    PairModel,
    SentenceView,
    class_direction,
    pair_features,
    voice_rule,
)
from streams.stance.parties import Party, find_parties, group_phrase_before
from streams.stance.parties import register as register_party
from streams.topics.lexicon import Topic, TopicHit, TopicLexicon, topic_lexicon

__all__ = ["StanceFinder", "stance_stage"]

_MAX_PARTIES = 12
# pairs further apart than this in one sentence are too loosely linked to classify
_MAX_PAIR_CHARS = 480
_MAX_INTERACTION_CHARS = 100
# Pairs the polarity model decides: at most this far apart and this many per sentence (nearest
# first); the others go to the linear classifier. Bounds the model's cost per article.
_MODEL_PAIR_CHARS = 150
_MODEL_PAIRS_PER_SENTENCE = 2
_MIN_TOPIC_SCORE = 0.15
_INTERACTION = re.compile(
    r"\b(?:met|meets|meeting|spoke|speaks|talked|talks|held talks|called|phoned|visited|visits|"
    r"negotiat\w*|hosted|hosts|received|signed|agreed|agreement|deal)\b(?:\s+(?:with|to|by))?",
    re.IGNORECASE,
)
_SEMICOLON = re.compile(r";")
_CONJUNCTS = re.compile(r"\s*(?:,\s*)?(?:and|or|as well as)\s+(?:the\s+)?|\s*,\s*", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|never|no|nor|without|refused to|declined to)\b|n['\u2019]t\b", re.IGNORECASE)
# Cues of a demand: their content is what the holder wants done, not how they judge it.
_DEMAND = re.compile(r"(?:call(?:s|ed|ing)? (?:on|for|upon)|urg(?:e|es|ed|ing)|demand(?:s|ed|ing)?|"
                     r"press(?:es|ed|ing)? (?:for|on)|appeal(?:s|ed|ing)? (?:to|for)|ask(?:s|ed|ing)?)",
                     re.IGNORECASE)
_OBJECT_GAP = re.compile(r"\s*(?:the\s+|its\s+|his\s+|her\s+|their\s+|both\s+)?$")
_AGENT = re.compile(r"\s+by\s+(?:the\s+)?")
_SAY = r"(?:said|says|added|told|warned|insisted|argued|according to)"
_CLOSING = re.compile(r"[,.?!]?[\u201d\"']\s*|,\s+")
_SAY_BEFORE = re.compile(r"\b" + _SAY + r"\s+(?:the\s+)?$", re.IGNORECASE)
_SAY_AFTER = re.compile(r"\s+" + _SAY + r"\b", re.IGNORECASE)
#: a pair of parties no voice rule decided, for the model: (sentence, first, second, all parties)
_Pending = tuple[SentenceView, Party, Party, list[Party]]


@dataclass
class _Collected:
    """Stances found so far: one per (holder, target, polarity), scored by its strongest evidence and
    carrying all of it."""

    found: dict[tuple[str, str, str], Stance] = field(default_factory=dict)
    evidence: dict[tuple[str, str, str], list[str | tuple[int, int]]] = field(default_factory=dict)

    def add(self, stance: Stance) -> None:
        key = (stance.holder.id, stance.target.id, stance.polarity)
        known = self.found.get(key)
        seen = self.evidence.setdefault(key, [])
        if stance.evidence not in seen:
            seen.append(stance.evidence)
        if known is None or abs(stance.score) > abs(known.score):
            self.found[key] = stance

    def stances(self, doc: Document) -> list[Stance]:
        """The stances to publish: no neutral one where the same pair has a polar one, none between
        an actor and its own country or an organisation and its own members."""
        polar = {(h, t) for h, t, polarity in self.found if polarity != "neutral"}
        kept = []
        for key, stance in self.found.items():
            holder, target = doc.actors.get(key[0]), doc.actors.get(key[1])
            if key[2] == "neutral" and (key[0], key[1]) in polar:
                continue
            if holder is not None and target is not None and (_affiliated(holder, target) or _affiliated(target, holder)):
                continue
            kept.append(stance.model_copy(update={"all_evidence": list(self.evidence[key])}))
        return kept


class StanceFinder:
    """Finds the stances of one article; one instance serves many articles."""

    def __init__(
        self, kb: KnowledgeBase, topics: TopicLexicon, lexicon: StanceLexicon, model: PairModel,
        polarity: PolarityModel | None = None,
        budget: str = "fast",
    ) -> None:
        self.kb = kb
        self.topics = topics
        self.lexicon = lexicon
        self.model = model
        self.polarity = polarity
        self.budget = budget

    def __call__(self, doc: Document) -> None:
        """Add the article's stances to ``doc.stances``."""
        parties = find_parties(doc, self.kb)
        by_sentence = _group_by_sentence(doc, parties)
        collected = _Collected()
        pending: list[_Pending] = []
        for index, (start, end) in enumerate(doc.sentences):
            sentence_parties = by_sentence.get(index, [])
            hits = self.topics.find(doc.text, start, end)
            if len(sentence_parties) < 2 and not hits and not _has_statement(doc, start, end):
                continue
            view = SentenceView(doc.text, start, end, self.lexicon)
            pending += self._actor_pairs(doc, view, sentence_parties, collected)
            if hits:
                self._topic_stance(doc, view, sentence_parties, _topics_of(hits), collected)
        for (view, first, second, _), direction in zip(pending, self._directions(pending), strict=True):
            self._emit_direction(doc, view, first, second, direction, collected)
        self._statement_topic_stances(doc, parties, collected)
        self._speaker_person_stances(doc, parties, collected)
        doc.stances = collected.stances(doc)

    # -- actor -> actor ------------------------------------------------------------------------
    def _actor_pairs(
        self, doc: Document, view: SentenceView, parties: list[Party], out: _Collected
    ) -> list[_Pending]:
        """Emit the pairs the voice rules decide; return the others for the model."""
        pending: list[_Pending] = []
        chosen = _distinct(parties)[:_MAX_PARTIES]
        for i, first in enumerate(chosen):
            for second in chosen[i + 1 :]:
                if first.actor.id == second.actor.id or first.end > second.start:
                    continue
                if _affiliated(first.actor, second.actor) or _affiliated(second.actor, first.actor):
                    continue
                if second.start - first.end > _MAX_PAIR_CHARS or _CONJUNCTS.fullmatch(view.text, first.end, second.start):
                    # "thanking Fidan and Qatari mediators": two of a list hold no stance toward each other
                    continue
                ruled = voice_rule(view, (first.start, first.end), (second.start, second.end))
                if ruled is not None or _is_place(first) or _is_place(second):
                    # the model's guesses about a city or region are mostly noise; clear verbs only
                    self._emit_direction(doc, view, first, second, ruled, out)
                else:
                    pending.append((view, first, second, parties))
        return pending

    def _directions(self, pending: list[_Pending]) -> list[Direction | None]:
        """The model's decision for each undecided pair, all of an article's pairs in one batch.

        A pair with a negator between its parties ("did not criticise") goes to the linear
        classifier, whose features see the negation (the MiniLM model often misses it), as do pairs
        in a sentence with no stance cue and pairs beyond the model's distance and per-sentence
        limits: the model costs about 5 ms a row, and this keeps extraction faster than spaCy's own
        small pipeline (README "Speed").
        """
        if not pending:
            return []
        negated = [self.polarity is None or bool(_NEGATED.search(view.text, first.end, second.start))
                   or (self.budget == "fast" and (second.start - first.end > _MODEL_PAIR_CHARS or not view.cues))
                   for view, first, second, _ in pending]
        # the model costs about 6 ms a pair: per sentence, only its nearest pairs go to it
        by_sentence: dict[int, list[int]] = {}
        for index, (view, _first, _second, _) in enumerate(pending):
            if not negated[index]:
                by_sentence.setdefault(view.start, []).append(index)
        for indices in by_sentence.values():
            indices.sort(key=lambda i: pending[i][2].start - pending[i][1].end)
            for index in indices[_MODEL_PAIRS_PER_SENTENCE if self.budget == "fast" else len(indices):]:
                negated[index] = True
        neural = [item for item, linear in zip(pending, negated, strict=True) if not linear]
        rows = iter(self.polarity.pairs([
            (view.text[view.start : view.end], (first.start - view.start, first.end - view.start),
             (second.start - view.start, second.end - view.start)) for view, first, second, _ in neural
        ]) if neural and self.polarity is not None else [])
        decided: list[Direction | None] = []
        for (view, first, second, parties), linear in zip(pending, negated, strict=True):
            if linear or self.polarity is None:
                others = [(p.start, p.end) for p in parties if p is not first and p is not second]
                features = pair_features(view, (first.start, first.end), (second.start, second.end), others,
                                         (first.actor.type, second.actor.type))
                decided.append(class_direction(*self.model.decide(features)))
            else:
                decided.append(class_direction(*self.polarity.decide_pair(next(rows))))
        return decided

    def _emit_direction(
        self, doc: Document, view: SentenceView, first: Party, second: Party, direction: Direction | None,
        out: _Collected,
    ) -> None:
        if direction is None:
            if _can_interact(first, second) and second.start - first.end <= _MAX_INTERACTION_CHARS \
                    and _INTERACTION.search(view.text, first.end, second.start):
                self._emit_pair(doc, view, first, second, Direction(True, 0.0), out)
            return
        holder, target = (first, second) if direction.holder_first else (second, first)
        self._emit_pair(doc, view, holder, target, direction, out)

    def _speaker_person_stances(self, doc: Document, parties: list[Party], out: _Collected) -> None:
        """The stance of each statement's speaker toward every person its content names (target head)."""
        if self.polarity is None:
            return
        asked: list[tuple[Statement, Party]] = []
        items: list[tuple[str, tuple[int, int]]] = []
        for statement in doc.statements:
            if statement.speaker is None:
                continue
            for party in parties:
                inside = statement.span[0] <= party.start and party.end <= statement.span[1]
                sentence = doc.sentence_of(party.start)
                if not inside or sentence is None or party.actor.type != "person" \
                        or party.actor.id == statement.speaker.id \
                        or any(k[0] == statement.speaker.id and k[1] == party.actor.id for k in out.found) \
                        or _NEGATED.search(doc.text, sentence[0], party.start):
                    # a pair already decided, or a negation the model does not see ("did not criticise X")
                    continue
                start, end = sentence[0], max(sentence[1], party.end)
                asked.append((statement, party))
                items.append((doc.text[start:end], (party.start - start, party.end - start)))
        if not items:
            return
        for (statement, party), row in zip(asked, self.polarity.targets(items), strict=True):
            index, probability = self.polarity.decide_target(row)
            if TARGET_CLASSES[index] == "neutral" or statement.speaker is None:
                continue
            score = probability if TARGET_CLASSES[index] == "positive" else -probability
            register_party(doc, party)
            out.add(Stance(holder=statement.speaker, target=party.actor.ref(), target_kind="actor",
                           polarity=_polarity(score), score=round(score, 3), evidence=statement.id))

    def _emit_pair(
        self, doc: Document, view: SentenceView, holder: Party, target: Party, direction: Direction, out: _Collected
    ) -> None:
        register_party(doc, holder)
        register_party(doc, target)
        evidence = _statement_evidence(doc, holder.actor.id, view.start, view.end) or (view.start, view.end)
        out.add(Stance(holder=holder.actor.ref(), target=target.actor.ref(), target_kind="actor",
                       polarity=_polarity(direction.score), score=round(direction.score, 3), evidence=evidence))

    # -- actor -> topic ------------------------------------------------------------------------
    def _topic_stance(
        self, doc: Document, view: SentenceView, parties: list[Party], topics: list[Topic], out: _Collected
    ) -> None:
        """Sentence-level topic stances, one per holder; clauses split at contrast markers."""
        keep = _not_aimed_at(view.text, parties)
        previous: Party | None = None
        spans: dict[str, tuple[Party, int, int]] = {}
        for start, end in _segments(view):
            weighted = self.lexicon.weigh(view.text, start, end, keep=keep)
            if not weighted:
                continue
            anchor = max(weighted, key=lambda pair: abs(pair[1]))[0]
            if _statement_at(doc, anchor.start) is not None:
                # words inside a statement are scored with the whole statement, below
                continue
            holder = (
                _agent_after(view, parties, anchor.end)
                or self._holder_before(doc, parties, start, anchor.start)
                or previous
                or _party_after(view, parties, anchor.end)
            )
            if holder is None:
                continue
            known = spans.get(holder.actor.id)
            spans[holder.actor.id] = (holder, known[1] if known else start, end)
            previous = holder
        for holder, start, end in spans.values():
            clause = self.lexicon.evaluate(view.text, start, end, keep=keep)
            if abs(clause.score) < _MIN_TOPIC_SCORE:
                continue
            register_party(doc, holder)
            for topic in topics:
                out.add(_topic_stance(holder.actor.ref(), topic, clause.score, (view.start, view.end)))

    def _holder_before(self, doc: Document, parties: list[Party], start: int, cue_start: int) -> Party | None:
        before = [p for p in parties if start <= p.start and p.end <= cue_start]
        group = group_phrase_before(doc, self.kb, start, cue_start)
        nearest = before[-1] if before else None
        if group is not None and (nearest is None or group.end > nearest.end):
            # "Turkish delegates" -> Turkey: reuse the party already found for the modifier
            same = [p for p in parties if p.start == group.start and p.actor.id == group.actor.id]
            return same[0] if same else group
        return nearest

    def _statement_topic_stances(self, doc: Document, parties: list[Party], out: _Collected) -> None:
        for statement in doc.statements:
            if statement.cue is not None and _DEMAND.fullmatch(statement.cue):
                # "called on X to negotiate in good faith": what the holder asks of X, not praise
                continue
            holder = self._statement_holder(doc, statement, parties)
            if holder is None:
                continue
            start, end = statement.span
            clause = self.lexicon.evaluate(doc.text, start, end, keep=_not_aimed_at(doc.text, parties))
            if abs(clause.score) < _MIN_TOPIC_SCORE:
                continue
            named = _topics_of(self.topics.find(doc.text, start, end))
            topics = _merged(named, self.topics.referred(doc.text, start, end)) if named \
                else self._context_topics(doc, start, end)
            if not topics:
                continue
            if isinstance(holder, Party):
                register_party(doc, holder)
                holder = holder.actor.ref()
            for topic in topics:
                out.add(_topic_stance(holder, topic, clause.score, statement.id))

    def _statement_holder(self, doc: Document, statement: Statement, parties: list[Party]) -> ActorRef | Party | None:
        """The speaker, or for an unresolved source ("officials said") the party its words name."""
        if statement.speaker is not None:
            return statement.speaker
        if statement.speaker_span is None:
            return None
        start, end = statement.speaker_span
        inside = [p for p in parties if start <= p.start and p.end <= end]
        return group_phrase_before(doc, self.kb, start, end) or (inside[-1] if inside else None)

    def _context_topics(self, doc: Document, start: int, end: int) -> list[Topic]:
        """Topics of the sentence around a statement, else of the sentence before it in the paragraph,
        else those it refers back to ("the talks")."""
        sentence = doc.sentence_of(start)
        if sentence is None:
            return []
        found = self.topics.find(doc.text, sentence[0], max(sentence[1], end))
        if found:
            return _topics_of(found)
        index = doc.sentences.index(sentence)
        if index > 0 and _same_paragraph(doc, doc.sentences[index - 1][0], sentence[0]):
            before = self.topics.find(doc.text, *doc.sentences[index - 1])
            if before:
                return _topics_of(before)
        # "the negotiations", "the talks": a topic the article named earlier
        return self.topics.referred(doc.text, sentence[0], max(sentence[1], end))


def _topic_stance(holder: ActorRef, topic: Topic, score: float, evidence: str | tuple[int, int]) -> Stance:
    return Stance(holder=holder, target=ActorRef(id=f"topic:{topic.id}", name=topic.name), target_kind="topic",
                  polarity=_polarity(score), score=round(score, 3), evidence=evidence)


def _polarity(score: float) -> Polarity:
    if score > 0:
        return "positive"
    return "negative" if score < 0 else "neutral"


def _merged(first: list[Topic], second: list[Topic]) -> list[Topic]:
    return first + [t for t in second if t not in first]


def _topics_of(hits: Iterable[TopicHit]) -> list[Topic]:
    seen: dict[str, Topic] = {}
    for hit in hits:
        seen.setdefault(hit.topic.id, hit.topic)
    return list(seen.values())


def _group_by_sentence(doc: Document, parties: list[Party]) -> dict[int, list[Party]]:
    starts = [s for s, _ in doc.sentences]
    grouped: dict[int, list[Party]] = {}
    for party in parties:
        index = bisect.bisect_right(starts, party.start) - 1
        if index >= 0 and party.end <= doc.sentences[index][1]:
            grouped.setdefault(index, []).append(party)
    return grouped


def _affiliated(person: ActorRecord, other: ActorRecord) -> bool:
    """True when ``other`` is the actor's own country or the body of one of its roles.

    "Turkish Foreign Minister Hakan Fidan" names the minister's affiliation, not a stance; an
    organisation and its own member, or a ministry and its country, are one side, not two.
    """
    if other.type == "country" and person.type != "country" and person.country is not None \
            and person.country == other.country:
        return True
    name = other.name.lower()
    return any(role.affiliation is not None and role.affiliation.lower() == name for role in person.roles)


def _is_place(party: Party) -> bool:
    """A place outside the knowledge base (a city, a region): where things happen, rarely who."""
    return party.source == "GPE" and not party.actor.in_knowledge_base


def _can_interact(first: Party, second: Party) -> bool:
    # "talks move to Istanbul" is where, not with whom
    return not (_is_place(first) or _is_place(second))


def _distinct(parties: list[Party]) -> list[Party]:
    """Parties without nested duplicates, keeping the first mention of each actor per position."""
    kept: list[Party] = []
    for party in parties:
        if kept and party.start < kept[-1].end:
            continue
        kept.append(party)
    return kept


def _has_statement(doc: Document, start: int, end: int) -> bool:
    return any(s.span[0] < end and start < s.span[1] for s in doc.statements)


def _statement_at(doc: Document, position: int) -> Statement | None:
    for statement in doc.statements:
        if statement.span[0] <= position < statement.span[1]:
            return statement
    return None


def _statement_evidence(doc: Document, holder_id: str, start: int, end: int) -> str | None:
    """The id of a statement by ``holder_id`` overlapping the sentence, if any."""
    for statement in doc.statements:
        if statement.speaker is not None and statement.speaker.id == holder_id:
            if statement.span[0] < end and start < statement.span[1]:
                return statement.id
    return None


def _party_after(view: SentenceView, parties: list[Party], position: int) -> Party | None:
    """The party named by a closing attribution after ``position`` ('"...," said Ruiz' / 'Ruiz said')."""
    close = _CLOSING.search(view.text, position, view.end)
    if close is None:
        return None
    for party in parties:
        if party.start < close.end():
            continue
        if len(view.text[close.end() : party.start].split()) > 4:
            return None
        if _SAY_BEFORE.search(view.text[close.end() : party.start]) or _SAY_AFTER.match(view.text, party.end):
            return party
        return None
    return None


def _segments(view: SentenceView) -> list[tuple[int, int]]:
    """The sentence cut before each contrast marker and after each semicolon."""
    cuts = [m.start for m in view.modifiers if m.role == "contrast"]
    cuts += [m.end() for m in _SEMICOLON.finditer(view.text, view.start, view.end)]
    bounds = [view.start, *sorted(c for c in cuts if view.start < c < view.end), view.end]
    return [(x, y) for x, y in zip(bounds, bounds[1:], strict=False) if y > x]


def _not_aimed_at(text: str, parties: list[Party]) -> Callable[[CueHit], bool]:
    """A filter dropping verb cues whose object is a party ("praised Weber"): those are about the actor."""
    starts = sorted(p.start for p in parties)

    def keep(hit: CueHit) -> bool:
        if hit.cue.voice != "verb":
            return True
        index = bisect.bisect_left(starts, hit.end)
        return index >= len(starts) or not _OBJECT_GAP.match(text, hit.end, starts[index])

    return keep


def _agent_after(view: SentenceView, parties: list[Party], position: int) -> Party | None:
    """The agent of a passive cue ("the plan was rejected by Kyiv")."""
    match = _AGENT.match(view.text, position)
    if match is None:
        return None
    return next((p for p in parties if p.start == match.end()), None)


def _same_paragraph(doc: Document, first: int, second: int) -> bool:
    return "\n" not in doc.text[first:second]


@register("wirewatch.stance.v1", version="1.1.0")
def stance_stage(resources: Resources) -> StageFn:
    """Fill ``doc.stances`` with actor->actor and actor->topic stances.

    Option ``stance_polarity_model_file``: the ONNX polarity model (default the shipped one), or
    ``"off"`` for the linear pair classifier alone; ``stance_model_budget``: ``"fast"`` (default)
    or ``"full"``, which pairs the model decides (see ``_directions``).
    """
    lexicon = StanceLexicon.load(resources.option("stance_lexicon_file", DEFAULT_LEXICON_FILE))
    model = PairModel.load(resources.option("stance_model_file", DEFAULT_MODEL_FILE))
    polarity_file = resources.option("stance_polarity_model_file", DEFAULT_POLARITY_MODEL_FILE)
    polarity = None if str(polarity_file) == "off" else resources.shared(
        f"stance.polarity:{polarity_file}",
        lambda: PolarityModel.load(Path(polarity_file), cache_size=int(resources.option("stance_model_cache_size", 4096))))
    budget = str(resources.option("stance_model_budget", "fast"))
    if budget not in ("fast", "full"):
        raise ConfigError(f"stance_model_budget: {budget!r} is not 'fast' or 'full'")
    return StanceFinder(knowledge_base(resources), topic_lexicon(resources), lexicon, model, polarity, budget)
