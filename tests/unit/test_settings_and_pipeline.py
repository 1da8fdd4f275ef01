"""Settings from the environment, and the stage registry that builds the pipeline from them."""

from __future__ import annotations

import pytest

from agents.settings import Settings
from schemas.errors import ConfigError
from streams.registry import get_stage, registered


def test_settings_read_wirewatch_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("WIREWATCH_TOPIC_PREFIX", "staging.")
    monkeypatch.setenv("WIREWATCH_STAGES", "wirewatch.ner.v1, wirewatch.actors.v1")
    monkeypatch.setenv("WIREWATCH_KAFKA_SASL_PASSWORD", "hunter2")
    settings = Settings()
    assert settings.kafka_bootstrap == "kafka:9092"
    assert settings.stages == ("wirewatch.ner.v1", "wirewatch.actors.v1")
    assert settings.topic(settings.topic_articles) == "staging.news.articles"
    assert "hunter2" not in repr(settings)


def test_settings_reject_bad_values_naming_the_field() -> None:
    with pytest.raises(ValueError, match="partitions"):
        Settings(partitions=0)


def test_every_builtin_stage_is_registered_with_a_version() -> None:
    for name in registered():
        spec = get_stage(name)
        assert spec.name == name and spec.version


def test_unknown_stage_is_a_config_error_listing_known_ones() -> None:
    with pytest.raises(ConfigError, match="wirewatch.actors.v1"):
        get_stage("wirewatch.nothing.v9")


def test_compose_topics_get_the_limits_topics_create_sets() -> None:
    import re
    from pathlib import Path

    compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    declared = {name: (bytes_, parts) for name, bytes_, parts
                in re.findall(r"((?:news|wirewatch)\.[a-z.]+):(\d+)(?::(\d+))?", compose)}
    settings = Settings()
    for name in settings.topic_names:
        assert int(declared[name][0]) == settings.topic_max_message_bytes(name), name
        assert int(declared[name][1] or 3) == settings.topic_partitions(name), name
