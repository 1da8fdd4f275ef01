"""Kafka security settings: protocol, SASL and TLS validation, the TLS context, and secrets kept out of sight."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import faust
import pytest
from pydantic import ValidationError

from agents.app import _credentials
from agents.settings import Settings
from schemas.errors import ConfigError
from streams.alerts.subscriptions import Subscriptions

PASSWORD = "s3cret-scram-password"  # noqa: S105 - a test value
KEY_PASSWORD = "s3cret-key-password"  # noqa: S105 - a test value


def scram(**fields: Any) -> Settings:
    """SASL_SSL with SCRAM-SHA-512, plus ``fields``."""
    return Settings(**{"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
                       "kafka_sasl_username": "wirewatch", "kafka_sasl_password": PASSWORD, **fields})


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed CA and a client certificate with an encrypted key (openssl), as PEM files."""
    tmp = tmp_path_factory.mktemp("tls")
    files = {"ca": tmp / "ca.pem", "ca_key": tmp / "ca.key", "cert": tmp / "client.pem", "key": tmp / "client.key"}
    try:
        subprocess.run(["openssl", "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-days", "2",  # noqa: S607
                        "-subj", "/CN=test CA", "-keyout", str(files["ca_key"]), "-out", str(files["ca"])],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "req", "-x509", "-new", "-newkey", "rsa:2048", "-days", "2",  # noqa: S607
                        "-subj", "/CN=client", "-passout", f"pass:{KEY_PASSWORD}",
                        "-keyout", str(files["key"]), "-out", str(files["cert"])],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl could not make test certificates: {exc}")
    return files


def test_plaintext_is_the_default_and_needs_no_tls_context() -> None:
    settings = Settings()
    assert settings.kafka_client_options() == {"bootstrap_servers": "127.0.0.1:9092",
                                               "security_protocol": "PLAINTEXT"}
    assert settings.kafka_ssl_context() is None
    assert _credentials(settings) is None


def test_protocol_and_mechanism_are_read_case_insensitively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("WIREWATCH_KAFKA_SASL_MECHANISM", "scram-sha-512")
    monkeypatch.setenv("WIREWATCH_KAFKA_SASL_USERNAME", "wirewatch")
    monkeypatch.setenv("WIREWATCH_KAFKA_SASL_PASSWORD", PASSWORD)
    settings = Settings()
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")


def test_an_unknown_protocol_is_an_error_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"kafka_security_protocol 'TLS' is not one of PLAINTEXT, SSL, "
                                              r"SASL_PLAINTEXT, SASL_SSL"):
        Settings(kafka_security_protocol="TLS")


@pytest.mark.parametrize(("fields", "message"), [
    ({"kafka_sasl_mechanism": None}, r"SASL_SSL needs kafka_sasl_mechanism \(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512\)"),
    ({"kafka_sasl_mechanism": "GSSAPI"}, r"kafka_sasl_mechanism 'GSSAPI' is not one of"),
    ({"kafka_sasl_username": None}, r"SASL_SSL needs kafka_sasl_username"),
    ({"kafka_sasl_password": None}, r"SASL_SSL needs kafka_sasl_password"),
    ({"kafka_sasl_password": ""}, r"SASL_SSL needs kafka_sasl_password"),
    ({"kafka_security_protocol": "SSL"}, r"kafka_sasl_mechanism is set but kafka_security_protocol is SSL"),
])
def test_incomplete_sasl_settings_are_errors_naming_what_is_missing(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        scram(**fields)


def test_a_missing_ca_file_is_an_error_naming_the_setting_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ca.pem"
    with pytest.raises(ValidationError, match=rf"kafka_ssl_cafile \(WIREWATCH_KAFKA_SSL_CAFILE\): {missing} "
                                              r"does not exist"):
        scram(kafka_ssl_cafile=missing)


def test_tls_files_without_a_tls_protocol_are_an_error(tls_files: dict[str, Path]) -> None:
    with pytest.raises(ValidationError, match=r"kafka_ssl_cafile set but kafka_security_protocol is PLAINTEXT"):
        Settings(kafka_ssl_cafile=tls_files["ca"])


def test_a_client_key_needs_its_certificate(tls_files: dict[str, Path]) -> None:
    with pytest.raises(ValidationError, match=r"kafka_ssl_keyfile needs kafka_ssl_certfile"):
        scram(kafka_ssl_keyfile=tls_files["key"])


def test_a_validation_error_never_shows_the_password() -> None:
    with pytest.raises(ValidationError) as caught:
        scram(kafka_sasl_mechanism="GSSAPI", kafka_ssl_key_password=KEY_PASSWORD)
    assert PASSWORD not in str(caught.value) and KEY_PASSWORD not in str(caught.value)


def test_every_client_gets_one_tls_context_checking_the_ca_and_the_host_name(tls_files: dict[str, Path]) -> None:
    options = scram(kafka_ssl_cafile=tls_files["ca"]).kafka_client_options()
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "test CA"),),)]
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "wirewatch" and options["sasl_plain_password"] == PASSWORD


