"""A scripted model that speaks the Anthropic Messages API well enough to drive the real
Claude Code binary with no internet.

It answers ``HEAD /`` (404, as a gateway that serves only the API would) and
``POST /v1/messages`` streamed (SSE) or as plain JSON. Every human turn is played from a
script: the model first ``Read``s the prompt file named in the instruction, then asks the
playbook what to do with the prompt it read (``Write``/``Edit`` files, ``Bash`` to append the
status marker), one ``tool_use`` per request, and ends the turn with text. Which step comes
next is worked out from the conversation in the request alone, so a retried request gets the
same answer. Requests without tools (the session title) get a short JSON text.

Faults can be queued: an HTTP status (500, 529, ...) for the next N requests, or a hang (the
request is held open, sending nothing, until the server stops). Every request is logged with
its headers (credentials masked) and body.

Run it on its own with ``python -m tests.support.model_server --port N`` (``make demo
AGENT=claude`` does)."""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.playbook import ToolStep, site_playbook

INSTRUCTION_FILE = re.compile(r"prompts/current\.txt")
_LINE_NUMBER = re.compile(r"^\s*\d+[→\t]", re.MULTILINE)
_WORKDIR = re.compile(r"(?:Working directory|Primary working directory):\s*(\S+)")

Playbook = Callable[[str, Path], list[ToolStep]]


@dataclass
class Fault:
    kind: str  # "status" or "hang"
    status: int = 0
    remaining: int = 1


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    reply: str
    at: float = field(default_factory=time.time)


def _masked(headers: dict[str, str]) -> dict[str, str]:
    secret = {"x-api-key", "authorization"}
    return {k: (f"<{len(v)} chars>" if k.lower() in secret else v) for k, v in headers.items()}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(_text_of(block.get("content")))
    return "\n".join(parts)


def _is_human_turn(message: dict[str, Any]) -> bool:
    """A user message that carries the user's words (not only tool results)."""
    if message.get("role") != "user":
        return False
    content = message.get("content")
    if isinstance(content, str):
        return True
    return not any(block.get("type") == "tool_result" for block in content or [])


def strip_line_numbers(text: str) -> str:
    """The Read tool numbers every line (``   12→text``); give back the file itself."""
    return _LINE_NUMBER.sub("", text)


class ScriptedModel:
    """The script and the fault queue, shared by every request the server handles."""

    def __init__(self, playbook: Playbook = site_playbook, model: str = "scripted-model") -> None:
        self.playbook = playbook
        self.model = model
        self.requests: list[LoggedRequest] = []
        self.log_file: Path | None = None
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._faults.append(Fault("status", status, times))

    def hang_next(self, times: int = 1) -> None:
        with self._lock:
            self._faults.append(Fault("hang", remaining=times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.pop(0)
            return fault

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)
            if self.log_file is not None:
                with self.log_file.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry.__dict__) + "\n")

    def tool_requests(self) -> list[LoggedRequest]:
        return [r for r in self.requests if r.body.get("tools")]

    # The script -----------------------------------------------------------------------------

    def reply_to(self, body: dict[str, Any]) -> dict[str, Any]:
        """The assistant message for this request (content blocks and stop reason)."""
        if not body.get("tools"):
            return self._message([{"type": "text", "text": '{"title": "Scripted build"}'}],
                                 "end_turn")
        messages = body.get("messages") or []
        start = max((i for i, m in enumerate(messages) if _is_human_turn(m)), default=-1)
        if start < 0 or not INSTRUCTION_FILE.search(_text_of(messages[start].get("content"))):
            return self._text("I follow the file protocol only: send the fixed instruction.")
        workdir = self._workdir(body)
        prompt_file = workdir / "prompts" / "current.txt"
        turn = [m for m in messages[start + 1:] if m.get("role") in ("user", "assistant")]
        done = sum(1 for m in turn if m.get("role") == "assistant")
        if done == 0:
            return self._tool(ToolStep("Read", {"file_path": str(prompt_file)}))
        results = [m for m in turn if m.get("role") == "user"]
        prompt = strip_line_numbers(_text_of(results[0].get("content"))) if results else ""
        steps = self.playbook(prompt, workdir)
        if done - 1 < len(steps):
            return self._tool(steps[done - 1])
        return self._text("Done: the phase is complete and the status marker is written.")

    @staticmethod
    def _workdir(body: dict[str, Any]) -> Path:
        system = body.get("system")
        text = system if isinstance(system, str) else _text_of(system)
        match = _WORKDIR.search(text)
        if match is None:
            for message in body.get("messages") or []:
                match = _WORKDIR.search(_text_of(message.get("content")))
                if match:
                    break
        if match is None:
            raise ValueError("the request names no working directory")
        return Path(match.group(1))

    def _message(self, content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
        return {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
                "model": self.model, "content": content, "stop_reason": stop,
                "stop_sequence": None,
                "usage": {"input_tokens": 100, "output_tokens": 20,
                          "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}

    def _text(self, text: str) -> dict[str, Any]:
        return self._message([{"type": "text", "text": text}], "end_turn")

    def _tool(self, step: ToolStep) -> dict[str, Any]:
        block = {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:24]}", "name": step.name,
                 "input": step.input}
        content: list[dict[str, Any]] = [{"type": "text", "text": step.say}] if step.say else []
        return self._message([*content, block], "tool_use")


def sse_events(message: dict[str, Any]) -> Iterator[bytes]:
    """The message as the Messages API streams it."""

    def event(name: str, data: dict[str, Any]) -> bytes:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    head = {**message, "content": [], "stop_reason": None,
            "usage": {**message["usage"], "output_tokens": 1}}
    yield event("message_start", {"type": "message_start", "message": head})
    yield event("ping", {"type": "ping"})
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield event("content_block_start", {"type": "content_block_start", "index": index,
                                                "content_block": {"type": "text", "text": ""}})
            yield event("content_block_delta", {
                "type": "content_block_delta", "index": index,
                "delta": {"type": "text_delta", "text": block["text"]}})
        else:
            start = {**block, "input": {}}
            yield event("content_block_start", {"type": "content_block_start", "index": index,
                                                "content_block": start})
            yield event("content_block_delta", {
                "type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta",
                          "partial_json": json.dumps(block["input"])}})
        yield event("content_block_stop", {"type": "content_block_stop", "index": index})
    yield event("message_delta", {"type": "message_delta",
                                  "delta": {"stop_reason": message["stop_reason"],
                                            "stop_sequence": None},
                                  "usage": {"output_tokens": message["usage"]["output_tokens"]}})
    yield event("message_stop", {"type": "message_stop"})


