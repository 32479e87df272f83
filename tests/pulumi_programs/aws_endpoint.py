"""A local HTTP server that answers AWS API calls from recorded bodies, so boto3 runs for
real (credential chain, signing, request serialization, response parsing) against 127.0.0.1
through its own ``AWS_ENDPOINT_URL_<SERVICE>`` setting."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    """``answer(target_or_action, body) -> (status, headers, body)``."""

    answer: Callable[[str, bytes], tuple[int, dict[str, str], bytes]]
    requests: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)


@contextmanager
def aws_endpoint(recorded: Recorded) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = self.headers.get("X-Amz-Target", "")
            if not target:
                target = dict(p.split("=", 1) for p in body.decode().split("&") if "=" in p).get(
                    "Action", "")
            recorded.requests.append((target, body, dict(self.headers)))
            status, headers, reply = recorded.answer(target, body)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def offline_aws_env(tmp_path: object) -> dict[str, str]:
    """Credentials and settings that keep boto3 on this machine (no instance metadata)."""
    return {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": f"{tmp_path}/none",
            "AWS_SHARED_CREDENTIALS_FILE": f"{tmp_path}/none", "AWS_MAX_ATTEMPTS": "1"}
