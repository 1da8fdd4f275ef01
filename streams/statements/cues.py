"""The attribution cue lexicon: reporting verbs and phrases, and how each attaches its content.

A cue's *frame* says where the reported content sits relative to it:

* ``speech`` - a clause or quote ("said (that) ...", "..., she added"); may follow its content.
* ``tell`` - like speech, with a recipient first ("told reporters (that) ...").
* ``belief`` - a thought, hope or intention ("believes ...", "hopes to ..."); less certain.
* ``object`` - a noun phrase or infinitive ("urged X to ...", "accused X of ...", "praised X").
* ``according`` - "according to SOURCE", with the content on the other side of the source.
* ``noun`` - a noun of saying or thinking after its possessor ("Trump's claim that ...").
* ``hedge`` - a view reported without its holder ("X appears to lead", "X is expected to win").

Forms are listed per verb so the scan is one precompiled regex over the text. Only lower-case forms
match (plus title-case for speech verbs, for headlines and "According to"), so names such as
"Hope" or "Will" are never cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["CUE_PATTERN", "Cue", "CueFrame", "cue_at", "find_cues"]

CueFrame = Literal["speech", "tell", "belief", "object", "according", "noun", "hedge"]

# lemma -> inflected forms (space-separated, or "|"-separated when a form has several words);
# a leading "*" marks a form that reports a clause only when "that"/"to"/":"... follows it.
_SPEECH = {
    "say": "say says said saying",
    "add": "adds added adding",
    "note": "noted notes noting",
    "argue": "argue argues argued arguing",
    "claim": "claimed claiming",
    "write": "wrote writes",
    "explain": "explained explains explaining",
    "insist": "insist insists insisted insisting",
    "warn": "warn warns warned warning",
    "suggest": "suggest suggests suggested suggesting",
    "announce": "announced announces announcing",
    "acknowledge": "acknowledged acknowledges acknowledging",
    "admit": "admitted admits admitting",
    "declare": "declared declares declaring",
    "state": "stated stating",
    "stress": "stressed stresses stressing",
    "emphasize": "emphasized emphasised emphasizes emphasises emphasizing emphasising",
    "predict": "predicted predicts predicting",
    "report": "reported",
    "reveal": "revealed reveals",
    "complain": "complained complains complaining",
    "concede": "conceded concedes conceding",
    "confirm": "confirmed confirms confirming",
    "recall": "recalled recalls recalling",
    "reply": "replied replies",
    "respond": "responded responds",
    "assert": "asserted asserts asserting",
    "contend": "contended contends contending",
    "observe": "observed observes",
    "remark": "remarked",
    "tweet": "tweeted tweets tweeting",
    "post": "*posted",
    "joke": "joked jokes joking",
    "boast": "boasted boasts boasting",
    "allege": "*alleged *alleges",
    "mention": "mentioned",
    "reiterate": "reiterated reiterates reiterating",
    "promise": "promised promises promising",
    "pledge": "*pledged *pledges",
    "vow": "vowed vows vowing",
    "deny": "denied denies denying",
    "agree": "agreed agrees",
    "hint": "hinted hints",
    "indicate": "indicated indicates indicating",
    "conclude": "concluded concludes",
    "testify": "testified testifies",
    "propose": "*proposed *proposes",
    "recommend": "recommended recommends",
    "caution": "cautioned cautions",
    "speculate": "speculated speculates",
    "wonder": "wondered wonders",
    "ask": "asked asks asking",
    "answer": "answered",
    "point out": "pointed out|points out|pointing out",
    "continue": "*continued",
    "show": "shows showed",
    "find": "*found *finds",
    "estimate": "*estimated",
    "shout": "shouted",
    "quip": "quipped",
    "muse": "mused",
    "scoff": "scoffed",
    "affirm": "affirmed",
    "disclose": "disclosed",
    "proclaim": "proclaimed",
    "lament": "lamented laments",
    "retort": "retorted",
    "interject": "interjected",
    "exclaim": "exclaimed",
    "yell": "yelled",
    "scream": "screamed",
    "chant": "chanted",
    "crack": "*cracked",
    "snap": "*snapped",
    "tease": "teased",
    "taunt": "taunted",
    "opine": "opined",
    "gush": "gushed",
    "marvel": "marveled marvelled",
    "fume": "fumed",
    "chime in": "chimed in|",
    "go on": "*went on|",
    "comment": "commented",
    "weigh in": "weighed in|weighs in|weighing in",
    "recount": "recounted recounts",
    "remember": "*remembered",
    "confess": "confessed",
    "swear": "*swore",
    "guarantee": "*guaranteed",
    "reassure": "reassured",
    "advise": "advised",
    "imply": "implied implies",
    "signal": "*signaled *signalled",
    "determine": "*determined",
    "rule": "*ruled",
    "dispute": "disputed disputes",
    "refute": "refuted",
    "contradict": "contradicted",
    "talk about": "talked about|talking about|talks about|spoke about|speaking about|spoke of",
    "refer to": "referring to|referred to|refers to",
    "point to": "pointed to|points to|pointing to",
    "cite": "cited cites citing",
    "discuss": "discussed discussing",
    "highlight": "highlighted highlighting highlights",
    "counter": "countered",
    "maintain": "*maintained *maintains",
}
_TELL = {
    "tell": "told tells telling",
    "assure": "assured assures",
    "remind": "reminded reminds",
}
_BELIEF = {
    "believe": "*believe *believes *believed",
    "think": "*think *thinks *thought",
    "fear": "*fears *feared",
    "worry": "*worried *worries",
    "doubt": "*doubts *doubted",
    "want": "want wants wanted",
    "plan": "*plans",
    "intend": "*intends *intended",
    "seek": "*seeks *sought",
    "prefer": "*prefers",
    "know": "*know *knows *knew",
    "feel": "*feel *feels *felt",
    "hope": "*hope hopes hoped hoping",
    "expect": "*expect *expects",
    "recognize": "*recognized *recognizes *recognised",
    "realize": "*realized *realizes *realised",
    "suspect": "*suspects *suspected",
    "assume": "*assumes *assumed",
    "understand": "*understands",
    "see": "*sees *saw",
    "view": "*views *viewed",
    "consider": "*considers",
    "support": "supports supported supporting",
    "back": "backed backing",
    "oppose": "opposed opposes opposing",
    "favor": "favors favored favours favoured",
    "decide": "*decided",
    "threaten": "threatened threatens threatening",
    "offer": "*offered",
    "aim": "*aims",
    "push for": "pushed for|pushing for|pushes for|push for",
    "advocate": "advocated advocates advocating",
}
_OBJECT = {
    "praise": "praised praises praising",
    "criticize": "criticized criticised criticizes criticises criticizing criticising",
    "accuse": "accused accuses accusing",
    "blame": "blamed blames blaming",
    "blast": "blasted blasts blasting",
    "slam": "slammed slams slamming",
    "attack": "*attacked",
    "condemn": "condemned condemns condemning",
    "denounce": "denounced denounces denouncing",
    "decry": "decried decries decrying",
    "dismiss": "dismissed dismisses dismissing",
    "defend": "defended defends defending",
    "question": "questioned questions questioning",
    "describe": "described describes describing",
    "endorse": "endorsed endorses",
    "oppose": "*opposes",
    "reject": "rejected rejects rejecting",
    "decline": "declined declines",
    "refuse": "refused refuses",
    "urge": "urged urges urging",
    "call": "called calls calling",
    "call for": "called for|calls for|calling for|call for",
    "call on": "called on|calls on|calling on",
    "demand": "*demanded *demands",
    "mock": "mocked mocks mocking",
    "applaud": "applauded",
    "welcome": "*welcomed",
    "rail": "railed against|rails against",
    "tout": "touted touts touting",
    "express": "expressed expresses expressing",
    "show": "show",
    "hail": "hailed hails",
    "commend": "commended",
    "thank": "thanked",
    "credit": "credited",
    "label": "labeled labelled",
    "brand": "branded",
    "dub": "dubbed",
    "characterize": "characterized characterised",
    "portray": "portrayed portrays",
    "depict": "depicted",
    "ridicule": "ridiculed",
    "lambaste": "lambasted",
    "excoriate": "excoriated",
    "chide": "chided",
    "scold": "scolded",
    "rebuke": "rebuked",
    "berate": "berated",
    "repudiate": "repudiated",
    "disavow": "disavowed",
    "rip": "*ripped",
    "lash out": "lashed out at|lashes out at|lashing out at",
    "encourage": "encouraged encourages",
    "implore": "implored",
    "beg": "begged",
    "plead": "pleaded",
    "press": "*pressed",
}
_ACCORDING = {"according to": "according to|"}
# Hedges that report a view without its holder ("Trump appears to lead", "X is expected to win").
_HEDGE = {
    "seem": "*seems *seemed",
    "appear": "*appears *appeared",
    "expected": "*is expected|*are expected|*was expected|*were expected",
}
# Nouns of saying and thinking count only as "<possessor> (adjective) NOUN that/to/about ..."
# ("Trump's claim that ...", "her call for ...").
_NOUN = {
    "claim": "claim claims",
    "assertion": "assertion",
    "argument": "argument",
    "statement": "statement",
    "remarks": "remarks comments",
    "belief": "belief",
    "view": "view views",
    "promise": "promise pledge vow",
    "warning": "warning",
    "call": "call calls",
    "criticism": "criticism",
    "suggestion": "suggestion",
    "insistence": "insistence",
    "contention": "contention",
    "accusation": "accusation accusations allegation allegations charge",
    "demand": "demand demands",
    "proposal": "proposal plan",
    "opposition": "opposition",
    "support": "support",
    "concern": "concern concerns fear fears",
    "hope": "hope",
    "decision": "decision",
    "refusal": "refusal",
    "denial": "denial",
    "endorsement": "endorsement",
    "defense": "defense defence",
    "praise": "praise",
    "attacks": "attack attacks",
}

_LEXICON: dict[CueFrame, dict[str, str]] = {
    "speech": _SPEECH,
    "tell": _TELL,
    "belief": _BELIEF,
    "object": _OBJECT,
    "according": _ACCORDING,
    "noun": _NOUN,
    "hedge": _HEDGE,
}
# Content-introducing words that make a "*" form count (its bare use is mostly not an attribution).
_POSSESSOR = re.compile(
    r"(?:\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Mm]y|[Oo]ur)|\w['\u2019]s|\w['\u2019])"
    r"\s+(?:[a-z]+\s+)?$"
)
_NOUN_COMPLEMENT = re.compile(r"\s+(?:that|to|about|of|for|on|against|with)\b|:")
_NEEDS_COMPLEMENT = re.compile(
    r"\s+(?:that|to|:|whether|if|it|he|she|they|the\s+\w+\s+(?:is|was|will|would))\b|:"
)


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue occurrence: ``[start, end)``, its surface text, lemma and frame.

    ``bare`` marks a form that usually reports speech only with a complement ("continued",
    "posted") found without one: it still attributes a quote next to it, but no reported clause.
    """

    start: int
    end: int
    text: str
    lemma: str
    frame: CueFrame
    bare: bool = False


