#!/usr/bin/env bash
# Install the Debian packages the platform needs, only when one is missing (idempotent, fast).
set -euo pipefail
needed=()
command -v tmux >/dev/null 2>&1 || needed+=(tmux)
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v node >/dev/null 2>&1 || needed+=(nodejs)
command -v npm >/dev/null 2>&1 || needed+=(npm)
command -v go >/dev/null 2>&1 || needed+=(golang-go)
if [ ${#needed[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${needed[*]} (run as root: apt-get install -y ${needed[*]})" >&2
  exit 1
fi
echo "installing system packages: ${needed[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
