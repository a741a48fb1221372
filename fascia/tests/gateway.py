"""A local fake SMS/WhatsApp gateway for tests and benchmarks: a real HTTP server.

`FakeGateway` listens on 127.0.0.1 on a random port, in a thread, and answers what
`fascia.messaging.backends.HttpGatewayBackend` sends (POST, JSON body) the way a gateway
that honours idempotency keys does:

- every request is recorded (`requests`: path, headers, JSON body);
- a delivery is answered 201 with `{"id": ...}` and recorded in `deliveries`; a second
  request with an `Idempotency-Key` already delivered gets the same id back and is not
  delivered again;
- `fail_next(n, status=503)` answers the next n requests with that status;
  `hang_next(n, seconds)` holds the next n requests that long before answering (past the
  client's timeout) and does not deliver them;
- `latency` (seconds, 0 by default) is how long a delivery takes to be answered once it
  is recorded, as a real gateway's round trip: a sender that dies meanwhile has delivered
  without hearing so.

The `gateway` fixture starts one for a test and points the SMS and WhatsApp settings at
it (`FASCIA_SMS_GATEWAY_URL`, `FASCIA_WHATSAPP_GATEWAY_URL`, the backends, a token, a
short timeout). `python -m fascia.tests.gateway [port]` runs one on its own.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TOKEN = "test-gateway-token"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGateway:
    requests: list[Request] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _hangs: list[float] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    latency: float = 0.0

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def hang_next(self, count: int = 1, *, seconds: float = 2.0) -> None:
        with self._lock:
            self._hangs.extend([seconds] * count)

    def start(self, port: int = 0) -> FakeGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                status, answer, hang = gateway._answer(
                    Request(path=self.path, headers=dict(self.headers.items()), body=body)
                )
                if hang:
                    time.sleep(hang)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, request: Request) -> tuple[int, dict[str, Any], float]:
        with self._lock:
            self.requests.append(request)
            if self._hangs:
                return 503, {"error": "too slow"}, self._hangs.pop(0)
            if self._failures:
                status = self._failures.pop(0)
                return status, {"error": f"failing on purpose with {status}"}, 0
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return 401, {"error": "bad token"}, 0
            key = request.headers.get("Idempotency-Key", "")
            if key and key in self._ids:
                return 200, {"id": self._ids[key], "duplicate": True}, 0
            provider_id = f"gw-{len(self.deliveries) + 1}"
            if key:
                self._ids[key] = provider_id
            body = request.body if isinstance(request.body, dict) else {}
            self.deliveries.append({"id": provider_id, "key": key, **body})
            return 201, {"id": provider_id}, self.latency


@pytest.fixture
def gateway(settings):
    """A running fake gateway that the SMS and WhatsApp backends send to."""
    fake = FakeGateway().start()
    settings.FASCIA_SMS_GATEWAY_URL = fake.url
    settings.FASCIA_WHATSAPP_GATEWAY_URL = fake.url
    settings.FASCIA_GATEWAY_TOKEN = TOKEN
    settings.FASCIA_GATEWAY_TIMEOUT_SECONDS = 0.5
    settings.FASCIA_MESSAGE_BACKENDS = {
        **settings.FASCIA_MESSAGE_BACKENDS,
        "sms": "fascia.messaging.backends.HttpGatewayBackend",
        "whatsapp": "fascia.messaging.backends.HttpGatewayBackend",
    }
    yield fake
    fake.stop()


if __name__ == "__main__":
    running = FakeGateway().start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"Fake gateway at {running.url} (token {TOKEN})")  # noqa: T201
    threading.Event().wait()
