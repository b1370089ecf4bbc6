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
set -eu

data="${COFFEE_DATA:-/data}"

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

if [ ! -e "$data/node.toml" ] && [ -n "${COFFEE_INIT_URL:-}" ]; then
    init_node
fi

exec coffee-node "$@"
