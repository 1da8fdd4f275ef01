"""Speaker resolution: the actor (or pronoun, or bare phrase) heading a statement's source."""

from __future__ import annotations

import re

from streams.actors.roles import role_before
from streams.document import ActorRecord
from streams.statements.cues import Cue
from streams.statements.state import (
    BETWEEN,
    CLAUSE_WORDS,
    OPENERS,
    OTHER_PRONOUNS,
    PERSON_PRONOUNS,
    STOP_PUNCT,
    ArticleState,
    Draft,
    Source,
    Token,
    tokenize,
)

__all__ = ["SpeakerResolver"]

_RELATIVES = frozenset({"who", "which"})


# Head nouns of sources that are not names ("officials said", "a new poll shows").
_SOURCE_NOUNS = frozenset(
    """campaign campaigns poll polls voters officials official candidates candidate supporters
    supporter leaders leader president experts senator aides aide allies ally report reports
    group groups administration governor company advisers adviser advisor team spokesman
    spokeswoman spokesperson party records judge nominee manager survey surveys others
    strategist strategists director office senators government media source sources members
    member analysts analyst lawmakers lawmaker statement critics reporter board crowd agency
    rivals man woman women men politicians organization lawsuit newspaper establishment
    advocates opponents activists activist staff police website filings insiders donors
    delegates committee emails email executives economists court prosecutors authorities
    chairman chairwoman mayor firm camp pollster observers employee video secretary
    researchers unions union lawyers lawyer attorney attorneys friends friend progressives
    employees operatives editorial message paper backers speech person account people
    republicans democrats conservatives liberals independents scientists department convention
    diplomat staffer organizers journalist journalists network host commentators moderators
    documents research officer pundits council speaker foundation consultant investigators
    study studies analysis data letter memo filing complaint ruling decision book article
    story ad ads tweet post ruling spokesmen residents citizens protesters demonstrators
    students teachers workers families parents officers agents minister ministers ambassador
    envoy negotiators commission panel agency pollsters rival opponent challenger incumbent
    hopeful hopefuls contender contenders nominee nominees delegate governors""".split()
)


_APPOSITION_MARKS = frozenset({",", "\u2014", "\u2015", "\u2013", "-", "--"})


_VERB_CHAIN = re.compile(r"\b(?:to|by)\s+(?:(?:also|then|publicly|repeatedly)\s+)?$")


# Heads of a source phrase that speak for the actor named before them ("the Trump campaign").
_PROXY_NOUNS = frozenset(
    """campaign camp spokesman spokeswoman spokesperson office administration team government
    ministry press lawyer lawyers attorney attorneys aide aides staff""".split()
)


# Words that never end a subject ("went so far as to say", "rose to say").
_FUNCTION_WORDS = frozenset(
    "to as so than of for in on at with by from the a an into about over under against".split()
)


# Auxiliaries and modals: a phrase holding one is a clause, not a name.
_VERBISH = frozenset(
    "must will would can could should may might is are was were has have had did does do be been"
    .split()
)


# A cue right after "and"/"but" or a comma shares the subject of the clause before it.
_SHARED_SUBJECT = re.compile(
    r"(?:,[\u201d\"']*|\band|\bbut|\bwhile|\bwhen|\bafter|\bbefore|\bby)\s+"
    r"(?:(?:also|then|later|has|had|have)\s+)?$"
)


# Prepositions that may open a sentence-initial participle clause ("In opposing the request, ...").
_PARTICIPLE_OPENERS = frozenset("in by while when after before since".split())


_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f"}
# A name after these is an object or sits in a modifying phrase, not the subject of its clause.
_OBJECT_BEFORE = re.compile(
    r"(?:\b(?:of|to|with|for|by|from|about|against|at|on|in|into|than|and|or|nor|including|thanking|"
    r"praising|criticising|criticizing|blaming|urging|calling|telling|meeting|met|called|told|"
    r"thanked|praised|urged|asked|accused|blamed|joined|beside|alongside|after|before|like|"
    r"reference to)|\w+ing)\s+(?:(?:the|a|an|his|her|their|its|[A-Z][\w.'\u2019-]*)\s+){0,4}$"
)
_FEMALE = re.compile(r"\b(?:Ms|Mrs|Miss|Madam|Dame|Lady|Queen|Princess)\.?\s*$|(?:woman|wife|mother|"
                     r"daughter|sister|actress|queen|princess|chairwoman|spokeswoman|congresswoman)\s+$",
                     re.IGNORECASE)
