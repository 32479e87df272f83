# The two commands: `make demo` and `make test`. Both run `make setup` first, which installs
# only what is missing (Debian packages, the sandbox user, the virtualenv, the Pulumi CLI built
# with Go, Claude Code). `make demo AGENT=claude` runs the real Claude Code against the
# scripted model of the tests (no internet).
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AGENT ?= offline

.PHONY: setup demo test test-fast test-postgres lint typecheck doctor bench clean

setup: $(STAMP)
	@bash scripts/setup-system.sh
	@$(VENV)/bin/tmux-builder setup-toolchain

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	@$(VPY) -m pip install -q --upgrade "pip>=23"
	@$(VPY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

demo: setup
ifeq ($(AGENT),claude)
	@$(VPY) -m tests.support.demo_claude
else
	@$(VENV)/bin/tmux-builder demo
endif

test: setup
	@$(VPY) -m pytest

# The unit tier: no Pulumi engine, tmux, Chromium or servers (under a minute).
test-fast: $(STAMP)
	@$(VPY) -m pytest -m "not slow"

# The tests that depend on the database (marker db) on a private PostgreSQL server (Debian's,
# on 127.0.0.1), stopped afterwards. TMUX_BUILDER_TEST_PG_PORT / _DIR choose its port and folder.
test-postgres: setup
	@url=$$(bash scripts/postgres-test-server.sh start) && \
	  TMUX_BUILDER_TEST_POSTGRES_URL="$$url" $(VPY) -m pytest -m db; status=$$?; \
	  bash scripts/postgres-test-server.sh stop; exit $$status

lint: setup
	@$(VENV)/bin/ruff check tmux_builder tests bench

typecheck: $(STAMP)
	@$(VENV)/bin/mypy

doctor: setup
	@$(VENV)/bin/tmux-builder doctor

bench: setup
	@$(VPY) bench/stack_ops.py
	@$(VPY) bench/pipeline.py
	@$(VPY) bench/agent.py

clean:
	rm -rf .data
