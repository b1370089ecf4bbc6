#!/usr/bin/env bash
# Builds the Coffee image and runs it as an operator would, with Docker or podman:
#   init, serve, /healthz and the image's HEALTHCHECK on a port other than 8000, check,
#   a signed follow between two containers (accepted both ways), backup while serving,
#   a clean stop on SIGTERM, restore into a new volume (files owned by coffee:coffee),
#   and the restored node serving, checked, still following.
#
#   deploy/smoke-test.sh                      # from anywhere; prints each step
#
# Environment:
#   COFFEE_ENGINE        docker or podman (default: the first one that answers, docker first)
#   COFFEE_PYTHON_IMAGE  base image (default python:3.11-slim; see "Base image" below)
#   COFFEE_IMAGE         tag to build and keep (default: localhost/coffee-node:smoke-PID, removed at the end,
#                        so two runs at once never swap images under each other)
#   COFFEE_SMOKE_KEEP=1  keep the containers and volumes for a look afterwards
# Exit status: 0 passed, 1 failed (the containers' logs are printed), 77 cannot run here (no
# engine that answers, or no base image): the reason is the last line on stderr.
#
# Base image: python:3.11-slim when the engine has it or can pull it. Where no container
# registry is reachable (only Debian's mirror), the script builds a stand-in with debootstrap
# (root only): Debian 12's Python 3.11 in a minimal Debian, tagged $STANDIN_IMAGE. The stand-in
# trusts the CA bundle of this machine, so pip in the build reaches PyPI through the same
# TLS-inspecting proxy, if any, as the machine itself.
# The containers use the host's network: the two nodes reach each other on 127.0.0.1 with the
# ports chosen here, with no container DNS needed (podman on Debian 12 has none by default).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${COFFEE_IMAGE:-localhost/coffee-node:smoke-$$}
PYTHON_IMAGE=${COFFEE_PYTHON_IMAGE:-python:3.11-slim}
STANDIN_IMAGE=localhost/coffee-python-standin:3.11-bookworm
RUN_ID="coffee-smoke-$$"
STARTED=$(date +%s)
CONTAINERS=()
VOLUMES=()

step() { printf '== %s (%ss)\n' "$*" "$(($(date +%s) - STARTED))"; }
cannot_run() { echo "smoke-test: cannot run here: $*" >&2; exit 77; }
fail() {
    echo "smoke-test: FAILED: $*" >&2
    for name in "${CONTAINERS[@]}"; do
        echo "---- logs of $name" >&2
        "$ENGINE" logs "$name" >&2 2>&1 || true
    done
    exit 1
}

cleanup() {
    if [ "${COFFEE_SMOKE_KEEP:-0}" = 1 ]; then
        echo "kept: containers ${CONTAINERS[*]:-none}, volumes ${VOLUMES[*]:-none}"
        return
    fi
    for name in "${CONTAINERS[@]}"; do "$ENGINE" rm -f "$name" >/dev/null 2>&1 || true; done
    for name in "${VOLUMES[@]}"; do "$ENGINE" volume rm -f "$name" >/dev/null 2>&1 || true; done
    if [ -z "${COFFEE_IMAGE:-}" ] && [ -n "${ENGINE:-}" ]; then "$ENGINE" rmi -f "$IMAGE" >/dev/null 2>&1 || true; fi
}

pick_engine() {
    if [ -n "${COFFEE_ENGINE:-}" ]; then
        "$COFFEE_ENGINE" info >/dev/null 2>&1 || cannot_run "COFFEE_ENGINE=$COFFEE_ENGINE does not answer '$COFFEE_ENGINE info'"
        ENGINE=$COFFEE_ENGINE
        return
    fi
    local why=()
    for candidate in docker podman; do
        if ! command -v "$candidate" >/dev/null 2>&1; then
            why+=("$candidate is not installed")
        elif "$candidate" info >/dev/null 2>&1; then
            ENGINE=$candidate
            return
        else
            why+=("$candidate is installed but '$candidate info' fails: $({ "$candidate" info 2>&1 || true; } | tail -n 1)")
        fi
    done
    local joined
    joined=$(printf '%s; ' "${why[@]}")
    cannot_run "no container engine: ${joined%; }"
}

