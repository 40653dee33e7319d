# Shared helpers for scripts/bench and scripts/scaling (sourced, not run).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
BENCH_VENV="$ROOT/.bench-venv"
BENCH_LOGDIR="${BENCH_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/fasterapi-bench.XXXXXX")}"

blog() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
bdie() { blog "error: $*"; exit 1; }

# Process groups of every server we started; all are killed on exit.
SERVER_PGIDS=()

# group_alive PGID: any live (non-zombie) process left in the group?
group_alive() {
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
# pid_alive PID: running and not a zombie
pid_alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$st" ] && [[ "$st" != Z* ]]
}

# stop_server PGID: SIGTERM the whole group, SIGKILL after a few seconds.
stop_server() {
    local pg="$1" i
    kill -TERM -- "-$pg" 2>/dev/null || true
    for i in $(seq 1 50); do
        group_alive "$pg" || break
        sleep 0.1
    done
    if group_alive "$pg"; then
        blog "process group $pg ignored SIGTERM; killing"
        kill -KILL -- "-$pg" 2>/dev/null || true
        sleep 0.2
    fi
    wait "$pg" 2>/dev/null || true
    local keep=() p
    for p in "${SERVER_PGIDS[@]}"; do [ "$p" = "$pg" ] || keep+=("$p"); done
    SERVER_PGIDS=("${keep[@]}")
}

stop_all_servers() {
    local pg
    for pg in "${SERVER_PGIDS[@]}"; do
        stop_server "$pg"
    done
}
trap 'stop_all_servers' EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 - 2>/dev/null <<'PY' || echo $(( 20000 + RANDOM % 20000 ))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# start_server NAME LOGFILE CMD...: runs CMD in its own process group (setsid), sets
# STARTED_PGID.  Call as a plain command (not in $(...)) so SERVER_PGIDS is kept.
start_server() {
    local name="$1" logf="$2"; shift 2
    local pidf="$logf.pid" i
    rm -f "$pidf"
    # setsid forks when the caller leads a process group (job control on), so $! is not
    # reliable: the child records its own pid, which is its session and group id.
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >"$logf" 2>&1 </dev/null &
    for i in $(seq 1 100); do [ -s "$pidf" ] && break; sleep 0.05; done
    [ -s "$pidf" ] || bdie "could not start $name"
    STARTED_PGID=$(cat "$pidf")
    SERVER_PGIDS+=("$STARTED_PGID")
    blog "started $name (pid $STARTED_PGID): $*"
}

# wait_ready URL PGID LOGFILE [TIMEOUT_S]
wait_ready() {
    local url="$1" pg="$2" logf="$3" timeout="${4:-60}" i
    for i in $(seq 1 $(( timeout * 10 ))); do
        if curl -fs -o /dev/null --max-time 1 "$url"; then return 0; fi
        if ! pid_alive "$pg"; then
            blog "server exited before becoming ready; log:"; tail -n 30 "$logf" >&2; return 1
        fi
        sleep 0.1
    done
    blog "server not ready after ${timeout}s; log:"; tail -n 30 "$logf" >&2
    return 1
}

# run_wrk OUTFILE WRK-ARGS...: runs wrk (pinned to $WRK_CPU when the caller sets it),
# keeps its output in OUTFILE.
run_wrk() {
    local out="$1"; shift
    local pin=()
    [ -z "${WRK_CPU:-}" ] || pin=(taskset -c "$WRK_CPU")
    "${pin[@]}" wrk "$@" >"$out" 2>&1 || { blog "wrk failed:"; cat "$out" >&2; return 1; }
}

# wrk_rps FILE / wrk_p99 FILE / wrk_errors FILE
wrk_rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
wrk_p99() { awk '$1 == "99%" { print $2 }' "$1"; }
wrk_errors() {
    awk '/Non-2xx or 3xx responses:/ { n += $NF }
         /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
         END { print n + 0 }' "$1"
}

# The interpreter .venv was made with (bench venvs must use the same one).
venv_base_python() {
    "$VENV/bin/python" -c 'import os, sys; print(os.path.realpath(sys._base_executable))'
}

# ensure_bench_venv: .bench-venv on the same interpreter as .venv (recreated when that
# changes), so every framework is measured on the same CPython. Sets BPY.
ensure_bench_venv() {
    local base
    base=$(venv_base_python)
    if [ -d "$BENCH_VENV" ] && [ "$(cat "$BENCH_VENV/.base-python" 2>/dev/null || true)" != "$base" ]; then
        blog "recreating .bench-venv (different base python)"
        rm -rf "$BENCH_VENV"
    fi
    if [ ! -x "$BENCH_VENV/bin/python" ]; then
        blog "creating .bench-venv with $base"
        "$base" -m venv "$BENCH_VENV"
        printf '%s\n' "$base" >"$BENCH_VENV/.base-python"
    fi
    BPY="$BENCH_VENV/bin/python"
}
