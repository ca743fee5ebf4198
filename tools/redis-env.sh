#!/bin/sh
# Split REDIS_URL into the REDIS_HOST, REDIS_PORT and REDIS_DB that Rasa's endpoints use.
# Usage: eval "$(tools/redis-env.sh)"
url=${REDIS_URL:-redis://127.0.0.1:6379/0}
rest=${url#*://}; rest=${rest#*@}
hostport=${rest%%/*}; db=${rest#*/}; [ "$db" = "$rest" ] && db=0
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=6379
echo "export REDIS_HOST=$host REDIS_PORT=$port REDIS_DB=${db:-0}"
