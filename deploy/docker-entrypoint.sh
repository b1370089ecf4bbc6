#!/bin/sh
# Container entrypoint for compose.yaml: create the node on the first start of an
# empty volume, then run `coffee-node` with the container's command.
#
# First start (no node.toml in $COFFEE_DATA, default /data) needs:
#   COFFEE_INIT_URL      public URL, e.g. https://lille.coffee.test
#   COFFEE_INIT_NAME     the space's name
#   COFFEE_INIT_COUNTRY  ISO country code, e.g. FR
#   COFFEE_INIT_CITY     the space's city
# and accepts COFFEE_INIT_SLUG and COFFEE_INIT_ALLOW_PRIVATE_NETWORK=1 (test networks only).
#
# When SSL_CERT_FILE is set (compose.yaml: the CA bundle another container writes), the node
# starts only once that file exists, waiting up to COFFEE_CA_WAIT_SECONDS (default 120): an
# engine that ignores depends_on conditions must not start it with TLS trusting nothing.
set -eu

data="${COFFEE_DATA:-/data}"

wait_for_ca_bundle() {
    limit="${COFFEE_CA_WAIT_SECONDS:-120}"
    waited=0
    while [ ! -s "$SSL_CERT_FILE" ]; do
        if [ "$waited" -ge "$limit" ]; then
            echo "docker-entrypoint.sh: $SSL_CERT_FILE is still missing after ${limit}s; not starting" >&2
            exit 1
        fi
        if [ "$waited" -eq 0 ]; then
            echo "docker-entrypoint.sh: waiting for the CA bundle $SSL_CERT_FILE" >&2
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

init_node() {
    set -- init "$data" \
        --url "$COFFEE_INIT_URL" \
        --name "${COFFEE_INIT_NAME:?set COFFEE_INIT_NAME to create the node}" \
        --country "${COFFEE_INIT_COUNTRY:?set COFFEE_INIT_COUNTRY to create the node}" \
        --city "${COFFEE_INIT_CITY:?set COFFEE_INIT_CITY to create the node}" \
        --port 8000
    if [ -n "${COFFEE_INIT_SLUG:-}" ]; then
        set -- "$@" --slug "$COFFEE_INIT_SLUG"
    fi
    if [ "${COFFEE_INIT_ALLOW_PRIVATE_NETWORK:-0}" = 1 ]; then
        set -- "$@" --allow-private-network
    fi
    coffee-node "$@"
}

if [ -n "${SSL_CERT_FILE:-}" ]; then
    wait_for_ca_bundle
fi

if [ ! -e "$data/node.toml" ] && [ -n "${COFFEE_INIT_URL:-}" ]; then
    init_node
fi

exec coffee-node "$@"
