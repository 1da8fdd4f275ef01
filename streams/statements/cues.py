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
# a leading "*" marks a form that reports a clause only when "that"/"to"/":"... follows it, and a
# leading "^" a bare verb form that is also a noun ("support", "attack"): it is a cue only in a
# verb group ("to support", "did not mention", "they oppose").
_SPEECH = {
    "say": "say says said saying",
    "add": "adds added adding ^add",
    "note": "noted notes noting ^note",
    "argue": "argue argues argued arguing",
    "claim": "claimed claiming ^claim *claims",
    "write": "wrote writes write writing written",
    "explain": "explained explains explaining explain",
    "insist": "insist insists insisted insisting",
    "warn": "warn warns warned warning",
    "suggest": "suggest suggests suggested suggesting",
    "announce": "announced announces announcing announce",
    "acknowledge": "acknowledged acknowledges acknowledging acknowledge",
    "admit": "admitted admits admitting admit",
    "declare": "declared declares declaring declare",
    "state": "stated stating",
    "stress": "stressed stresses stressing ^stress",
    "emphasize": "emphasized emphasised emphasizes emphasises emphasizing emphasising emphasize "
    "emphasise",
    "predict": "predicted predicts predicting predict",
    "report": "reported ^report *reports",
    "reveal": "revealed reveals reveal revealing",
    "complain": "complained complains complaining complain",
    "concede": "conceded concedes conceding concede",
    "confirm": "confirmed confirms confirming confirm",
    "recall": "recalled recalls recalling ^recall",
    "reply": "replied replies ^reply replying",
    "respond": "responded responds respond responding",
    "assert": "asserted asserts asserting assert",
    "contend": "contended contends contending contend",
    "observe": "observed observes observe observing",
    "remark": "remarked ^remark",
    "tweet": "tweeted tweets tweeting ^tweet",
    "post": "*posted *post *posts",
    "joke": "joked jokes joking ^joke",
    "boast": "boasted boasts boasting boast",
    "allege": "*alleged *alleges *allege alleging",
    "mention": "mentioned mention mentions mentioning",
    "reiterate": "reiterated reiterates reiterating reiterate",
    "promise": "promised promises promising ^promise",
    "pledge": "*pledged *pledges ^*pledge pledging",
    "vow": "vowed vows vowing ^vow",
    "deny": "denied denies denying deny",
    "agree": "agreed agrees agree agreeing",
    "hint": "hinted hints ^hint hinting",
    "indicate": "indicated indicates indicating indicate",
    "conclude": "concluded concludes conclude concluding",
    "testify": "testified testifies testify testifying",
    "propose": "*proposed *proposes *propose proposing",
    "recommend": "recommended recommends recommend recommending",
    "caution": "cautioned cautions ^caution cautioning",
    "speculate": "speculated speculates speculate speculating",
    "wonder": "wondered wonders wonder wondering",
    "ask": "asked asks asking ask",
    "answer": "answered ^answer",
    "point out": "pointed out|points out|pointing out",
    "continue": "*continued",
    "show": "shows showed showing shown",
    "find": "*found *finds ^*find",
    "estimate": "*estimated ^*estimate",
    "shout": "shouted",
    "quip": "quipped",
    "muse": "mused",
    "scoff": "scoffed",
    "affirm": "affirmed affirm",
    "disclose": "disclosed disclose disclosing",
    "proclaim": "proclaimed proclaim proclaiming",
    "lament": "lamented laments ^lament lamenting",
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
    "comment": "commented ^comment commenting *comments",
    "weigh in": "weighed in|weighs in|weighing in",
    "recount": "recounted recounts recount recounting",
    "remember": "*remembered *remember *remembers",
    "confess": "confessed confess",
    "swear": "*swore ^*swear",
    "guarantee": "*guaranteed",
    "reassure": "reassured reassure reassuring",
    "advise": "advised advise advising",
    "imply": "implied implies imply implying",
    "signal": "*signaled *signalled ^*signal *signals signaling signalling",
    "determine": "*determined",
    "rule": "*ruled ^*rule *rules",
    "dispute": "disputed disputes ^dispute disputing",
    "refute": "refuted refute",
    "contradict": "contradicted contradict contradicting",
    "talk about": "talked about|talking about|talks about|talk about|spoke about|speaking about|"
    "speaks about|speak about|spoken about|spoke of|speaks of|spoken of|talked of|spoke out|"
    "speaking out|speak out",
    "refer to": "referring to|referred to|refers to",
    "point to": "pointed to|points to|pointing to",
    "cite": "cited cites citing cite",
    "discuss": "discussed discussing discuss discusses",
    "highlight": "highlighted highlighting highlights ^highlight",
    "counter": "countered ^counter countering",
    "maintain": "*maintained *maintains *maintain",
    "echo": "echoed echoes echoing",
    "repeat": "*repeated repeats repeating",
    "voice": "voiced voicing",
    "raise": "raised questions|raising questions|raises questions|raised concerns|raising concerns|"
    "raises concerns|raised doubts|raised the possibility|raising the possibility",
    "make clear": "made clear|made it clear|make clear|make it clear|makes clear|makes it clear|"
    "making clear|making it clear",
    "make the case": "made the case|make the case|makes the case|making the case",
    "learn": "*learned *learns",
    "charge": "charged",
    "project": "*projected *projects",
    "forecast": "*forecast *forecasts",
    "reference": "referenced referencing",
    "retweet": "retweeted retweets retweeting",
    "email": "*emailed",
    "apologize": "apologized apologizes apologize apologizing apologised",
}
_TELL = {
    "tell": "told tells telling tell",
    "assure": "assured assures assure assuring",
    "remind": "reminded reminds remind reminding",
    "inform": "informed informs informing",
}
_BELIEF = {
    "believe": "believe believes believed believing",
    "think": "think thinks thought",
    "fear": "fears feared ^fear fearing",
    "worry": "worried worries ^worry worrying",
    "doubt": "doubts doubted ^doubt",
    "want": "want wants wanted wanting",
    "plan": "plans ^plan planned planning",
    "intend": "intends intended intend intending",
    "seek": "seeks sought seek seeking",
    "prefer": "prefers prefer preferred",
    "know": "know knows knew",
    "feel": "feel feels felt",
    "hope": "hope hopes hoped hoping",
    "expect": "expect expects expecting",
    "recognize": "recognized recognizes recognised recognize recognise",
    "realize": "realized realizes realised realize realise",
    "suspect": "suspects suspected",
    "assume": "assumes assumed assume",
    "understand": "understands understand",
    "see": "*sees *saw *see",
    "view": "views viewed ^view",
    "consider": "considers consider considered considering",
    "support": "supports supported supporting",
    "back": "backed backing ^back",
    "oppose": "opposed opposes opposing oppose",
    "favor": "favors favored favours favoured ^favor ^favour favoring favouring",
    "decide": "decided decide deciding",
    "threaten": "threatened threatens threatening threaten",
    "offer": "offered ^offer offers offering",
    "aim": "aims ^aim aimed aiming",
    "push for": "pushed for|pushing for|pushes for|push for",
    "advocate": "advocated advocates advocating ^advocate",
    "deem": "deemed deems",
    "regard": "regards regarded",
    "embrace": "embraced embraces embracing ^embrace",
    "vote": "voted for|voted against|vote for|vote against|votes for|votes against|voting for|"
    "voting against",
    "campaign for": "campaigned for|campaigned against|campaigning for|campaigning against|"
    "campaigns for|campaigns against",
    "would like": "would like|would love|would prefer|wouldn't like|wouldn’t like",
    "eager": "eager to|willing to|unwilling to|reluctant to|keen to|hesitant to|prepared to",
    "confident": "confident that|confident in|convinced that|aware that|aware of|sure that|"
    "concerned that|concerned about|worried that|worried about|optimistic that|optimistic about|"
    "skeptical of|skeptical about|skeptical that|critical of|proud of|angry about|angry at|"
    "upset about|upset with|frustrated with|frustrated by|disappointed in|disappointed by|"
    "disappointed with|happy with|happy about|pleased with|unhappy with|furious at|furious about",
}
_OBJECT = {
    "praise": "praised praises praising ^praise",
    "criticize": "criticized criticised criticizes criticises criticizing criticising criticize "
    "criticise",
    "accuse": "accused accuses accusing accuse",
    "blame": "blamed blames blaming ^blame",
    "blast": "blasted blasts blasting ^blast",
    "slam": "slammed slams slamming ^slam",
    "attack": "*attacked ^attack attacking",
    "condemn": "condemned condemns condemning condemn",
    "denounce": "denounced denounces denouncing denounce",
    "decry": "decried decries decrying decry",
    "dismiss": "dismissed dismisses dismissing dismiss",
    "defend": "defended defends defending defend",
    "question": "questioned questions questioning ^question",
    "describe": "described describes describing describe",
    "endorse": "endorsed endorses endorse endorsing",
    "oppose": "*opposes oppose",
    "reject": "rejected rejects rejecting reject",
    "decline": "declined declines decline declining",
    "refuse": "refused refuses refuse refusing",
    "urge": "urged urges urging urge",
    "call": "called calls calling ^call",
    "call for": "called for|calls for|calling for|call for",
    "call on": "called on|calls on|calling on",
    "demand": "*demanded *demands ^*demand demanding",
    "mock": "mocked mocks mocking mock",
    "applaud": "applauded applaud applauds applauding",
    "welcome": "*welcomed ^*welcome *welcomes welcoming",
    "rail": "railed against|rails against",
    "tout": "touted touts touting tout",
    "express": "expressed expresses expressing express",
    "show": "show showing shown",
    "hail": "hailed hails ^hail hailing",
    "commend": "commended commend commends commending",
    "thank": "thanked thank thanking",
    "credit": "credited ^credit crediting",
    "label": "labeled labelled ^label labeling labelling",
    "brand": "branded ^brand branding",
    "dub": "dubbed",
    "characterize": "characterized characterised characterize characterizes characterizing",
    "portray": "portrayed portrays portray portraying",
    "depict": "depicted depict depicts depicting",
    "ridicule": "ridiculed ^ridicule ridicules ridiculing",
    "lambaste": "lambasted lambaste lambasting",
    "excoriate": "excoriated",
    "chide": "chided chide chiding",
    "scold": "scolded",
    "rebuke": "rebuked ^rebuke rebukes",
    "berate": "berated",
    "repudiate": "repudiated repudiate repudiating",
    "disavow": "disavowed disavow disavowing",
    "rip": "*ripped",
    "lash out": "lashed out at|lashes out at|lashing out at",
    "encourage": "encouraged encourages encourage encouraging",
    "implore": "implored implore imploring",
    "beg": "begged",
    "plead": "pleaded plead pleading",
    "press": "*pressed ^*press pressing",
    "order": "ordered orders ordering ^order",
    "challenge": "challenged challenging",
    "request": "requested requesting ^request",
    "address": "addressed",
    "champion": "championed champions championing ^champion",
    "approve": "approved approves approving approve",
    "nominate": "nominated nominates nominate",
    "liken": "likened likens likening",
    "invoke": "invoked invokes invoking invoke",
    "convince": "convince convinced convinces convincing persuade persuaded persuades persuading",
}
_ACCORDING = {"according to": "according to|"}
# Hedges that report a view without its holder ("Trump appears to lead", "X is expected to win").
_HEDGE = {
    "seem": "*seems *seemed ^*seem",
    "appear": "*appears *appeared ^*appear",
    "expected": "*is expected|*are expected|*was expected|*were expected|*is widely expected|"
    "*are widely expected|*was widely expected|*is not expected|*are not expected|"
    "*was not expected|*is also expected|*isn't expected|*isn’t expected|*wasn't expected",
    "seen": "is seen as|are seen as|was seen as|were seen as|is widely seen as|is viewed as|"
    "are viewed as|was viewed as|is widely viewed as|is widely regarded as|is regarded as|"
    "was regarded as|are regarded as|is known as|was known as|is best known for|is known for",
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
    "accusation": "accusation accusations allegation allegations",
    "charge": "charge",
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
# Nouns that report a view even without a possessor ("criticism of the plan", "calls for a
# boycott", "concerns about the vote"), with the preposition that introduces their content.
_OPEN_NOUNS = frozenset(
    {"criticism", "concern", "call", "accusation", "demand", "warning", "claim", "denial",
     "support", "opposition", "praise", "endorsement", "suggestion", "hope"}
)
_OPEN_COMPLEMENT = re.compile(r"\s+(?:that|of|for|about|against|over)\b")
_NOUN_COMPLEMENT = re.compile(r"\s+(?:that|to|about|of|for|on|against|with)\b|:")
_CLAUSE_VERB = (
    r"(?:is|was|are|were|will|would|has|had|have|can|could|should|might|may|must|did|does)"
)
_NEEDS_COMPLEMENT = re.compile(
    r"\s+(?:\w+ly\s+)?(?:that|to|:|whether|if|it|he|she|they|we|I|you|there"
    rf"|(?:the\s+)?\w+\s+{_CLAUSE_VERB}"
    rf"|[A-Z][\w.'\u2019-]*\s+[A-Z][\w'\u2019-]*\s+{_CLAUSE_VERB})\b|:"
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


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way to read a cue form: its lemma and frame, and when it counts (see the lexicon)."""

    lemma: str
    frame: CueFrame
    strict: bool
    verbal: bool


def _forms() -> tuple[dict[str, tuple[_Reading, ...]], str]:
    table: dict[str, list[_Reading]] = {}
    for frame, verbs in _LEXICON.items():
        for lemma, forms in verbs.items():
            for form in filter(None, forms.split("|") if "|" in forms else forms.split()):
                verbal = form.startswith("^")
                strict = form.lstrip("^").startswith("*")
                readings = table.setdefault(form.lstrip("^*"), [])
                if all(r.frame != frame for r in readings):
                    readings.append(_Reading(lemma, frame, strict, verbal))
    alternatives = sorted(table, key=len, reverse=True)
    titled = [f for f in alternatives if table[f][0].frame in ("speech", "tell", "according")]
    pattern = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in alternatives)
    pattern += "|" + "|".join(
        re.escape(f[:1].upper() + f[1:]).replace(r"\ ", r"\s+") for f in titled
    )
    return {form: tuple(readings) for form, readings in table.items()}, pattern


_FORMS, CUE_PATTERN = _forms()
_CUE = re.compile(r"(?<![\w'\u2019-])(?:" + CUE_PATTERN + r")(?![\w'\u2019-])")
# What precedes a bare verb form inside a verb group: "to", a modal or "do" (maybe negated, maybe
# with an adverb), or a subject pronoun.
_VERB_GROUP_BEFORE = re.compile(
    r"\b(?:to|will|would|can|could|should|shall|may|might|must|do|does|did|not|never|"
    r"[Ii]|[Ww]e|[Yy]ou|[Tt]hey|who|(?:do|does|did|wo|would|could|should|ca)n['\u2019]t|"
    r"['\u2019](?:ll|d))\s+(?:\w+ly\s+)?$"
)
_DETERMINER_BEFORE = re.compile(
    r"\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Oo]ur|[Mm]y|[Yy]our|[Tt]his|[Tt]hese|[Ss]uch|[Nn]o|"
    r"[Ee]very)\s+$"
)
# "so-called", "all told", "said" as an adjective ("the said"): not attributions.
_NOT_CUE_BEFORE = re.compile(r"(?:\bso-|\b(?:all|the|a|an)\s+)$", re.IGNORECASE)


def cue_at(form: str) -> tuple[str, CueFrame] | None:
    """The ``(lemma, frame)`` of a cue form such as ``"told"``, or None if it is not a cue."""
    readings = _FORMS.get(" ".join(form.lower().split()))
    return (readings[0].lemma, readings[0].frame) if readings else None


def _in_verb_group(text: str, start: int) -> bool:
    """True when a bare verb form at ``start`` follows "to", a modal, "do" or a pronoun subject."""
    return _VERB_GROUP_BEFORE.search(text, max(0, start - 40), start) is not None


def _holds(reading: _Reading, text: str, start: int, end: int) -> bool:
    """True when the form at ``[start, end)`` can be read as ``reading`` in its context."""
    if reading.verbal and not _in_verb_group(text, start):
        return False
    if reading.frame != "noun" and _DETERMINER_BEFORE.search(text, max(0, start - 8), start):
        return False  # "their show of force", "his decline": a noun, not a verb
    if reading.frame == "noun":
        if not _NOUN_COMPLEMENT.match(text, end):
            return False
        return bool(_POSSESSOR.search(text, max(0, start - 40), start)) or (
            reading.lemma in _OPEN_NOUNS and _OPEN_COMPLEMENT.match(text, end) is not None
        )
    return True


def find_cues(text: str) -> list[Cue]:
    """Every cue occurrence in ``text``, in order (see :attr:`Cue.bare`).

    A form with several readings ("call" the verb, "her call for" the noun) takes the first that
    its context allows.
    """
    found = []
    for match in _CUE.finditer(text):
        start, end = match.span()
        if _NOT_CUE_BEFORE.search(text, max(0, start - 6), start):
            continue
        readings = _FORMS[" ".join(match.group().lower().split())]
        reading = next((r for r in readings if _holds(r, text, start, end)), None)
        if reading is None:
            continue
        bare = reading.strict and not _NEEDS_COMPLEMENT.match(text, end)
        found.append(Cue(start, end, match.group(), reading.lemma, reading.frame, bare))
    return found
