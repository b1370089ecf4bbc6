#!/usr/bin/env bash
# Installs what the tests drive besides Python packages: Debian's Chromium (browser test)
# and the npm packages of the independent ActivityPub peer (interop test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
if [ -f "$here/interop/package.json" ] && [ ! -d "$here/interop/node_modules" ]; then
  (cd "$here/interop" && npm ci --no-audit --no-fund --loglevel=error)
fi
