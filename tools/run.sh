#!/usr/bin/env bash
# `make run`: start Rasa, the action server and the gateway under honcho; Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

export PORT=${PORT:-8000} GATEWAY_PORT=${PORT:-8000} RASA_PORT=${RASA_PORT:-5005} ACTIONS_PORT=${ACTIONS_PORT:-5055}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export XIAOER_KEY_PREFIX=${XIAOER_KEY_PREFIX:-xiaoer}
# Rasa keeps a tracker as long as the gateway keeps the conversation (shop.yml's retention_days);
# a broken shop stops here with its file, line and problem.
XIAOER_TRACKER_TTL_S=$(.venv/bin/python -m tools.retention_seconds)
export XIAOER_TRACKER_TTL_S
eval "$(tools/redis-env.sh)"
if tools/ensure-redis.sh 2>/dev/null; then
    export XIAOER_STORE=redis RASA_ENDPOINTS=endpoints.yml
    echo "Store: Redis at $REDIS_URL"
else
    export XIAOER_STORE=memory RASA_ENDPOINTS=endpoints.memory.yml
    echo "Store: Redis is not reachable at $REDIS_URL, so conversations are kept in memory"
    echo "       for this demo and are lost when it stops."
fi
export RASA_URL=http://127.0.0.1:$RASA_PORT
export ACTION_ENDPOINT_URL=http://127.0.0.1:$ACTIONS_PORT/webhook
export NLG_URL=http://127.0.0.1:$PORT/nlg
# Rasa's API and the gateway's /nlg answer only each other: a fresh token for each run.
export XIAOER_INTERNAL_TOKEN=${XIAOER_INTERNAL_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# A local demo signs order webhooks with this unless you set your own (tools/demo_orders.py).
export XIAOER_WEBHOOK_SECRET=${XIAOER_WEBHOOK_SECRET:-local-demo-secret}
# Who may sign in at /agent and /trainer: XIAOER_AGENTS_FILE, else your agents.yml (not in git;
# python -m bot.staff.people add), else the demo logins of agents.demo.yml, which only a local
# demo accepts (a production gateway refuses their published passwords).
if [ -z "${XIAOER_AGENTS_FILE:-}" ]; then
    if [ -f agents.yml ]; then XIAOER_AGENTS_FILE=agents.yml; else XIAOER_AGENTS_FILE=agents.demo.yml; fi
fi
export XIAOER_AGENTS_FILE
if [ "$XIAOER_AGENTS_FILE" = agents.demo.yml ]; then
    echo "Staff: no agents.yml, so the demo logins of agents.demo.yml (this local demo only):"
else
    echo "Staff: $XIAOER_AGENTS_FILE"
fi
.venv/bin/python -m bot.staff.people list --file "$XIAOER_AGENTS_FILE"

# Say when the whole bot answers, and how long it took.
(
    for _ in $(seq 1 180); do
        if curl -fs "http://127.0.0.1:$PORT/health" 2>/dev/null | grep -q '"rasa_ok":true'; then
            echo
            echo "Xiaoer is ready after $(( $(date +%s) - started )) s:"
            echo "  demo shop page  http://localhost:$PORT/          (the chat bubble, embedded as a shop would)"
            echo "  buyer chat      http://localhost:$PORT/chat      (the same chat, full page)"
            echo "  agent console   http://localhost:$PORT/agent     (staff logins: see \"Staff:\" above)"
            echo "  trainer bench   http://localhost:$PORT/trainer"
            echo "  API             POST http://localhost:$PORT/api/conversations/{id}/messages"
            echo "Ctrl-C stops everything."
            exit 0
        fi
        sleep 1
    done
    echo "Xiaoer did not become ready within 180 s; see the logs above." >&2
) &
watcher=$!
trap 'kill $watcher 2>/dev/null || true' EXIT

.venv/bin/honcho -f Procfile start