def test_the_host_name_check_can_be_turned_off_for_a_test_broker(tls_files: dict[str, Path]) -> None:
    context = scram(kafka_ssl_cafile=tls_files["ca"], kafka_ssl_check_hostname=False).kafka_ssl_context()
    assert context is not None and not context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED


def test_a_client_certificate_with_an_encrypted_key_is_loaded(tls_files: dict[str, Path]) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=tls_files["ca"],
                        kafka_ssl_certfile=tls_files["cert"], kafka_ssl_keyfile=tls_files["key"],
                        kafka_ssl_key_password=KEY_PASSWORD)
    assert settings.kafka_ssl_context() is not None
    assert "sasl_mechanism" not in settings.kafka_client_options()


def test_an_unreadable_ca_file_is_a_config_error_naming_the_setting(tmp_path: Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match=rf"kafka_ssl_cafile={garbage}"):
        scram(kafka_ssl_cafile=garbage).kafka_ssl_context()


def test_a_wrong_key_password_is_a_config_error_without_the_password(tls_files: dict[str, Path]) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_certfile=tls_files["cert"],
                        kafka_ssl_keyfile=tls_files["key"], kafka_ssl_key_password="wrong-key-password")  # noqa: S106
    with pytest.raises(ConfigError, match="kafka_ssl_keyfile") as caught:
        settings.kafka_ssl_context()
    assert "wrong-key-password" not in str(caught.value)


def test_faust_gets_sasl_over_tls_credentials_with_the_context(tls_files: dict[str, Path]) -> None:
    credentials = _credentials(scram(kafka_ssl_cafile=tls_files["ca"]))
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL" and credentials.mechanism.value == "SCRAM-SHA-512"
    assert isinstance(credentials.ssl_context, ssl.SSLContext)
    assert (credentials.username, credentials.password) == ("wirewatch", PASSWORD)
    assert PASSWORD not in repr(credentials)


def test_faust_gets_sasl_without_tls_for_sasl_plaintext() -> None:
    credentials = _credentials(scram(kafka_security_protocol="SASL_PLAINTEXT"))
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_PLAINTEXT" and credentials.ssl_context is None


def test_faust_gets_tls_credentials_for_ssl(tls_files: dict[str, Path]) -> None:
    credentials = _credentials(Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=tls_files["ca"]))
    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials.protocol.value == "SSL" and isinstance(credentials.context, ssl.SSLContext)


def test_the_wirewatch_transport_hands_the_credentials_to_its_producer(tls_files: dict[str, Path]) -> None:
    from agents import transport

    app = faust.App("security-test", broker=f"{transport.register(1.0)}://127.0.0.1:9", value_serializer="raw",
                    broker_credentials=_credentials(scram(kafka_ssl_cafile=tls_files["ca"])))
    producer = app.producer
    assert isinstance(producer, transport.Producer)
    auth = producer._settings_auth()
    assert auth["security_protocol"] == "SASL_SSL" and auth["sasl_plain_password"] == PASSWORD
    assert isinstance(auth["ssl_context"], ssl.SSLContext)


def test_settings_repr_and_dump_hide_every_secret(tls_files: dict[str, Path]) -> None:
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512",
                        kafka_sasl_username="wirewatch", kafka_sasl_password=PASSWORD,
                        kafka_ssl_certfile=tls_files["cert"], kafka_ssl_keyfile=tls_files["key"],
                        kafka_ssl_key_password=KEY_PASSWORD)
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert PASSWORD not in shown and KEY_PASSWORD not in shown


def test_webhook_allowed_hosts_come_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("WIREWATCH_WEBHOOK_ALLOWED_HOSTS", "hooks.example.org, Alerts.Example.net")
    settings = Settings()
    assert settings.webhook_allowed_hosts == ("hooks.example.org", "Alerts.Example.net")
    path = tmp_path / "subscriptions.yaml"
    path.write_text("subscriptions:\n  - id: a\n    url: https://alerts.example.net/x?token=t0ken\n    secret: s\n"
                    "  - id: b\n    url: https://elsewhere.example/x?token=t0ken\n    secret: s\n")
    with pytest.raises(ConfigError, match=r":5: subscriptions\[1\]\.url: .*host 'elsewhere.example' is not on") \
            as caught:
        Subscriptions.load(path, frozenset(settings.webhook_allowed_hosts))
    assert "t0ken" not in str(caught.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://hooks.example.org/x", "gopher://hooks.example.org/"])
def test_a_webhook_url_that_is_not_http_is_a_load_error_naming_file_line_and_field(tmp_path: Path, url: str) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(f"subscriptions:\n  - id: a\n    url: https://hooks.example.org/x\n    secret: s\n"
                    f"  - id: b\n    url: '{url}'\n    secret: s\n")
    with pytest.raises(ConfigError) as caught:
        Subscriptions.load(path, frozenset({"hooks.example.org"}))
    assert str(caught.value).startswith(f"{path}:5: subscriptions[1].url: ")  # the entry's line
    assert str(caught.value).endswith("must be an http:// or https:// URL")


def test_an_empty_tls_file_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_KAFKA_SSL_CAFILE", "")
    assert Settings().kafka_ssl_cafile is None
