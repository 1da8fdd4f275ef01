"""The wirewatch exception hierarchy.

::

    WirewatchError                    root of everything wirewatch raises on purpose
    ├── ConfigError                   a settings value or data file (actors, topics, rules) is invalid
    ├── InputError                    one input record cannot be processed (routed to the dead-letter topic)
    │   ├── NotUtf8Error              the bytes are not UTF-8
    │   ├── NotJsonError              the text is not JSON
    │   ├── RecordTooLargeError       the record exceeds the configured maximum size
    │   ├── InvalidArticleError       JSON, but not a valid native or ninjs article (names the field)
    │   └── OutputTooLargeError       the enriched record would exceed ``max_output_bytes``
    └── DeliveryError                 the broker did not acknowledge a produced record

Each ``InputError`` carries a short machine-readable ``reason`` that the dead-letter headers repeat.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DeliveryError",
    "InputError",
    "InvalidArticleError",
    "NotJsonError",
    "NotUtf8Error",
    "OutputTooLargeError",
    "RecordTooLargeError",
    "WirewatchError",
]


class WirewatchError(Exception):
    """Root of every exception wirewatch raises on purpose."""


class ConfigError(WirewatchError):
    """A setting or a user-tunable data file is invalid; the message names the file and field."""


class InputError(WirewatchError):
    """One input record cannot be processed; it belongs on the dead-letter topic."""

    reason = "invalid-input"


class NotUtf8Error(InputError):
    """The record's bytes are not valid UTF-8."""

    reason = "not-utf8"


class NotJsonError(InputError):
    """The record's text is not JSON."""

    reason = "not-json"


class RecordTooLargeError(InputError):
    """The record is larger than ``max_record_bytes``."""

    reason = "too-large"


class InvalidArticleError(InputError):
    """The JSON is not a valid article; the message names the field at fault."""

    reason = "invalid-article"


class OutputTooLargeError(InputError):
    """The enriched record of a valid article is larger than ``max_output_bytes``."""

    reason = "output-too-large"


class DeliveryError(WirewatchError):
    """A produced record was not acknowledged by the broker."""
