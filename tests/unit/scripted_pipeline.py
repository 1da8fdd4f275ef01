"""A pipeline stand-in for the evaluation tests: each article gets the document a test scripted for it.

It tests the scorers (``streams.evaluation``), not extraction: what the pipeline "found" is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import ActorRef, Article, Stance


@dataclass
class ScriptedActor:
    mentions: list[tuple[int, int]]


@dataclass
class ScriptedDoc:
    stances: list[Stance]
    actors: dict[str, ScriptedActor] = field(default_factory=dict)


class ScriptedPipeline:
    """Answers each article with the document a test scripted for its body text (none: no stances)."""

    def __init__(self, answers: dict[str, ScriptedDoc]) -> None:
        self.answers = answers

    def analyse(self, article: Article) -> ScriptedDoc:
        return self.answers.get(article.body_text, ScriptedDoc([]))


def scripted_stance(holder: str, target: str, polarity: str, score: float) -> Stance:
    """A stance between two actors named by their ids."""
    return Stance(holder=ActorRef(id=holder, name=holder), target=ActorRef(id=target, name=target),
                  polarity=polarity, score=score, evidence=(0, 1))
