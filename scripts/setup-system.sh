#!/usr/bin/env bash
# Install the Debian packages the platform needs and create the sandbox user, only when one is
# missing (idempotent, fast).
set -euo pipefail
SANDBOX_USER="${TMUX_BUILDER_SANDBOX_USER:-tmux-builder-sandbox}"
needed=()
command -v tmux >/dev/null 2>&1 || needed+=(tmux)
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v node >/dev/null 2>&1 || needed+=(nodejs)
command -v npm >/dev/null 2>&1 || needed+=(npm)
command -v go >/dev/null 2>&1 || needed+=(golang-go)
command -v bwrap >/dev/null 2>&1 || needed+=(bubblewrap)
if [ ${#needed[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${needed[*]} (run as root: apt-get install -y ${needed[*]})" >&2
    exit 1
  fi
  echo "installing system packages: ${needed[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
fi
# The unprivileged user that sandboxed code (agent, E2E run, local apps) runs as: no home, no
# shell, no password. Only a platform running as root switches to it.
if [ "$(id -u)" -eq 0 ] && ! id -u "$SANDBOX_USER" >/dev/null 2>&1; then
  echo "creating the sandbox user $SANDBOX_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$SANDBOX_USER"
fi
