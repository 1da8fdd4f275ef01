"""Statements measured on PolNeAR (political news attribution relations, brat standoff).

Definition (``wirewatch eval polnear PATH``; PATH is a split folder such as ``polnear/dev``):

* **Data.** Every ``text/<article>.txt`` with at least one
  ``attributions/<article>_<annotator>.ann`` file; only the FIRST annotator file (sorted by file
  name) is used. Each text is run as ``Article(uri="polnear:<article>", headline="",
  body_text=<file text>)``, and predicted offsets are shifted back by ``article.body_offset`` into
  file offsets.
* **Gold.** One gold attribution per ``E`` relation that has at least one ``Content*`` argument
  (``Content``, ``Content2``, ...). Its content is the union of the fragments of all those
  text-bound annotations (a discontinuous ``start end;start end`` span gives several fragments).
  Its source is the ``Source`` argument (may be absent), its cue the ``Cue`` argument. A span text
  that contains a newline continues on the next line of the .ann file; such lines are joined back.
* **Matching.** A prediction and a gold attribution overlap when the prediction's ``span`` shares at
  least one character with any content fragment; the overlap size is the number of shared characters
  summed over fragments. Pairs are matched one-to-one greedily by overlap size, largest first (ties:
  earlier gold, then earlier prediction). precision = matched predictions / predictions,
  recall = matched gold / gold, F1 their harmonic mean (all pooled over the split).
* **Direct / mixed / indirect gold.** Quote regions are computed per line of the file text: a
  curly ``\u201c`` opens and ``\u201d`` closes (curly quotes nest: a ``\u201c`` inside an open
  quote needs its own ``\u201d`` before the outer quote can close); a straight ``"`` (or ``''``,
  two apostrophes, as some outlets write it) opens when no quote is open and closes otherwise; a
  quote still open at the end of a line runs to the end of that line. Counting only the letters and
  digits of the content fragments: all of them inside quote regions -> ``direct``; none inside ->
  ``indirect``; some inside and some outside -> ``mixed``. (Single quotes are ignored: in news text
  they are apostrophes or nested quotes.) ``recall_<kind>`` is matched gold of that kind / gold of
  that kind.
* **Speaker accuracy.** Over matched gold attributions whose Source is a *name*: the Source span
  overlaps a PERSON, ORG or GPE entity of the pipeline's own NER (``doc.entities``) on that article.
  The prediction is correct when the predicted speaker's canonical name, or the text at its
  ``speaker_span``, shares a word with the gold Source text, comparing lower-cased words of letters
  and digits with a possessive ``'s`` removed, ignoring stopwords, pronouns and titles ("Mr.",
  "Sen.", "President"; accents folded: "Erdogan" is "Erdoğan"), or when the gold holds the initials of the speaker's name as one word
  ("the IMF" for "International Monetary Fund"). ``speaker_named_found`` is the number of such
  matched gold attributions.
* **Speaker actor accuracy.** The same gold attributions, judged by the statement's speaker *actor*
  alone (its canonical name; the span text does not count): what a subscriber or an alert sees.
  ``speaker_actor_missing`` counts those whose statement has no speaker actor at all.
"""

from __future__ import annotations

import bisect
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from schemas import Article, Statement
from schemas.errors import ConfigError

__all__ = [
    "GoldAttribution",
    "Match",
    "content_kind",
    "evaluate",
    "is_named_source",
    "match_statements",
    "parse_ann",
    "quote_regions",
    "speaker_agrees",
    "split_articles",
]

Span = tuple[int, int]
ContentKind = Literal["direct", "mixed", "indirect"]

_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE"})
_QUOTE_MARK = re.compile("''|[\"\u201c\u201d]")
_LINE_START = re.compile(r"^(?:[TERAMN]\d+|#\d*|\*)\t")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Words that never identify who spoke: function words, pronouns and titles.
_NOT_NAME_WORDS = frozenset(
    """a an the of and or for to in on at by with from his her their its our my your
    he she they it we i you him them us me who which that this these those
    mr mrs ms miss dr prof sir sen senator rep representative gov governor president vice
    former candidate secretary minister gen general lt col rev st jr sr chairman chair spokesman
    spokeswoman leader speaker mayor judge justice attorney nominee presidential republican
    democratic democrat""".split()
)


@dataclass(frozen=True, slots=True)
class GoldAttribution:
    """One annotated attribution relation: content fragments, and source and cue when given."""

    content: tuple[Span, ...]
    source: tuple[Span, ...] = ()
    source_text: str = ""
    cue: tuple[Span, ...] = ()
    cue_text: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """A prediction index paired with a gold index, and their character overlap."""

    predicted: int
    gold: int
    overlap: int


def _logical_lines(text: str) -> list[str]:
    """The .ann lines, with a span text that continued onto following lines joined back."""
    lines: list[str] = []
    for line in text.split("\n"):
        if lines and not _LINE_START.match(line):
            lines[-1] += "\n" + line
        elif line.strip():
            lines.append(line)
    return [line.rstrip("\n") for line in lines]


