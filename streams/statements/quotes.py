"""Quotations in an article: quote-mark pairs, and quotes that run on across paragraphs.

Curly marks pair by direction (and may nest); a straight ``"`` (or ``''``, two apostrophes) opens
when no quote is open and closes otherwise. News style leaves a quote open at the end of a
paragraph when the same speaker goes on in the next one, which re-opens with a quote mark: such
parts form one :class:`Quotation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["QuotePart", "Quotation", "find_quotations"]

# Some outlets (the NYT archive) write a straight double quote as two apostrophes.
_MARK = re.compile("''|[\"\u201c\u201d]")
_OPENING = ('"', "''", "\u201c")
_LINE = re.compile(r"\S[^\n]*")


@dataclass(frozen=True, slots=True)
class QuotePart:
    """One quote within a paragraph: ``[start, end)`` including its marks; ``closed`` is False
    when the paragraph ended with the quote still open."""

    start: int
    end: int
    closed: bool


@dataclass(frozen=True, slots=True)
class Quotation:
    """One or more quote parts read as a single quotation (a quote continued across paragraphs)."""

    parts: tuple[QuotePart, ...]

    @property
    def start(self) -> int:
        """Offset of the first opening mark."""
        return self.parts[0].start

    @property
    def end(self) -> int:
        """Offset just after the last part."""
        return self.parts[-1].end


def _closes(text: str, position: int, end: int) -> bool:
    """True for an opening-shaped mark typed where a quote closes (``here,“ said``)."""
    before = text[position - 1] if position > 0 else " "
    after = text[position + 1] if position + 1 < end else " "
    return not before.isspace() and (after.isspace() or after in ".,;:!?)")


def _opens(text: str, position: int, end: int) -> bool:
    """True for a closing-shaped mark typed where a quote opens (`` ”Mr. Trump's``)."""
    before = text[position - 1] if position > 0 else " "
    after = text[position + 1] if position + 1 < end else " "
    return before.isspace() and after.isalnum()


def _paragraph_quotes(text: str, start: int, end: int) -> list[QuotePart]:
    parts: list[QuotePart] = []
    opened: int | None = None
    depth = 0
    for match in _MARK.finditer(text, start, end):
        mark, position = match.group(), match.start()
        if opened is None:
            if mark in _OPENING or _opens(text, position, end):
                opened, depth = position, 1
        elif mark == "\u201c" and not _closes(text, position, end):
            # a curly quote nested inside another ("He said “it is “fake” news”")
            depth += 1
        elif mark == "\u201d" and depth > 1:
            depth -= 1
        else:
            parts.append(QuotePart(opened, match.end(), True))
            opened, depth = None, 0
    if opened is not None:
        parts.append(QuotePart(opened, end, False))
    return parts


def find_quotations(text: str, paragraphs: list[tuple[int, int]]) -> list[Quotation]:
    """The quotations of ``text``, in order, given its paragraph spans.

    Quotes pair within a line: some sources break paragraphs with a single newline, and a quote
    never runs across a line break except by the continuation convention.
    """
    quotations: list[list[QuotePart]] = []
    continuing = False
    for p_start, p_end in paragraphs:
        for line in _LINE.finditer(text, p_start, p_end):
            parts = _paragraph_quotes(text, line.start(), line.end())
            for index, part in enumerate(parts):
                if index == 0 and continuing and part.start == line.start():
                    quotations[-1].append(part)
                else:
                    quotations.append([part])
            continuing = bool(parts) and not parts[-1].closed
    return [Quotation(tuple(parts)) for parts in quotations]
