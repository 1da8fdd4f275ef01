"""The main text of an article page (``full_text: true`` feeds), and what robots.txt allows.

Extraction is trafilatura's (boilerplate, navigation and comments removed), one paragraph per line
joined by blank lines like every other body. robots.txt is read with the standard library's parser.
"""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

import trafilatura

__all__ = ["RobotsRules", "main_text"]


def main_text(html: str, url: str | None = None) -> str | None:
    """The article's main text, paragraphs separated by blank lines; None when nothing was found."""
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False,
                               favor_precision=True, deduplicate=True)
    if not text:
        return None
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(p for p in paragraphs if p) or None


class RobotsRules:
    """One host's robots.txt: whether our user agent may fetch a URL, and the crawl delay it asks."""

    def __init__(self, text: str | None) -> None:
        self._parser = RobotFileParser()
        self._parser.parse((text or "").splitlines())

    def allowed(self, user_agent: str, url: str) -> bool:
        """True when robots.txt lets ``user_agent`` fetch ``url`` (no robots.txt: everything)."""
        return self._parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        """The ``Crawl-delay`` for ``user_agent``, if robots.txt gives one."""
        delay = self._parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None