build_standin() {
    # Debian 12's python3 and venv, nothing else; /usr/bin/python as the official images have it.
    if [ "$(id -u)" != 0 ] || ! command -v debootstrap >/dev/null 2>&1; then
        cannot_run "$PYTHON_IMAGE cannot be pulled, and building a stand-in needs root and debootstrap"
    fi
    local rootfs
    rootfs=$(mktemp -d)
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" \
        "${COFFEE_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$rootfs.log" 2>&1 \
        || { rm -rf "$rootfs"; cannot_run "debootstrap failed; see $rootfs.log"; }
    ln -sf python3 "$rootfs/usr/bin/python"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    # What debian:bookworm-slim leaves out too: package caches, documentation, translations.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc \
        "$rootfs"/usr/share/man "$rootfs"/usr/share/locale/*
    tar -C "$rootfs" -c . | "$ENGINE" import --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["python3"]' - "$STANDIN_IMAGE" >"$rootfs.log" 2>&1 \
        || { cat "$rootfs.log" >&2; fail "importing the stand-in base image"; }
    rm -rf "$rootfs" "$rootfs.log"
}

pick_base_image() {
    if "$ENGINE" image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then return; fi
    if "$ENGINE" pull -q "$PYTHON_IMAGE" >/dev/null 2>&1; then return; fi
    [ -z "${COFFEE_PYTHON_IMAGE:-}" ] || cannot_run "$PYTHON_IMAGE (COFFEE_PYTHON_IMAGE) is not here and cannot be pulled"
    echo "note: $PYTHON_IMAGE cannot be pulled; using a stand-in built from Debian packages ($STANDIN_IMAGE)"
    PYTHON_IMAGE=$STANDIN_IMAGE
    if ! "$ENGINE" image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
        step "build the stand-in base image with debootstrap"
        build_standin
    fi
}

free_ports() {
    python3 -c 'import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))'
}

# coffee-node in a running container, or in a throwaway one on VOLUME as the image's user.
node_exec() { "$ENGINE" exec "$1" coffee-node "${@:2}"; }
node_run() { "$ENGINE" run --rm -v "$1:/data" "$IMAGE" "${@:2}"; }

new_volume() {
    "$ENGINE" volume create "$1" >/dev/null
    VOLUMES+=("$1")
}

# The node on VOLUME serves on 127.0.0.1, at the port its node.toml gives (the image's CMD
# would listen on 0.0.0.0: right behind a container network, not on the host's).
start_node() {
    local name=$1 volume=$2
    local health=()
    [ "$ENGINE" = podman ] || health=(--health-interval 1s --health-start-period 0s)
    "$ENGINE" run -d --name "$name" --network host "${health[@]}" -v "$volume:/data" "$IMAGE" \
        serve /data --host 127.0.0.1 >/dev/null
    CONTAINERS+=("$name")
}

# Polls COMMAND until it succeeds, for at most SECONDS: the node starts, a follow is accepted.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$(($(date +%s) + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "$what: not within ${seconds}s"
        sleep 1
    done
}

healthcheck_passes() {
    if [ "$ENGINE" = podman ]; then
        podman healthcheck run "$1"
    else
        [ "$(docker inspect --format '{{.State.Health.Status}}' "$1")" = healthy ]
    fi
}

host_healthz() {
    python3 -c 'import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1], timeout=5) as r:
    assert json.load(r)["status"] == "ok"' "http://127.0.0.1:$1/healthz"
}

follow_state() {
    # state of the follow of ACTOR in `coffee-node following|followers --json` of CONTAINER
    node_exec "$1" "$2" /data --json | python3 -c 'import json, sys
print(next((row["state"] for row in json.load(sys.stdin) if row["id"] == sys.argv[1]), "none"))' "$3"
}

follow_accepted() { [ "$(follow_state "$@")" = accepted ]; }

main() {
    pick_engine
    trap cleanup EXIT
    echo "engine: $ENGINE ($("$ENGINE" --version))"
    pick_base_image
    step "build $IMAGE from $PYTHON_IMAGE"
    local options=()
    # podman drops HEALTHCHECK from OCI images; and its builder (buildah 1.28 in podman 4.3) reused a
    # cached `COPY --from=build` layer here after the build stage had changed: a stale venv.
    [ "$ENGINE" = docker ] || options=(--format docker --no-cache)
    "$ENGINE" build -q "${options[@]}" --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" \
        -f "$ROOT/deploy/Dockerfile" -t "$IMAGE" "$ROOT" >/dev/null || fail "the image does not build"
    echo "image size: $("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE") bytes"
    "$ENGINE" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q node.commands.health \
        || fail "the image has no HEALTHCHECK"

    step "the image: user coffee:coffee (10001:10001), no installer, the skills index built in"
    local owner
    # shellcheck disable=SC2016  # expanded by the container's shell
    owner=$("$ENGINE" run --rm --entrypoint sh "$IMAGE" -c 'echo "$(id -un):$(id -gn) $(stat -c %u:%g /data)"')
    [ "$owner" = "coffee:coffee 10001:10001" ] || fail "user and /data: '$owner', expected 'coffee:coffee 10001:10001'"
    if "$ENGINE" run --rm --entrypoint python "$IMAGE" -c 'import pip' >/dev/null 2>&1 \
        || "$ENGINE" run --rm --entrypoint python "$IMAGE" -c 'import setuptools' >/dev/null 2>&1; then
        fail "pip or setuptools is in the runtime image"
    fi
    "$ENGINE" run --rm --no-healthcheck --entrypoint python "$IMAGE" -c 'from node.services.skill_store import index_path
path = index_path()
with open(path, "rb") as index:
    assert str(path).startswith("/opt/coffee/") and index.read(16) == b"SQLite format 3\0", path' \
        || fail "the skills index is not in the image's venv, readable by the node's user"

    local ports port_a port_b
    ports=$(free_ports)
    port_a=${ports% *}
    port_b=${ports#* }
    step "init two nodes (ports $port_a and $port_b)"
    new_volume "$RUN_ID-lille"
    new_volume "$RUN_ID-tournai"
    new_volume "$RUN_ID-restored"
    node_run "$RUN_ID-lille" init /data --url "http://127.0.0.1:$port_a" --name Mutualab --slug mutualab \
        --country FR --city Lille --port "$port_a" --allow-private-network >/dev/null || fail "init lille"
    node_run "$RUN_ID-tournai" init /data --url "http://127.0.0.1:$port_b" --name "Coworking Tournai" \
        --slug tournai --country BE --city Tournai --port "$port_b" --allow-private-network >/dev/null \
        || fail "init tournai"

    step "serve both; /healthz and the HEALTHCHECK on their configured ports"
    start_node "$RUN_ID-lille" "$RUN_ID-lille"
    start_node "$RUN_ID-tournai" "$RUN_ID-tournai"
    for port in "$port_a" "$port_b"; do wait_for 60 "/healthz on port $port" host_healthz "$port"; done
    for name in "$RUN_ID-lille" "$RUN_ID-tournai"; do wait_for 60 "the HEALTHCHECK of $name" healthcheck_passes "$name"; done

    step "check"
    local report
    report=$(node_exec "$RUN_ID-lille" check /data) || fail "check: $report"
    grep -q '^ok *healthz' <<<"$report" || fail "check did not reach /healthz: $report"

    step "a signed follow: lille follows tournai, tournai accepts"
    node_exec "$RUN_ID-lille" follow /data "http://127.0.0.1:$port_b/" >/dev/null || fail "follow"
    wait_for 60 "tournai accepting lille's Follow" \
        follow_accepted "$RUN_ID-tournai" followers "http://127.0.0.1:$port_a/"
    wait_for 60 "lille receiving tournai's Accept" \
        follow_accepted "$RUN_ID-lille" following "http://127.0.0.1:$port_b/"

    step "backup while serving, then stop on SIGTERM"
    node_exec "$RUN_ID-lille" backup /data /data/smoke-backup.tar.gz >/dev/null || fail "backup"
    "$ENGINE" stop -t 20 "$RUN_ID-lille" >/dev/null
    local code
    code=$("$ENGINE" inspect --format '{{.State.ExitCode}}' "$RUN_ID-lille")
    [ "$code" = 0 ] || fail "lille exited with $code on SIGTERM"

    step "restore into a new volume (as root, as deploy/OPERATING.md says)"
    "$ENGINE" run --rm --user 0 -v "$RUN_ID-restored:/data" -v "$RUN_ID-lille:/backup:ro" "$IMAGE" \
        restore /backup/smoke-backup.tar.gz /data >/dev/null || fail "restore"
    owner=$("$ENGINE" run --rm -v "$RUN_ID-restored:/data" --entrypoint sh "$IMAGE" -c \
        'stat -c "%U:%G" /data /data/node.toml /data/coffee.db /data/keys/space.pem | sort -u')
    [ "$owner" = "coffee:coffee" ] || fail "restored files are owned by '$owner', expected coffee:coffee"

    step "the restored node serves, passes check and still follows tournai"
    start_node "$RUN_ID-restored" "$RUN_ID-restored"
    wait_for 60 "/healthz of the restored node" host_healthz "$port_a"
    report=$(node_exec "$RUN_ID-restored" check /data) || fail "check of the restored node: $report"
    follow_accepted "$RUN_ID-restored" following "http://127.0.0.1:$port_b/" \
        || fail "the restored node lost its follow of tournai"
    step "smoke test passed with $ENGINE"
}

main "$@"