_MALE = re.compile(r"\b(?:Mr|Sir|Lord|King|Prince|Sheikh|Emir)\.?\s*$|\b(?:husband|father|son|brother|"
                   r"chairman|spokesman|congressman|businessman)\s+$", re.IGNORECASE)


def _in_object_position(text: str, sentence_start: int, position: int) -> bool:
    """True when the name at ``position`` follows a preposition, a verb or a participle in its
    sentence: it is not the sentence's subject."""
    role = role_before(text, sentence_start, position)
    end = role.start if role is not None else position  # "met Secretary of State X": the title goes
    before = text[max(sentence_start, end - 80) : end]
    return bool(before.strip()) and _OBJECT_BEFORE.search(before) is not None


def _gender_agrees(state: ArticleState, actor: ActorRecord, gender: str | None) -> bool:
    """False only when the text marks ``actor`` with the other gender ("Ms. Li" for "he")."""
    if gender is None:
        return True
    marks = {_mark(state.text[max(0, start - 30) : start]) for start, _ in actor.mentions}
    marks |= {_mark((role.title or "") + " ") for role in actor.roles}
    marks.discard(None)
    return not marks or gender in marks


def _mark(before: str) -> str | None:
    if _FEMALE.search(before):
        return "f"
    if _MALE.search(before):
        return "m"
    return None


def _name_like(words: list[Token]) -> bool:
    """True for a noun phrase naming a source ("Jo Li", "a spokesman for a party"), not a clause."""
    last = re.sub(r"['\u2019]s$", "", words[-1].lower)
    if not (words[-1].text[:1].isupper() or last in _SOURCE_NOUNS) or words[
        0
    ].lower in _FUNCTION_WORDS - {"the", "a", "an"}:
        return False
    return not any(word.lower in _VERBISH for word in words)