def _forms() -> tuple[dict[str, tuple[str, CueFrame, bool]], str]:
    table: dict[str, tuple[str, CueFrame, bool]] = {}
    for frame, verbs in _LEXICON.items():
        for lemma, forms in verbs.items():
            for form in filter(None, forms.split("|") if "|" in forms else forms.split()):
                strict = form.startswith("*")
                table.setdefault(form.lstrip("*"), (lemma, frame, strict))
    alternatives = sorted(table, key=len, reverse=True)
    titled = [f for f in alternatives if table[f][1] in ("speech", "tell", "according")]
    pattern = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in alternatives)
    pattern += "|" + "|".join(
        re.escape(f[:1].upper() + f[1:]).replace(r"\ ", r"\s+") for f in titled
    )
    return table, pattern


_FORMS, CUE_PATTERN = _forms()
_CUE = re.compile(r"(?<![\w'\u2019-])(?:" + CUE_PATTERN + r")(?![\w'\u2019-])")
# "so-called", "all told", "said" as an adjective ("the said"): not attributions.
_NOT_CUE_BEFORE = re.compile(r"(?:\bso-|\b(?:all|the|a|an)\s+)$", re.IGNORECASE)


def cue_at(form: str) -> tuple[str, CueFrame] | None:
    """The ``(lemma, frame)`` of a cue form such as ``"told"``, or None if it is not a cue."""
    entry = _FORMS.get(" ".join(form.lower().split()))
    return (entry[0], entry[1]) if entry else None


def find_cues(text: str) -> list[Cue]:
    """Every cue occurrence in ``text``, in order (see :attr:`Cue.bare`)."""
    found = []
    for match in _CUE.finditer(text):
        surface = match.group()
        lemma, frame, strict = _FORMS[" ".join(surface.lower().split())]
        if _NOT_CUE_BEFORE.search(text, max(0, match.start() - 6), match.start()):
            continue
        if frame == "noun" and not (
            _POSSESSOR.search(text, max(0, match.start() - 40), match.start())
            and _NOUN_COMPLEMENT.match(text, match.end())
        ):
            continue
        bare = strict and not _NEEDS_COMPLEMENT.match(text, match.end())
        found.append(Cue(match.start(), match.end(), surface, lemma, frame, bare))
    return found
