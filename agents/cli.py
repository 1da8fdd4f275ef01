"""The ``wirewatch`` command: run the worker, publish and tail topics, extract and evaluate offline.

Exit status: 0 success, 2 bad usage or input, 1 runtime failure (e.g. the broker is unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from schemas.errors import ConfigError, WirewatchError

__all__ = ["main"]

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wirewatch`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        from agents.settings import Settings

        settings = Settings()
        return int(args.handler(args, settings) or EXIT_OK)
    except ConfigError as exc:
        print(f"wirewatch: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:  # a WIREWATCH_* setting (inputs are hidden: they may be secrets)
        print(f"wirewatch: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as exc:
        print(f"wirewatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except (WirewatchError, OSError) as exc:
        print(f"wirewatch: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except Exception as exc:
        if type(exc).__module__.startswith("aiokafka"):
            hint = (" (is the broker running? scripts/kafka start; WIREWATCH_KAFKA_BOOTSTRAP)"
                    if "Connection" in type(exc).__name__ and "Authentication" not in type(exc).__name__ else "")
            print(f"wirewatch: Kafka error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
            return EXIT_RUNTIME
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wirewatch",
        description="Event-driven extraction of actors, statements and stances from news on Apache Kafka. "
                    "Configuration comes from WIREWATCH_* environment variables (see README).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    worker = commands.add_parser("worker", help="run the Faust worker with all agents")
    worker.set_defaults(handler=_cmd_worker)

    publish = commands.add_parser(
        "publish", help="publish article files to the input topic, keyed by uri",
        description="Publish articles: files holding a JSON object, a JSON array or JSON lines (native or "
                    "IPTC ninjs), .txt bodies, directories of those, or - for stdin. Each is validated "
                    "first; rejected items are listed with the reason and not sent (exit status 2).")
    publish.add_argument("paths", nargs="+", metavar="PATH")
    publish.add_argument("--topic", help="topic to publish to (default: the articles topic)")
    publish.add_argument("--raw", action="store_true",
                         help="send each file's bytes untouched, without validation (for testing bad input)")
    publish.add_argument("--key", help="record key with --raw (default: none)")
    publish.set_defaults(handler=_cmd_publish)

    tail = commands.add_parser("tail", help="print records of a topic as JSON lines",
                               description="TOPIC is a topic name or one of: articles, enriched, updates, "
                                           "alerts, deadletter. Dead letters are printed with their headers.")
    tail.add_argument("topic", metavar="TOPIC")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest record (default: new only)")
    tail.add_argument("--max", type=int, metavar="N", help="stop after N records")
    tail.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds without a new record")
    tail.add_argument("--envelope", action="store_true",
                      help="print {topic, partition, offset, timestamp, key, headers, value} per record")
    tail.set_defaults(handler=_cmd_tail)

    extract = commands.add_parser("extract", help="run the extraction offline (no Kafka), one JSON line per article")
    extract.add_argument("paths", nargs="+", metavar="PATH")
    extract.add_argument("--quiet", action="store_true", help="print nothing but the summary (for benchmarks)")
    extract.set_defaults(handler=_cmd_extract)

    track = commands.add_parser(
        "track", help="offline: extraction, near-duplicates and story tracking over articles, in the order given",
        description="Runs the same code as the worker's enrich and stories agents, in memory, no Kafka. Prints one "
                    "JSON line per article: {uri, story_id, stories, duplicate_of, updates}. Input files as for "
                    "extract (JSON, JSON lines, native or ninjs).")
    track.add_argument("paths", nargs="+", metavar="PATH")
    track.add_argument("--stories", action="store_true", help="also print the tracked stories at the end")
    track.set_defaults(handler=_cmd_track)

    stories = commands.add_parser(
        "stories", help="the tracked stories and their latest status, read from the stories table's changelog",
        description="Reads the worker's stories table changelog (WIREWATCH_APP_ID-stories-changelog) to its end and "
                    "prints one JSON line per story, most recently seen first.")
    stories.add_argument("--limit", type=int, metavar="N", help="at most N stories")
    stories.add_argument("--since", metavar="T", help="only stories seen at or after T (ISO 8601, e.g. 2026-12-01T00:00Z)")
    stories.set_defaults(handler=_cmd_stories)

    from agents import rules_cli

    rules = commands.add_parser("rules", help="alert rules: validate a rules file, try it on articles offline")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    rules_check = rules_sub.add_parser("check", help="validate a rules file", description=rules_cli.CHECK_DESCRIPTION)
    rules_check.add_argument("file", metavar="FILE")
    rules_check.set_defaults(handler=rules_cli.cmd_rules_check)
    rules_test = rules_sub.add_parser("test", help="which alerts articles would raise, and why",
                                      description=rules_cli.TEST_DESCRIPTION)
    rules_test.add_argument("file", metavar="FILE")
    rules_test.add_argument("articles", nargs="+", metavar="ARTICLE")
    rules_test.add_argument("--suppressed", action="store_true", help="also print alerts the gate dropped")
    rules_test.set_defaults(handler=rules_cli.cmd_rules_test)

    from agents import ingest_cli

    ingest = commands.add_parser("ingest", help="poll RSS/Atom/ninjs feeds into the articles topic (a service), "
                                 "or ingest one feed or file --once", description=ingest_cli.DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ingest_cli.add_arguments(ingest)
    ingest.set_defaults(handler=ingest_cli.cmd_ingest)

    from agents import web as web_cli

    view = commands.add_parser("web", help="the analyst's view: a web page of the tracked stories and latest "
                               "alerts, read from the topics", description=web_cli.DESCRIPTION,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    web_cli.add_arguments(view)
    view.set_defaults(handler=web_cli.cmd_web)

    topics = commands.add_parser("topics", help="manage wirewatch's topics")
    topics_sub = topics.add_subparsers(dest="topics_command", metavar="ACTION", required=True)
    create = topics_sub.add_parser("create", help="create every topic with the configured partitions")
    create.set_defaults(handler=_cmd_topics_create)

    evaluate = commands.add_parser("eval", help="measure the extraction on an annotated dataset",
                                   description="Prints one JSON object of metrics; definitions in README.")
    evaluate.add_argument("dataset", choices=["polnear", "directed-sentiment", "newsmtsc", "conll", "plover", "wikievents", "ecbplus", "duplicates"])
    evaluate.add_argument("path", type=Path, metavar="PATH")
    evaluate.set_defaults(handler=_cmd_eval)

    demo = commands.add_parser("demo", help="publish sample articles and print their enriched records and alerts")
    demo.add_argument("paths", nargs="+", metavar="PATH")
    demo.add_argument("--once", action="store_true", help="exit once every sample has been processed")
    demo.add_argument("--timeout", type=float, default=300.0, help="give up after S seconds (with --once)")
    demo.add_argument("--ingested-since", type=float, metavar="UNIX_TIME",
                      help="publish nothing: the ingest service publishes the samples (from their feed); watch "
                           "what the worker makes of them from this time on")
    demo.set_defaults(handler=_cmd_demo)

    from agents.webhooks_cli import VERIFY_DESCRIPTION, cmd_webhooks_verify

    webhooks = commands.add_parser("webhooks", help="alert webhooks: tools for receivers")
    webhooks_sub = webhooks.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    verify = webhooks_sub.add_parser("verify", help="check the signature of a captured request read on stdin",
                                     description=VERIFY_DESCRIPTION)
    verify.add_argument("--secret", required=True, metavar="S", help="the subscription's secret (whsec_... or raw)")
    verify.add_argument("--ignore-timestamp", action="store_true",
                        help="accept a correct signature whose webhook-timestamp is over 5 minutes off")
    verify.set_defaults(handler=cmd_webhooks_verify)
    return parser


# -- worker ------------------------------------------------------------------------------------------
def _cmd_worker(args: argparse.Namespace, settings: Any) -> int:
    from agents.app import create_app
    from agents.worker import Worker

    Worker(create_app(settings)).execute_from_commandline()
    return EXIT_OK


# -- publish -----------------------------------------------------------------------------------------
def _cmd_publish(args: argparse.Namespace, settings: Any) -> int:
    from agents.article_files import read_articles
    from agents.producer import produce

    items = list(read_articles(args.paths)) if not args.raw else []
    rejected = [i for i in items if i.error is not None]
    for item in rejected:
        print(f"wirewatch: rejected {item.rejection()}", file=sys.stderr)
    if args.raw:
        records = [(args.key.encode() if args.key else None, _read_raw(p)) for p in args.paths]
    else:
        from schemas.codec import encode

        records = [(i.article.uri.encode(), encode(i.article.model_dump(mode="json", exclude_none=True)))
                   for i in items if i.article is not None]
    topic = _resolve_topic(settings, args.topic or "articles")
    asyncio.run(produce(settings, topic, records))
    print(f"published {len(records)} record(s) to {topic}; rejected {len(rejected)}", file=sys.stderr)
    return EXIT_USAGE if rejected else EXIT_OK


def _read_raw(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def _resolve_topic(settings: Any, name: str) -> str:
    aliases = {"articles": settings.topic_articles, "enriched": settings.topic_enriched,
               "alerts": settings.topic_alerts, "deadletter": settings.topic_deadletter,
               "updates": settings.topic_event_updates}
    return str(settings.topic(aliases[name])) if name in aliases else name


# -- tail --------------------------------------------------------------------------------------------
def _cmd_tail(args: argparse.Namespace, settings: Any) -> int:
    topic = _resolve_topic(settings, args.topic)
    envelope = args.envelope or topic == settings.topic(settings.topic_deadletter)
    return asyncio.run(_tail(settings, topic, args.from_beginning, args.max, args.timeout, envelope))


async def _tail(settings: Any, topic: str, from_beginning: bool, limit: int | None, idle: float | None,
                envelope: bool) -> int:
    from agents.reader import TopicReader

    async with TopicReader(settings.kafka_client_options(), [topic], from_beginning=from_beginning) as reader:
        if not reader.partitions:
            print(f"wirewatch: topic {topic!r} does not exist", file=sys.stderr)
            return EXIT_USAGE
        count = 0
        async for record in reader.records(idle_timeout=idle):
            sys.stdout.write(_render(record, envelope) + "\n")
            sys.stdout.flush()
            count += 1
            if limit is not None and count >= limit:
                break
    return EXIT_OK


def _render(record: Any, envelope: bool) -> str:
    try:
        value: Any = orjson.loads(record.value) if record.value is not None else None
    except orjson.JSONDecodeError:
        value = record.value.decode("utf-8", "replace")
        envelope = True
    if not envelope:
        return orjson.dumps(value).decode()
    return orjson.dumps({
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
        "timestamp": record.timestamp, "key": record.key.decode("utf-8", "replace") if record.key else None,
        "headers": {k: v.decode("utf-8", "replace") for k, v in (record.headers or [])},
        "value": value,
    }).decode()


# -- extract -----------------------------------------------------------------------------------------
def _cmd_extract(args: argparse.Namespace, settings: Any) -> int:
    from agents.article_files import read_articles
    from agents.extractor import build_pipeline
    from schemas.codec import encode

    pipeline = build_pipeline(settings)
    done = rejected = words = 0
    started = time.perf_counter()
    out = sys.stdout.buffer
    for item in read_articles(args.paths):
        if item.article is None:
            rejected += 1
            print(f"wirewatch: rejected {item.rejection()}", file=sys.stderr)
            continue
        record = pipeline.extract(item.article)
        words += len(item.article.text.split())
        done += 1
        if not args.quiet:
            out.write(encode(record) + b"\n")
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0.0
    print(f"extracted {done} article(s), {words} words in {elapsed:.2f}s ({rate:.1f} articles/s, "
          f"{words / elapsed if elapsed else 0:.0f} words/s); rejected {rejected}", file=sys.stderr)
    return EXIT_USAGE if rejected else EXIT_OK


# -- track, stories ----------------------------------------------------------------------------------
def _cmd_track(args: argparse.Namespace, settings: Any) -> int:
    from agents.article_files import read_articles
    from agents.extractor import build_pipeline
    from agents.stories import story_config
    from streams.stories.features import text_features
    from streams.stories.tracker import StoryTracker

    pipeline = build_pipeline(settings)
    config = story_config(settings)
    tracker = StoryTracker({}, config)
    done = rejected = 0
    out = sys.stdout.buffer
    for item in read_articles(args.paths):
        if item.article is None:
            rejected += 1
            print(f"wirewatch: rejected {item.rejection()}", file=sys.stderr)
            continue
        record = pipeline.extract(item.article)
        seen = tracker.observe(record, text_features(item.article.headline, item.article.body_text, config))
        tracker.apply(seen)
        done += 1
        out.write(orjson.dumps({"uri": seen.uri, "story_id": seen.story_id, "stories": seen.stories,
                                "duplicate_of": seen.duplicate_of,
                                "updates": [u.model_dump(mode="json") for u in seen.updates]}) + b"\n")
        out.flush()
    if args.stories:
        for story in tracker.stories():
            out.write(orjson.dumps({"story": story.model_dump(mode="json")}) + b"\n")
    print(f"tracked {done} article(s) into {len(tracker.stories())} story(ies); rejected {rejected}", file=sys.stderr)
    return EXIT_USAGE if rejected else EXIT_OK


def _cmd_stories(args: argparse.Namespace, settings: Any) -> int:
    from datetime import UTC, datetime

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigError(f"--since {args.since!r}: not an ISO 8601 time ({exc})") from exc
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return asyncio.run(_stories(settings, since, args.limit))


async def _stories(settings: Any, since: Any, limit: int | None) -> int:
    from agents.reader import TopicReader
    from agents.stories import story_config
    from streams.stories.tracker import StoryTracker

    topic = settings.story_changelog_topic
    async with TopicReader(settings.kafka_client_options(), [topic], from_beginning=True) as reader:
        if not reader.partitions:
            print(f"wirewatch: no stories yet (topic {topic!r} does not exist: has the worker run?)", file=sys.stderr)
            return EXIT_USAGE
        state: dict[str, Any] = {}
        for record in await reader.read_to_end():
            key = record.key.decode() if record.key else ""
            if record.value is None:
                state.pop(key, None)
            else:
                state[key] = orjson.loads(record.value)
    for story in StoryTracker(state, story_config(settings)).stories(since=since, limit=limit):
        sys.stdout.write(orjson.dumps(story.model_dump(mode="json")).decode() + "\n")
    return EXIT_OK


# -- topics ------------------------------------------------------------------------------------------
def _cmd_topics_create(args: argparse.Namespace, settings: Any) -> int:
    return asyncio.run(_create_topics(settings))


async def _create_topics(settings: Any) -> int:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    limits = {settings.topic(name): settings.topic_max_message_bytes(name) for name in settings.topic_names}
    partitions = {settings.topic(name): settings.topic_partitions(name) for name in settings.topic_names}
    compacted = {settings.topic(name) for name in settings.topic_names if settings.topic_compacted(name)}
    admin = AIOKafkaAdminClient(**settings.kafka_client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in limits if t not in existing]
        if wanted:
            await admin.create_topics([
                NewTopic(name, partitions[name], settings.replication_factor,
                         topic_configs={"max.message.bytes": str(limits[name]),
                                        **({"cleanup.policy": "compact"} if name in compacted else {})})
                for name in wanted])
            for name in wanted:
                print(f"created  {name} (partitions={partitions[name]}, replication={settings.replication_factor}, "
                      f"max.message.bytes={limits[name]})", file=sys.stderr)
        for name in sorted(set(limits) & existing):
            overrides = await _topic_overrides(admin, name)
            if overrides.get("max.message.bytes") != str(limits[name]):
                # aiokafka's admin has no incremental alter, and a plain alter replaces every dynamic
                # override of the topic: send the ones it has (retention...) along with the new limit
                configs = {**overrides, "max.message.bytes": str(limits[name])}
                await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=configs)])
                print(f"updated  {name} (max.message.bytes={limits[name]})", file=sys.stderr)
            else:
                print(f"exists   {name} (max.message.bytes={limits[name]})", file=sys.stderr)
    finally:
        await admin.close()
    return EXIT_OK


async def _topic_overrides(admin: Any, topic: str) -> dict[str, str]:
    """The topic's own (dynamic) config values, without the broker's defaults."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    dynamic_topic_config = 1
    [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    overrides: dict[str, str] = {}
    for resource in response.resources:
        for entry in resource[4]:
            name, value, source = entry[0], entry[1], entry[3]
            if source == dynamic_topic_config and value is not None:
                overrides[name] = value
    return overrides


# -- eval --------------------------------------------------------------------------------------------
def _cmd_eval(args: argparse.Namespace, settings: Any) -> int:
    from agents.extractor import build_pipeline
    from streams.evaluation import evaluate

    pipeline = build_pipeline(settings)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 2.0 or done == total:
            last[0] = now
            print(f"eval {args.dataset}: {done}/{total}", file=sys.stderr)

    result = evaluate(args.dataset, pipeline, args.path, progress)
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    return EXIT_OK


# -- demo --------------------------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace, settings: Any) -> int:
    from agents.demo import run_demo

    return run_demo(settings, args.paths, once=args.once, timeout=args.timeout, ingested_since=args.ingested_since)
