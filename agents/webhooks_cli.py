"""``wirewatch webhooks verify --secret S``: check the signature of a captured webhook request (for receivers).

Standard input is either

- a captured HTTP request: an optional request line (``POST /hook HTTP/1.1``), header lines
  (``Name: value``), a blank line, then the body byte for byte (cut at ``Content-Length`` when
  that header is present; without it a trailing newline that does not verify is tried without); or
- a JSON object ``{"headers": {"webhook-id": "...", ...}, "body": "<the body as text>"}``.

Exit status: 0 the signature is valid, 1 it is not (the reason is printed), 2 the input is unreadable.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import orjson

__all__ = ["VERIFY_DESCRIPTION", "cmd_webhooks_verify", "parse_captured_request"]

VERIFY_DESCRIPTION = (
    "Reads one captured webhook request on stdin and says whether its signature is valid for SECRET "
    "(Standard Webhooks webhook-signature, and X-Hub-Signature-256 when present; every signature present "
    "must match). Input: either the raw request (optional 'POST /path HTTP/1.1' line, 'Name: value' header "
    "lines, a blank line, the body; the body is cut at Content-Length when given, else a trailing newline is tried without) or a JSON object "
    '{"headers": {...}, "body": "..."}. Exit status: 0 valid, 1 invalid (reason printed), 2 unreadable input.')

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

_REQUEST_LINE = re.compile(rb"^[A-Z]+ \S+ HTTP/\d(\.\d)?$")


class UnreadableRequest(ValueError):
    """Standard input is neither a captured HTTP request nor the JSON form."""


def cmd_webhooks_verify(args: argparse.Namespace, settings: Any) -> int:
    """Handler of ``wirewatch webhooks verify``: read stdin, verify, print the verdict."""
    from streams.alerts.signing import verify_request

    try:
        headers, body = parse_captured_request(sys.stdin.buffer.read())
    except UnreadableRequest as exc:
        print(f"wirewatch: unreadable request: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    check_timestamp = not args.ignore_timestamp
    ok, reason = verify_request(args.secret, headers, body, check_timestamp)
    trimmed = body.rstrip(b"\r\n")
    if not ok and "content-length" not in headers and trimmed != body:
        # a capture pasted or saved by hand often gains a newline the sender never signed
        ok_trimmed, reason_trimmed = verify_request(args.secret, headers, trimmed, check_timestamp)
        if ok_trimmed:
            ok, reason = True, f"{reason_trimmed} (with the capture's trailing newline removed)"
    print(f"{'valid' if ok else 'invalid'}: {reason}")
    return EXIT_VALID if ok else EXIT_INVALID


def parse_captured_request(data: bytes) -> tuple[dict[str, str], bytes]:
    """Headers and body from a captured request, raw HTTP or ``{"headers", "body"}`` JSON."""
    if data.lstrip().startswith(b"{"):
        return _parse_json(data)
    return _parse_http(data)


def _parse_json(data: bytes) -> tuple[dict[str, str], bytes]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UnreadableRequest(f"not JSON: {exc}") from None
    headers, body = (value.get("headers"), value.get("body")) if isinstance(value, dict) else (None, None)
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise UnreadableRequest('JSON input needs "headers": an object of strings')
    if not isinstance(body, str):
        raise UnreadableRequest('JSON input needs "body": the request body as a string')
    return {str(k): v for k, v in headers.items()}, body.encode()


def _parse_http(data: bytes) -> tuple[dict[str, str], bytes]:
    head, separator, body = _split_head(data)
    if not separator:
        raise UnreadableRequest("no blank line between the headers and the body")
    lines = head.splitlines()
    if lines and _REQUEST_LINE.match(lines[0].strip()):
        lines = lines[1:]
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            raise UnreadableRequest(f"not a header line: {line[:80]!r}")
        try:
            headers[name.strip().decode("ascii").lower()] = value.strip().decode("latin-1")
        except UnicodeDecodeError:
            raise UnreadableRequest("a header name is not ASCII") from None
    if not headers:
        raise UnreadableRequest("no headers")
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) <= len(body):
        body = body[: int(length)]
    return headers, body


def _split_head(data: bytes) -> tuple[bytes, bytes, bytes]:
    """Split at the first blank line, CRLF or LF, whichever comes first."""
    crlf, lf = data.find(b"\r\n\r\n"), data.find(b"\n\n")
    if crlf != -1 and (lf == -1 or crlf < lf):
        return data[:crlf], b"\r\n\r\n", data[crlf + 4:]
    if lf != -1:
        return data[:lf], b"\n\n", data[lf + 2:]
    return data, b"", b""
