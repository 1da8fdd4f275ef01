"""A webhook receiver for wirewatch alerts: verifies the Standard Webhooks signature, prints each alert.

    .venv/bin/python scripts/receiver.py --port 8765 --secret whsec_...

``make run`` starts it and subscribes it to every alert (``.run/subscriptions.yaml``). It answers
204 to a correctly signed request and 401 to anything else; the ``webhook-id`` is the idempotency key
(a retry carries the same one), so a real receiver would remember the ids it has handled.
"""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    parser.add_argument("--secret", required=True, help="the subscription's secret (whsec_<base64>)")
    args = parser.parse_args()
    webhook = Webhook(args.secret)
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                payload = webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as exc:
                print(f"[webhook] rejected: {exc}", flush=True)
                self.send_response(401)
                self.end_headers()
                return
            message_id = self.headers["webhook-id"]
            again = " (a retry of one already received)" if message_id in seen else ""
            seen.add(message_id)
            alert = payload["data"]
            print(f"[webhook] {payload['type']} signature ok, webhook-id {message_id}{again}: "
                  f"{alert.get('title')!s}", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"webhook receiver listening on http://127.0.0.1:{args.port}/ (verifying with the subscription's "
          f"secret)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
