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
# Secrets a deployment must bring: compose must refuse to start without each...
export XIAOER_INTERNAL_TOKEN=check-compose-placeholder XIAOER_SESSION_SECRET=check-compose-placeholder
for secret in XIAOER_INTERNAL_TOKEN XIAOER_SESSION_SECRET; do
    if (unset "$secret"; compose config -q) >/dev/null 2>&1; then
        echo "docker-compose.yml must refuse to start without $secret" >&2
        exit 1
    fi
done
# ...and be valid with them (placeholders: this only parses the file).
compose config -q
echo "docker-compose.yml is valid"
