#!/bin/sh
# Validate docker-compose.yml with docker-compose's own parser (schema, interpolation).
# There is no Docker engine here, but `docker-compose config` needs none. Debian's
# docker-compose is installed when it is missing and we may install packages.
set -e
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's docker-compose to check docker-compose.yml..."
        apt-get update -qq >/dev/null && apt-get install -y -qq docker-compose >/dev/null
    else
        echo "check-compose needs docker-compose (apt-get install docker-compose)" >&2
        exit 1
    fi
fi
compose() {
    if command -v docker-compose >/dev/null 2>&1; then docker-compose -f docker-compose.yml "$@"
    else docker compose -f docker-compose.yml "$@"; fi
}
# No image carries staff accounts (they would ship to every deployment): no Dockerfile copies
# an agents file, nor the whole build context or a glob at its root that would take one along.
copied=$(awk 'toupper($1) == "COPY" || toupper($1) == "ADD" {
        n = 0; for (i = 2; i <= NF; i++) if ($i !~ /^--/) source[++n] = $i
        for (i = 1; i < n; i++)
            if (source[i] ~ /(^|\/)agents[^\/]*$/ || source[i] ~ /^\.\/?$/ || source[i] ~ /^[*?[]/) print FILENAME ": " $0
    }' docker/*.Dockerfile)
if [ -n "$copied" ]; then
    echo "An image must not contain an agents file (docker-compose.yml mounts the operator's):" >&2
    echo "$copied" >&2
    exit 1
fi
# What a deployment must bring: compose must refuse to start without each...
export XIAOER_INTERNAL_TOKEN=check-compose-placeholder XIAOER_SESSION_SECRET=check-compose-placeholder \
    XIAOER_AGENTS_FILE=./check-compose-placeholder-agents.yml
for needed in XIAOER_INTERNAL_TOKEN XIAOER_SESSION_SECRET XIAOER_AGENTS_FILE; do
    if (unset "$needed"; compose config -q) >/dev/null 2>&1; then
        echo "docker-compose.yml must refuse to start without $needed" >&2
        exit 1
    fi
done
# ...and be valid with them (placeholders: this only parses the file).
compose config -q
# The operator's agents file reaches the gateway read-only, where it reads it (/app/agents.yml).
if ! compose config | awk '
        /^  [a-z]/ { in_gateway = ($1 == "gateway:"); item = "" }
        in_gateway && /^    [^ ]/ { item = "" }
        in_gateway { item = item $0 "\n" }
        in_gateway && item ~ /target: \/app\/agents\.yml/ && item ~ /read_only: true/ && item ~ /type: bind/ { found = 1 }
        END { exit !found }'; then
    echo "docker-compose.yml must mount \$XIAOER_AGENTS_FILE read-only at /app/agents.yml in the gateway" >&2
    exit 1
fi
echo "docker-compose.yml is valid"
