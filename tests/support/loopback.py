"""A real HTTP server on loopback, for the tests of `specgen record` and `specgen update --from`."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class FakeServer:
    """Answers every request with ``self.reply``, or with ``self.routes[path]`` when the request's
    path (without query) has a route; keeps the requests.

    A reply is ``{"status", "headers", "body"}``: the body is sent as JSON, unless the reply has
    ``"raw"`` (bytes sent as they are, with the reply's own ``content-type`` header if any).

    A test that needs to misbehave at the HTTP level (announce gigabytes, trickle bytes) sets
    ``handle`` to a function that answers through the request handler itself.
    """

    def __init__(self) -> None:
        self.reply: dict[str, Any] = {"status": 200, "headers": {}, "body": {}}
        self.routes: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.handle: Callable[[BaseHTTPRequestHandler], None] | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                if server.handle is not None:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        server.handle(self)  # the client may give up early, as it should
                    return
                length = int(self.headers.get("content-length") or 0)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                reply = server.routes.get(urlsplit(self.path).path, server.reply)
                headers = {k.lower(): v for k, v in reply["headers"].items()}
                if "raw" in reply:
                    payload = reply["raw"]
                else:
                    payload = json.dumps(reply["body"]).encode()
                    headers.setdefault("content-type", "application/json")
                self.send_response(reply["status"])
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True  # a handler still trickling does not hold up shutdown
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
