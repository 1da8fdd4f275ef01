"""Paragraphs and sentences of an article text, as character spans (no model needed)."""

from __future__ import annotations

import re

__all__ = ["paragraph_spans", "sentence_spans"]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")

# Abbreviations after which a period does not end a sentence in news text.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt adm gov sen rep rev st jr sr sec amb pres
    no vs etc inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n u.k e.u
    d.c i.e e.g ft mt rt hon dept fig approx est""".split()
)
# A sentence ends at . ! or ? (optionally followed by closing quotes/brackets) before whitespace.
_END = re.compile(r"""[.!?]+["'\u201d\u2019)\]]*(?=\s)""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_LINE_FINAL = frozenset(".!?:;\"'\u201d\u2019)")
_SHORT_LINE = 60
# After "a.m."/"p.m." a sentence ends only before a word that typically opens one ("7 p.m. He said").
_TIME_ABBREVIATIONS = frozenset({"a.m", "p.m"})
_OPENERS = frozenset("""he she it they we i you the a an but and this that there his her their its our
    in on at after before when while however meanwhile""".split())


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty paragraphs of ``text`` (separated by blank lines), whitespace trimmed."""
    spans = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans within ``text[start:end]``, never crossing a paragraph break.

    A rule-based splitter: ends at ``.``, ``!`` or ``?`` followed by whitespace and an upper-case
    letter, digit or opening quote, except after a known abbreviation or a single initial. A single
    line break also ends a sentence when the line before ends in final punctuation or is short (a
    headline, a label), but not when it looks like a hard-wrapped line of running text.
    """
    end = len(text) if end is None else end
    sentences: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text[start:end]):
        p_start += start
        p_end += start
        cursor = p_start
        for match in _END.finditer(text, p_start, p_end):
            if not _ends_sentence(text, match.start(), match.end(), p_end):
                continue
            span = _trim(text, cursor, match.end())
            if span:
                sentences.append(span)
            cursor = match.end()
        tail = _trim(text, cursor, p_end)
        if tail:
            sentences.append(tail)
    return [piece for span in sentences for piece in _split_lines(text, *span)]


def _split_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a sentence span at line breaks that end a line of their own."""
    pieces = []
    cursor = start
    newline = text.find("\n", start, end)
    while newline != -1:
        line = text[cursor:newline].rstrip()
        if line and (line[-1] in _LINE_FINAL or len(line) < _SHORT_LINE):
            piece = _trim(text, cursor, newline)
            if piece:
                pieces.append(piece)
            cursor = newline + 1
        newline = text.find("\n", newline + 1, end)
    tail = _trim(text, cursor, end)
    if tail:
        pieces.append(tail)
    return pieces


def _ends_sentence(text: str, dot: int, after: int, limit: int) -> bool:
    nxt = after
    while nxt < limit and text[nxt].isspace():
        nxt += 1
    if nxt >= limit:
        return True
    following = text[nxt]
    if not (following.isupper() or following.isdigit() or following in "\"'\u201c\u2018("):
        return False
    if text[dot] != ".":
        return True
    word = _WORD_BEFORE.search(text, max(0, dot - 20), dot)
    if not word:
        return True
    token = word.group(1).lower().rstrip(".")
    if token in _TIME_ABBREVIATIONS:
        following_word = re.match(r"[\"'\u201c\u2018(]*([A-Za-z]+)", text[nxt:limit])
        return following_word is not None and following_word.group(1).lower() in _OPENERS
    if token in _ABBREVIATIONS:
        return False
    # A single capital letter before the period is an initial ("George W. Bush").
    return not (len(token) == 1 and text[dot - 1].isupper())


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
