"""Small scripted agents for failure tests, run in tmux in place of the offline agent."""

SILENT = r'''
import sys
print("silent-agent> waiting", flush=True)
for line in sys.stdin:
    print("received:", line.strip(), flush=True)
'''

SERVER_ERROR_SITE = r'''
import re, sys
from pathlib import Path
APP = """import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<h1>internal error</h1>" * 10)
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""
print("broken-agent> ready", flush=True)
for line in sys.stdin:
    if "prompts/current.txt" not in line:
        continue
    phase = re.search(r"PHASE: (\w+)", Path("prompts/current.txt").read_text()).group(1)
    if phase == "create_plan":
        Path("output/plan.md").write_text("# plan\n")
    if phase == "generate_code":
        Path("source/requirements.txt").write_text("# none\n")
        Path("source/app.py").write_text(APP)
        Path("deployment/tests/e2e_test.py").write_text("def test_ok():\n    assert True\n")
    with open("output/status.txt", "a") as handle:
        handle.write(f"PHASE_COMPLETE: {phase}\n")
'''

_SLOW_STATIC_SITE = r'''
import re, sys, time
CODE_SECONDS = {code_seconds!r}
from pathlib import Path
print("slow-agent> ready", flush=True)
for line in sys.stdin:
    if "prompts/current.txt" not in line:
        continue
    phase = re.search(r"PHASE: (\w+)", Path("prompts/current.txt").read_text()).group(1)
    if phase == "create_plan":
        Path("output/plan.md").write_text("# plan\n")
    if phase == "generate_code":
        time.sleep(CODE_SECONDS)
        body = "<p>" + "A slow but steady site. " * 20 + "</p>"
        Path("source/index.html").write_text(f"<!doctype html><title>Slow</title>{{body}}")
        Path("deployment/tests/e2e_test.py").write_text(
            "import os, urllib.request\n"
            "def test_page():\n"
            "    page = urllib.request.urlopen(os.environ['SITE_URL']).read()\n"
            "    assert b'slow but steady' in page\n")
    with open("output/status.txt", "a") as handle:
        handle.write(f"PHASE_COMPLETE: {{phase}}\n")
'''


def slow_static_site(code_seconds: float) -> str:
    """A scripted agent whose generate_code phase takes ``code_seconds`` (time for a test to
    act while a worker is busy with it)."""
    return _SLOW_STATIC_SITE.format(code_seconds=code_seconds)

