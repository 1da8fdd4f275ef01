"""``wirewatch rules check FILE`` and ``wirewatch rules test FILE ARTICLE...``: alert rules, offline.

``rules test`` runs what the worker runs, in memory and in the order given: extraction, the story
tracker (near-duplicates, event updates), the rules on each enriched record, the stance-shift memory,
the rules on each event update, and the gate's dedupe and throttle. The gate's clock is each
article's event time (published, else ingested), so the output does not depend on when it is run.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

import orjson

__all__ = ["CHECK_DESCRIPTION", "TEST_DESCRIPTION", "cmd_rules_check", "cmd_rules_test"]

CHECK_DESCRIPTION = ("Validate an alert rules file against the configured topics (WIREWATCH_TOPICS_FILE). Exit "
                     "status 0 when valid, 2 with file:line: field: message when not.")
TEST_DESCRIPTION = ("Show, offline, which alerts ARTICLE files would raise under the rules FILE: one JSON line per "
                    "alert {article_uri, rule, finding, alert}, where finding is the matched statement, stance, "
                    "stance shift or event update. Articles run in the order given through extraction and story "
                    "tracking; throttle and dedupe apply as in the worker's gate (clock: each article's event time). "
                    "--suppressed also prints the alerts the gate dropped, with a 'suppressed' reason.")


def cmd_rules_check(args: argparse.Namespace, settings: Any) -> int:
    """Load and validate ``args.file``; print a one-line summary of its rules."""
    rules = _load(args.file, settings)
    kinds = Counter(rule.kind for rule in rules.rules)
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "none"
    print(f"{args.file}: {len(rules.rules)} rule(s) valid ({listed})")
    return 0


def cmd_rules_test(args: argparse.Namespace, settings: Any) -> int:
    """Run the offline pipeline over ``args.articles`` and print the alerts the rules raise."""
    from agents.article_files import read_articles
    from agents.extractor import build_pipeline
    from agents.stories import story_config
    from streams.alerts.gate import decide
    from streams.alerts.shifts import observe_stance
    from streams.stories.features import text_features
    from streams.stories.tracker import StoryTracker, event_time

    rules = _load(args.file, settings)
    pipeline = build_pipeline(settings)
    config = story_config(settings)
    tracker = StoryTracker({}, config)
    gate: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    out = sys.stdout.buffer
    for item in read_articles(args.articles):
        if item.article is None:
            counts["rejected"] += 1
            print(f"wirewatch: rejected {item.rejection()}", file=sys.stderr)
            continue
        record = pipeline.extract(item.article)
        seen = tracker.observe(record, text_features(item.article.headline, item.article.body_text, config))
        tracker.apply(seen)
        record = record.model_copy(update={"duplicate_of": seen.duplicate_of, "story_id": seen.story_id})
        counts["articles"] += 1
        clock = event_time(record)
        candidates = rules.candidates(record, clock)
        for observation in rules.stance_observations(record):
            shift, writes = observe_stance(gate, observation)
            gate.update(writes)
            if shift is not None:
                counts["shifts"] += 1
                candidates.extend(rules.shift_candidates(shift, clock))
        for update in seen.updates:
            candidates.extend(rules.update_candidates(update, clock))
        for candidate in candidates:
            decision = decide(gate, candidate, clock)
            counts[decision.reason] += 1
            gate.update(decision.writes)
            if not decision.admitted and not args.suppressed:
                continue
            line: dict[str, Any] = {"article_uri": record.uri, "rule": candidate.alert.rule,
                                    "finding": candidate.finding,
                                    "alert": candidate.alert.model_dump(mode="json")}
            if not decision.admitted:
                line["suppressed"] = decision.reason
            out.write(orjson.dumps(line) + b"\n")
        out.flush()
    print(f"rules test: {counts['articles']} article(s), {counts['published']} alert(s) raised, "
          f"{counts['duplicate']} duplicate(s) and {counts['throttled']} throttled dropped, "
          f"{counts['shifts']} stance shift(s); rejected {counts['rejected']}", file=sys.stderr)
    return 2 if counts["rejected"] else 0


def _load(path: str, settings: Any) -> Any:
    from pathlib import Path

    from streams.alerts.rules import AlertRules
    from streams.topics.lexicon import TopicLexicon

    return AlertRules.load(Path(path), TopicLexicon.load(settings.topics_file))