def _spans(field_text: str) -> tuple[Span, ...]:
    fragments = []
    for part in field_text.split(";"):
        start, end = part.split()
        fragments.append((int(start), int(end)))
    return tuple(fragments)


def parse_ann(text: str) -> list[GoldAttribution]:
    """Parse a brat ``.ann`` file into gold attributions (relations without content are skipped).

    Args:
        text: the .ann file contents.

    Returns:
        One :class:`GoldAttribution` per ``E`` line with at least one ``Content*`` argument.
    """
    bound: dict[str, tuple[tuple[Span, ...], str]] = {}
    events: list[dict[str, list[str]]] = []
    for line in _logical_lines(text):
        ident, _, rest = line.partition("\t")
        if ident.startswith("T"):
            label_spans, _, surface = rest.partition("\t")
            _, _, spans = label_spans.partition(" ")
            bound[ident] = (_spans(spans), surface)
        elif ident.startswith("E"):
            roles: dict[str, list[str]] = {}
            for argument in rest.split():
                role, _, target = argument.partition(":")
                roles.setdefault(re.sub(r"\d+$", "", role), []).append(target)
            events.append(roles)
    return [gold for roles in events if (gold := _gold(roles, bound)) is not None]


def _gold(
    roles: dict[str, list[str]], bound: dict[str, tuple[tuple[Span, ...], str]]
) -> GoldAttribution | None:
    content = tuple(
        sorted(f for ident in roles.get("Content", []) if ident in bound for f in bound[ident][0])
    )
    if not content:
        return None
    source = next((bound[i] for i in roles.get("Source", []) if i in bound), ((), ""))
    cue = next((bound[i] for i in roles.get("Cue", []) if i in bound), ((), ""))
    return GoldAttribution(content, source[0], source[1], cue[0], cue[1])


def split_articles(path: Path) -> Iterator[tuple[str, str, Path]]:
    """``(article name, file text, first annotator .ann path)`` per annotated article of a split."""
    text_dir, ann_dir = path / "text", path / "attributions"
    if not text_dir.is_dir() or not ann_dir.is_dir():
        raise ConfigError(f"{path}: not a PolNeAR split folder (needs text/ and attributions/)")
    for text_file in sorted(text_dir.glob("*.txt")):
        anns = sorted(ann_dir.glob(f"{text_file.stem}_*.ann"))
        if anns:
            yield text_file.stem, text_file.read_text(encoding="utf-8"), anns[0]


def quote_regions(text: str) -> list[Span]:
    """Double-quoted regions (marks included) per line; an unclosed quote runs to the line end."""
    regions: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        opened: int | None = None
        depth = 0
        for mark in _QUOTE_MARK.finditer(text, line.start(), line.end()):
            kind = mark.group()
            if opened is None:
                if kind != "\u201d":
                    opened, depth = mark.start(), 1
            elif kind == "\u201c":
                depth += 1
            elif kind == "\u201d" and depth > 1:
                depth -= 1
            else:
                regions.append((opened, mark.end()))
                opened, depth = None, 0
        if opened is not None:
            regions.append((opened, line.end()))
    return regions


def content_kind(text: str, fragments: Iterable[Span], regions: list[Span]) -> ContentKind:
    """Classify gold content as direct, mixed or indirect by where its letters and digits lie."""
    starts = [start for start, _ in regions]
    inside = outside = 0
    for start, end in fragments:
        for position in range(start, end):
            if not text[position].isalnum():
                continue
            index = bisect.bisect_right(starts, position) - 1
            if index >= 0 and position < regions[index][1]:
                inside += 1
            else:
                outside += 1
    if inside and not outside:
        return "direct"
    return "mixed" if inside else "indirect"


def is_named_source(source: Iterable[Span], entity_spans: Iterable[tuple[int, int, str]]) -> bool:
    """True when a gold source overlaps a PERSON, ORG or GPE entity ``(start, end, label)``."""
    fragments = list(source)
    return any(
        label in _NAME_LABELS and any(s < end and start < e for s, e in fragments)
        for start, end, label in entity_spans
    )


def _name_words(text: str) -> set[str]:
    words = set()
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    for word in _WORD.findall(folded):
        word = re.sub(r"['\u2019]s$", "", word)
        if word not in _NOT_NAME_WORDS:
            words.add(word)
    return words


def speaker_agrees(gold_source: str, speaker_name: str | None, speaker_text: str | None) -> bool:
    """True when the predicted speaker's name or source text shares a name word with the gold, or
    the gold holds the initials of the name as an acronym ("the IMF", "International Monetary Fund")."""
    gold_words = _name_words(gold_source)
    predicted = _name_words(speaker_name or "") | _name_words(speaker_text or "")
    acronym = _acronym(speaker_name or "")
    return bool(gold_words & predicted) or acronym in gold_words or acronym in _name_words(gold_source.replace(".", ""))


