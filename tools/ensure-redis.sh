#!/bin/sh
# Make sure the Redis at REDIS_URL answers. On this machine's own address we start it
# with the same command the machine uses; a remote Redis we only check.
# Exit 0 when Redis answers, 1 when it does not.
url=${REDIS_URL:-redis://127.0.0.1:6379/0}
hostport=${url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=6379

answers() { redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG; }

answers && exit 0
case "$host" in
    127.0.0.1|localhost)
        if command -v redis-server >/dev/null 2>&1; then
            # the machine's own command; its folders, where they exist
            dir=/var/lib/redis; log=/var/log/redis/ci.log
            [ -d "$dir" ] && [ -d "${log%/*}" ] || { dir=/tmp/xiaoer-redis; log=$dir/redis.log; mkdir -p "$dir"; }
            redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" \
                --appendonly no --dir "$dir" --logfile "$log" >/dev/null 2>&1
            for _ in 1 2 3 4 5 6 7 8 9 10; do answers && exit 0; sleep 0.5; done
        fi ;;
esac
echo "Redis does not answer at $host:$port" >&2
exit 1