_ERROR_TYPES = {500: "api_error", 529: "overloaded_error", 429: "rate_limit_error",
                401: "authentication_error"}


class _Handler(BaseHTTPRequestHandler):
    server: ModelHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the log is in memory
        return

    def _headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items()}

    def do_HEAD(self) -> None:
        self.server.model.record(LoggedRequest("HEAD", self.path, _masked(self._headers()), {},
                                               "404"))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.do_HEAD()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"unparsed": raw.decode(errors="replace")}
        model = self.server.model
        headers = _masked(self._headers())
        if not self.path.startswith("/v1/messages") or "count_tokens" in self.path:
            model.record(LoggedRequest("POST", self.path, headers, body, "404"))
            self._json(404, {"type": "error", "error": {"type": "not_found_error",
                                                        "message": "not found"}})
            return
        fault = model.take_fault()
        if fault is not None and fault.kind == "hang":
            model.record(LoggedRequest("POST", self.path, headers, body, "hang"))
            model.stopping.wait()
            self.close_connection = True
            return
        if fault is not None:
            model.record(LoggedRequest("POST", self.path, headers, body, str(fault.status)))
            kind = _ERROR_TYPES.get(fault.status, "api_error")
            self._json(fault.status, {"type": "error", "error": {
                "type": kind, "message": "Overloaded" if fault.status == 529 else kind}})
            return
        try:
            message = model.reply_to(body)
        except ValueError as exc:
            model.record(LoggedRequest("POST", self.path, headers, body, f"400 {exc}"))
            self._json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                        "message": str(exc)}})
            return
        model.record(LoggedRequest("POST", self.path, headers, body,
                                   json.dumps(message["content"])))
        if body.get("stream"):
            self._stream(message)
        else:
            self._json(200, message)

    def _json(self, status: int, document: dict[str, Any]) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:16]}")
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, message: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:16]}")
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in sse_events(message):
            self.wfile.write(chunk)
            self.wfile.flush()
        self.close_connection = True


class ModelHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], model: ScriptedModel) -> None:
        super().__init__(address, _Handler)
        self.model = model

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class RunningModel:
    """The server on a thread: ``with RunningModel() as model: model.base_url``."""

    def __init__(self, model: ScriptedModel | None = None, port: int = 0) -> None:
        self.model = model or ScriptedModel()
        self.httpd = ModelHTTPServer(("127.0.0.1", port), self.model)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name="scripted-model")

    @property
    def base_url(self) -> str:
        return self.httpd.base_url

    def __enter__(self) -> RunningModel:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.model.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path, help="append every request as JSON lines here")
    parser.add_argument("--port-file", type=Path, help="write the chosen port here")
    args = parser.parse_args()
    model = ScriptedModel()
    model.log_file = args.log
    httpd = ModelHTTPServer(("127.0.0.1", args.port), model)
    if args.port_file:
        args.port_file.write_text(str(httpd.server_address[1]), encoding="utf-8")
    print(f"scripted model on {httpd.base_url}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        model.stopping.set()
        httpd.server_close()


if __name__ == "__main__":
    main()