def _acronym(name: str) -> str:
    initials = "".join(word[0] for word in _WORD.findall(name.lower()) if word not in ("of", "the", "and", "for"))
    return initials if len(initials) >= 2 else "\x00"


def _overlap(span: Span, fragments: tuple[Span, ...]) -> int:
    return sum(max(0, min(span[1], e) - max(span[0], s)) for s, e in fragments)


def match_statements(predicted: list[Span], gold: list[GoldAttribution]) -> list[Match]:
    """Pair predicted content spans with gold attributions one-to-one, largest overlap first."""
    pairs = []
    for p_index, span in enumerate(predicted):
        for g_index, item in enumerate(gold):
            size = _overlap(span, item.content)
            if size > 0:
                pairs.append(Match(p_index, g_index, size))
    pairs.sort(key=lambda m: (-m.overlap, m.gold, m.predicted))
    used_p: set[int] = set()
    used_g: set[int] = set()
    matches = []
    for pair in pairs:
        if pair.predicted in used_p or pair.gold in used_g:
            continue
        used_p.add(pair.predicted)
        used_g.add(pair.gold)
        matches.append(pair)
    return matches


@dataclass
class _Tally:
    articles: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    gold_by_kind: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("direct", "mixed", "indirect"), 0)
    )
    found_by_kind: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("direct", "mixed", "indirect"), 0)
    )
    named_found: int = 0
    speaker_correct: int = 0
    speaker_actor_correct: int = 0
    speaker_actor_missing: int = 0

    def add(
        self,
        text: str,
        doc_text: str,
        shift: int,
        statements: list[Statement],
        gold: list[GoldAttribution],
        entities: list[tuple[int, int, str]],
    ) -> None:
        spans = [(s.span[0] - shift, s.span[1] - shift) for s in statements]
        matches = match_statements(spans, gold)
        regions = quote_regions(text)
        self.articles += 1
        self.gold += len(gold)
        self.predicted += len(statements)
        self.matched += len(matches)
        for item in gold:
            self.gold_by_kind[content_kind(text, item.content, regions)] += 1
        for match in matches:
            item = gold[match.gold]
            self.found_by_kind[content_kind(text, item.content, regions)] += 1
            if item.source and is_named_source(item.source, entities):
                self.named_found += 1
                statement = statements[match.predicted]
                span = statement.speaker_span
                speaker_text = doc_text[span[0] : span[1]] if span else None
                name = statement.speaker.name if statement.speaker else None
                self.speaker_correct += speaker_agrees(item.source_text, name, speaker_text)
                self.speaker_actor_correct += speaker_agrees(item.source_text, name, None)
                self.speaker_actor_missing += name is None

    def result(self, path: Path, seconds: float) -> dict[str, Any]:
        precision = _ratio(self.matched, self.predicted)
        recall = _ratio(self.matched, self.gold)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out: dict[str, Any] = {
            "dataset": "polnear",
            "path": str(path),
            "articles": self.articles,
            "gold": self.gold,
            "predicted": self.predicted,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
        for kind in ("direct", "mixed", "indirect"):
            out[f"recall_{kind}"] = _ratio(self.found_by_kind[kind], self.gold_by_kind[kind])
        for kind in ("direct", "mixed", "indirect"):
            out[f"gold_{kind}"] = self.gold_by_kind[kind]
        out["speaker_accuracy"] = _ratio(self.speaker_correct, self.named_found)
        out["speaker_actor_accuracy"] = _ratio(self.speaker_actor_correct, self.named_found)
        out["speaker_actor_missing"] = self.speaker_actor_missing
        out["speaker_named_found"] = self.named_found
        out["seconds"] = seconds
        out["articles_per_s"] = _ratio(self.articles, seconds)
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def evaluate(pipeline: Any, path: Path, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Run ``pipeline`` over a PolNeAR split and score its statements (see the module docstring).

    Args:
        pipeline: a :class:`streams.pipeline.Pipeline` (anything with ``analyse(article)``).
        path: the split folder holding ``text/`` and ``attributions/``.
        progress: called as ``progress(done, total)`` after each article.

    Returns:
        The JSON-ready metrics dict.
    """
    articles = list(split_articles(path))
    tally = _Tally()
    elapsed = 0.0
    for done, (name, text, ann_path) in enumerate(articles, start=1):
        gold = parse_ann(ann_path.read_text(encoding="utf-8"))
        article = Article(uri=f"polnear:{name}", headline="", body_text=text)
        started = time.perf_counter()
        doc = pipeline.analyse(article)
        elapsed += time.perf_counter() - started
        shift = article.body_offset
        entities = [(e.start - shift, e.end - shift, e.label) for e in doc.entities]
        tally.add(text, doc.text, shift, list(doc.statements), gold, entities)
        progress(done, len(articles))
    return tally.result(path, elapsed)