class SpeakerResolver:
    """Finds the source phrase of a cue and the actor it names; holds no state."""

    def source_of(
        self, state: ArticleState, cue: Cue, s_start: int, previous: Draft | None, lenient: bool
    ) -> tuple[bool, Source | None]:
        """``(shares a subject, source)`` for a forward cue.

        A participle (", saying ...", "Noting that ..., Smith said") or a coordinated verb ("... and
        added") shares the subject of the main clause; other cues take the phrase before them.
        """
        text = state.text
        participle = cue.text.endswith("ing")
        if participle and (
            not text[s_start : cue.start].strip()
            or text[s_start : cue.start].strip().lower() in _PARTICIPLE_OPENERS
        ):
            # "Noting that the polls had closed, Smith said ...": the subject follows the clause
            comma = text.find(",", cue.end, state.sentence(cue.start)[1])
            return True, self.sentence_subject(
                state, comma + 1, state.sentence(cue.start)[1]
            ) if comma > 0 else None
        shared = _SHARED_SUBJECT.search(text, s_start, cue.start)
        if shared and (
            participle
            or shared.group()[:1].isalpha()
            and shared.group().split()[0] in ("and", "but")
        ):
            if previous is not None and previous.source is not None:
                return True, previous.source
            return True, self.sentence_subject(state, s_start, cue.start)
        source = self.subject_before(state, s_start, cue.start, lenient=lenient)
        if source is None and _VERB_CHAIN.search(text, s_start, cue.start):
            # "Clinton took to Twitter to say", "Cruz pivoted to arguing": the clause's subject
            clause = text.rfind(", ", s_start, cue.start)
            subject = self.sentence_subject(state, clause + 2, cue.start) if clause >= 0 else None
            return True, subject or self.sentence_subject(state, s_start, cue.start)
        return False, source

    def subject_before(
        self, state: ArticleState, lo: int, cue_start: int, lenient: bool = False
    ) -> Source | None:
        """The subject phrase ending just before a cue (skipping adverbs and an apposition).

        Unless ``lenient`` (a quote next to it already shows this is speech), the phrase must end in
        an actor mention, a capitalised word or a known source noun ("officials").
        """
        tokens = tokenize(state.text, max(lo, cue_start - 240), cue_start)
        i = len(tokens) - 1
        skipped = 0
        while i >= 0 and tokens[i].lower in BETWEEN and skipped < 4:
            i -= 1
            skipped += 1
        if i < 0:
            return None
        apposition_end: int | None = None
        if tokens[i].text in _APPOSITION_MARKS:
            # "Jo Li, the city manager, said" / "Jo Li - a teacher - says"
            mark = tokens[i].text
            opening = next(
                (j for j in range(i - 1, max(-1, i - 25), -1) if tokens[j].text in ",;:()" + mark),
                None,
            )
            if opening is None or tokens[opening].text != mark or opening == 0:
                return None
            apposition_end = tokens[i - 1].end
            i = opening - 1
        if i >= 0 and tokens[i].text == ")":
            # "Gov. Phil Bryant (R) said", "Rep. Jo Li (D-Md.), chair of the committee, said"
            opening = next(
                (j for j in range(i - 1, max(-1, i - 12), -1) if tokens[j].text == "("), None
            )
            if opening is None or opening == 0:
                return None
            apposition_end = apposition_end or tokens[i].end
            i = opening - 1
        head = tokens[i]
        if head.lower in PERSON_PRONOUNS | OTHER_PRONOUNS | _RELATIVES:
            return self.pronoun_source(state, head)
        if not head.text[:1].isalnum() or head.lower in _FUNCTION_WORDS:
            return None
        first = i
        while first > 0 and i - first < 9:
            previous = tokens[first - 1]
            if (
                previous.text in STOP_PUNCT
                or previous.lower in CLAUSE_WORDS
                or previous.lower in _RELATIVES
                or previous.start in state.cue_starts
            ):
                break
            first -= 1
        if not lenient and not self._looks_like_source(state, tokens[first : i + 1]):
            return None
        end = apposition_end or head.end
        actor = self.actor_in(state, tokens[first].start, head.end)
        named_head = state.doc.actor_at(head.start, head.end) is not None
        if actor is not None and head.text.islower() and not named_head:
            # "Trump's critics said" is not Trump speaking; "the Trump campaign said" is, by proxy
            actor = actor if re.sub(r"['\u2019]s$", "", head.lower) in _PROXY_NOUNS else None
        return Source(tokens[first].start, end, actor)

    def _looks_like_source(self, state: ArticleState, words: list[Token]) -> bool:
        if not words:
            return False
        head = words[-1]
        if state.doc.actor_at(head.start, head.end) is not None:
            return True
        lowered = re.sub(r"['\u2019]s$", "", head.lower)
        if lowered in _SOURCE_NOUNS or (head.text[:1].isupper() and lowered not in BETWEEN):
            return True
        return False

    def subject_after(
        self, state: ArticleState, cue_end: int, hi: int, allow_long: bool = False
    ) -> Source | None:
        """The subject after an inverted cue (``said Smith``, ``according to the report``)."""
        tokens = tokenize(state.text, cue_end, min(hi, cue_end + 200))
        if not tokens:
            return None
        head = tokens[0]
        if head.lower in PERSON_PRONOUNS | OTHER_PRONOUNS:
            return self.pronoun_source(state, head)
        limit = 14 if allow_long else 9
        end = 0
        while end < len(tokens) and end < limit and tokens[end].text not in STOP_PUNCT:
            if (
                end
                and tokens[end].lower in CLAUSE_WORDS | {"on", "in", "at", "during", "to", "about"}
                and not allow_long
            ):
                break
            end += 1
        words = tokens[:end]
        if not words:
            return None
        if not allow_long and not _name_like(words):
            # "X, the ambassador, said Mexico must act": a clause, not an inverted subject
            return None
        return Source(
            words[0].start,
            words[-1].end,
            self.actor_in(state, words[0].start, words[-1].end, first=True),
        )

    def pronoun_source(self, state: ArticleState, token: Token) -> Source:
        """A pronoun as a source: "he"/"she" stand for the salient person, "who" for the actor before it."""
        lowered = token.lower
        actor: ActorRecord | None = None
        if lowered in PERSON_PRONOUNS:
            source = self.salient_person(state, token.start, _PRONOUN_GENDER.get(lowered))
            actor = source.actor if source else None
        elif lowered in _RELATIVES:
            mentions = state.doc.mentions_in(max(0, token.start - 150), token.start)
            actor = mentions[-1].actor if mentions else None
        return Source(token.start, token.end, actor, pronoun=True)

    def salient_person(self, state: ArticleState, position: int, gender: str | None = None) -> Source | None:
        """The person a pronoun at ``position`` most likely stands for (people named in quotes aside).

        The nearest sentence naming a person decides (this one up to the pronoun, else up to three
        before it); in it, the subject beats an object or a name inside a participle or
        prepositional phrase ("A spoke ..., thanking B and C. She stressed" is A; "X said of Y" is
        X). ``gender`` ("m"/"f", from he/she) skips people whose title or honorific disagrees.
        """
        index = state.sentence_index(position)
        for k in range(index, max(-1, index - 4), -1):
            lo, hi = state.doc.sentences[k]
            people = [m for m in state.doc.mentions_in(lo, min(hi, position))
                      if m.actor.type == "person" and not state.in_quote(m.start)
                      and _gender_agrees(state, m.actor, gender)]
            if not people:
                continue
            subjects = [m for m in people if not _in_object_position(state.text, lo, m.start)]
            chosen = subjects[0] if subjects else people[-1]
            if k == index and not subjects:
                chosen = people[-1]
            return Source(chosen.start, chosen.end, chosen.actor, pronoun=True)
        return None

    def sentence_subject(self, state: ArticleState, s_start: int, end: int) -> Source | None:
        """The subject opening a sentence: a pronoun, or an actor named in its first words (after a
        dateline, and behind a title: "GENEVA - UN Secretary-General Jo Li opened ...")."""
        dateline = state.doc.dateline
        if dateline is not None and dateline[0] <= s_start < dateline[1] or \
                dateline is not None and s_start <= dateline[0] < end:
            s_start = max(s_start, dateline[1])
        tokens = tokenize(state.text, s_start, min(end, s_start + 120))[:6]
        while tokens and tokens[0].lower in OPENERS:
            tokens.pop(0)
        if not tokens:
            return None
        if tokens[0].lower in PERSON_PRONOUNS | OTHER_PRONOUNS:
            return self.pronoun_source(state, tokens[0])
        titled = next((m for m in state.doc.mentions_in(tokens[0].start, end) if m.actor.type == "person"), None)
        if titled is not None:
            role = role_before(state.text, tokens[0].start, titled.start)
            if role is not None and role.start <= tokens[min(2, len(tokens) - 1)].start:
                return Source(titled.start, titled.end, titled.actor)
        mention = self.first_mention(state, tokens[0].start, end)
        if mention is not None and mention.start <= tokens[min(2, len(tokens) - 1)].start:
            return mention
        # "On Thursday, however, Trump spoke ...", "Speaking in Ohio, Vice President Jo Li said":
        # the subject follows an opening phrase set off by a comma
        comma = state.text.find(", ", s_start, min(end, s_start + 90))
        if comma > 0 and not state.doc.mentions_in(s_start, comma):
            return self.sentence_subject(state, comma + 2, end)
        return None

    @staticmethod
    def first_mention(state: ArticleState, start: int, end: int) -> Source | None:
        """The first actor mention between ``start`` and ``end``, as a source."""
        mentions = state.doc.mentions_in(start, end)
        if not mentions:
            return None
        return Source(mentions[0].start, mentions[0].end, mentions[0].actor)

    @staticmethod
    def actor_in(
        state: ArticleState, start: int, end: int, first: bool = False
    ) -> ActorRecord | None:
        """The actor a source phrase names: its last person mention (its first, after a cue)."""
        mentions = state.doc.mentions_in(start, end)
        if not mentions:
            return None
        people = [m for m in mentions if m.actor.type == "person"] or mentions
        return (people[0] if first else people[-1]).actor
