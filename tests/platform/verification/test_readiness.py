"""Waiting for a cloud site: the VM's real boot status server (the script cloud-init writes)
runs on a local port and reports its stages, then hands the port to the app; a stand-in Front
Door answers 404 itself until its route "propagates". The wait reports progress, stops at once
on a failed boot, and names what was not ready when it gives up."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.platform.verification.conftest import COLOURFUL
from tests.support.waiting import wait_until
from tmux_builder.platform.verification.readiness import wait_until_ready
from tmux_builder.pulumi_programs.cloud_boot import status_server
from tmux_builder.pulumi_programs.readiness import readiness_for

pytestmark = pytest.mark.slow

VM = readiness_for("aws", "dynamic")
FRONT_DOOR = readiness_for("azure", "static")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BootingVm:
    """The boot status server of cloud_boot, run for real on a local port."""

    def __init__(self, folder: Path) -> None:
        self.status = folder / "status"
        self.status.mkdir(parents=True)
        self.port = free_port()
        self.script = folder / "boot_status.py"
        self.script.write_text(status_server(str(self.status), self.port), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def stage(self, name: str, detail: str = "") -> None:
        (self.status / "detail").write_text(detail, encoding="utf-8")
        (self.status / "stage").write_text(name, encoding="utf-8")

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(self.script)])
        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", self.port)) == 0

        wait_until(listening, timeout=10, what="the boot status server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def vm(tmp_path: Path) -> Iterator[BootingVm]:
    booting = BootingVm(tmp_path / "vm")
    try:
        yield booting
    finally:
        booting.stop()


def serve(port: int, answer: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = COLOURFUL.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def test_boot_stages_are_reported_until_the_app_answers(vm: BootingVm) -> None:
    vm.stage("installing-dependencies", "installing the app's dependencies")
    vm.start()
    events: list[str] = []

    def handover() -> None:
        time.sleep(1.0)
        vm.stop()  # the boot script stops the status server, then starts the app
        server = serve(vm.port, App)
        handover.server = server  # type: ignore[attr-defined]

    thread = threading.Thread(target=handover)
    thread.start()
    result = wait_until_ready(vm.url, VM, max_wait=20, interval=0.2,
                              on_progress=events.append)
    thread.join()
    handover.server.shutdown()  # type: ignore[attr-defined]
    handover.server.server_close()  # type: ignore[attr-defined]
    assert result.passed and result.attempts > 1
    assert any("the VM is booting, stage installing-dependencies (installing the app's "
               "dependencies)" in event for event in events), events
    assert events[0].startswith(f"waiting for {VM.what}")
    assert events[-1].startswith("ready after")


def test_a_failed_boot_ends_the_wait_at_once(vm: BootingVm) -> None:
    vm.stage("failed", "stage installing-dependencies exited with status 1")
    vm.start()
    started = time.monotonic()
    result = wait_until_ready(vm.url, VM, max_wait=60, interval=0.2)
    assert time.monotonic() - started < 10
    assert not result.passed and result.status_code == 503
    assert result.reason == ("the VM's boot script failed: stage installing-dependencies "
                             "exited with status 1")


def test_giving_up_names_what_was_not_ready(vm: BootingVm) -> None:
    vm.stage("installing-runtime", "installing node from the distribution's packages")
    vm.start()
    events: list[str] = []
    result = wait_until_ready(vm.url, VM, max_wait=1.0, interval=0.2, on_progress=events.append)
    assert not result.passed
    assert result.reason == (
        "not ready after 1 s: the VM is booting, stage installing-runtime (installing node "
        f"from the distribution's packages); waited for {VM.what}")
    assert len(events) == 1, "an unchanged state is reported once a minute, not every probe"


def test_a_vm_not_accepting_connections_yet() -> None:
    result = wait_until_ready(f"http://127.0.0.1:{free_port()}/", VM, max_wait=0.5,
                              interval=0.1)
    assert result.reason is not None
    assert result.reason.startswith("not ready after 0.5 s: the VM does not accept connections "
                                    "yet (connection refused)")


def test_front_door_propagation_is_recognised() -> None:
    answered: list[int] = []

    class FrontDoor(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answered.append(1)
            propagated = len(answered) > 3
            body = COLOURFUL.encode() if propagated else b"<h2>Our services aren't available"
            self.send_response(200 if propagated else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("x-azure-ref", "20261130T093707Z-abc")
            if propagated:
                self.send_header("x-ms-request-id", "origin-1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = serve(free_port(), FrontDoor)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        events: list[str] = []
        result = wait_until_ready(url, FRONT_DOOR, max_wait=10, interval=0.1,
                                  on_progress=events.append)
        assert result.passed and result.attempts == 4
        assert "the Front Door route has not reached the edge yet (HTTP 404 from Front Door " \
               "itself)" in events[0]
        answered.clear()
        quick = replace(FRONT_DOOR, max_wait_seconds=0.15)
        failed = wait_until_ready(url, quick, interval=0.1)
        assert not failed.passed
        assert "not ready after 0.15 s: the Front Door route has not reached the edge" in (
            failed.reason or "")
    finally:
        server.shutdown()
        server.server_close()


def test_targets_state_how_long_and_how_to_tell() -> None:
    for provider in ("aws", "azure"):
        for site_type in ("static", "dynamic"):
            readiness = readiness_for(provider, site_type)
            assert readiness.max_wait_seconds >= 600 and readiness.what
    assert readiness_for("azure", "static").max_wait_seconds >= 3600
    assert readiness_for("aws", "dynamic").signal == "boot-status"
