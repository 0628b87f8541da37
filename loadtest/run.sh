#!/usr/bin/env bash
# End-to-end overhead of taskgate, measured against nginx as a plain reverse
# proxy and against the upstream directly, in one run. See loadtest/README.md.
#
#   loadtest/run.sh                       # 5 rounds x 3 paths x 10 s, three
#                                         # times: saturated, a fixed rate,
#                                         # then one request in flight
#   DURATION=5 ROUNDS=1 loadtest/run.sh   # quick look
#
# Settings (environment):
#   DURATION=10        seconds of wrk per path per round
#   CONNECTIONS=32     wrk connections (closed loop: one request in flight each)
#   THREADS=2          wrk threads
#   ROUNDS=5           rounds; each round runs all three paths, order rotated
#   WARMUP=3           seconds of wrk per path before the first round
#   FIXED_RATE=auto    after the saturated phase, the same rounds open loop
#                      at one rate for all three paths (oha -q, latency
#                      corrected); auto: 40 % of the slowest path's
#                      saturated throughput; N: N req/s; 0 skips it
#   ONE_IN_FLIGHT=1    after those, the same rounds with one
#                      connection (per-hop latency, no queueing); 0 skips it
#   PROXY_WORKERS=N    nginx worker_processes AND taskgate's serving threads
#                      (TOKIO_WORKER_THREADS; default: nproc, i.e. nginx
#                      "auto" and taskgate's own default); the same number
#                      for both proxies
#   SKIP_BUILD=1       use target/release/taskgate as it is
#   SKIP_INSTALL=1     do not install nginx/wrk (apt) or oha (cargo) when missing
#
# Writes loadtest/out/results.md; process logs go to loadtest/out/work/.
# Only 127.0.0.1 is used. Every process started here is stopped on exit.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT="$HERE/out"
WORK="$OUT/work"

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-3}
ONE_IN_FLIGHT=${ONE_IN_FLIGHT:-1}
FIXED_RATE=${FIXED_RATE:-auto}
OHA_VERSION=1.15.0
PROXY_WORKERS=${PROXY_WORKERS:-$(nproc)}
BIN="$ROOT/target/release/taskgate"
PATHS=(direct nginx taskgate)

log() { printf '[loadtest] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for v in DURATION CONNECTIONS THREADS ROUNDS WARMUP ONE_IN_FLIGHT PROXY_WORKERS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
[[ $FIXED_RATE == auto || $FIXED_RATE =~ ^[0-9]+$ ]] ||
    die "FIXED_RATE must be auto or a whole number (got '$FIXED_RATE')"
((ROUNDS >= 1 && DURATION >= 1 && CONNECTIONS >= THREADS && PROXY_WORKERS >= 1)) ||
    die "need ROUNDS>=1, DURATION>=1, CONNECTIONS>=THREADS, PROXY_WORKERS>=1"

# --- processes: started in the background, all stopped on exit --------------

PIDS=()
cleanup() {
    local rc=$? pid children=()
    trap - EXIT INT TERM
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        # nginx's workers are children of its master: remember them too.
        while read -r child; do children+=("$child"); done < <(pgrep -P "$pid" 2>/dev/null || true)
        kill -TERM "$pid" 2>/dev/null || true
    done
    local all=(${PIDS[@]+"${PIDS[@]}"} ${children[@]+"${children[@]}"})
    for _ in $(seq 50); do
        local alive=0
        for pid in ${all[@]+"${all[@]}"}; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in ${all[@]+"${all[@]}"}; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
    if ((rc != 0)); then
        log "failed (exit $rc); process logs are in $WORK"
        for f in "$WORK"/{upstream,nginx,taskgate}.log "$WORK/nginx/error.log"; do
            [[ -s $f ]] || continue
            log "--- tail of $f"
            tail -n 15 "$f" >&2 || true
        done
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ---------------------------------------------------------

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    [[ ${SKIP_INSTALL:-} == 1 ]] && die "nginx and wrk are needed (apt-get install -y nginx wrk)"
    ((EUID == 0)) || die "nginx/wrk missing and not root: apt-get install -y nginx wrk"
    log "installing nginx and wrk"
    timeout 600 apt-get update -qq
    # Debian's postinst may try to start the system nginx on :80; a policy
    # script that forbids service starts keeps the machine as it was.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq nginx wrk >&2 || {
            rm -f "$policy"
            die "apt-get install failed"
        }
        rm -f "$policy"
    else
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq nginx wrk >&2
    fi
fi
for tool in curl nginx wrk awk timeout pgrep jq; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done

# oha, pinned, for the fixed-rate phase: from PATH, or built once into
# loadtest/out/tools (cargo; native TLS, so no cmake is needed).
OHA=$(command -v oha || echo "$OUT/tools/bin/oha")
if [[ $FIXED_RATE != 0 && ! -x $OHA ]]; then
    [[ ${SKIP_INSTALL:-} == 1 ]] && die "oha is needed for the fixed-rate phase (or FIXED_RATE=0)"
    if ! pkg-config --exists openssl 2>/dev/null; then
        ((EUID == 0)) || die "oha needs libssl-dev and pkg-config to build: apt-get install -y libssl-dev pkg-config"
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq libssl-dev pkg-config >&2
    fi
    log "building oha $OHA_VERSION into $OUT/tools (bounded to 20 min)"
    CARGO_TARGET_DIR="$OUT/tools/target" timeout 1200 cargo install oha --version "$OHA_VERSION" \
        --locked --no-default-features --features native-tls --root "$OUT/tools" >&2 ||
        die "cargo install oha failed"
fi

if [[ ${SKIP_BUILD:-} != 1 ]]; then
    log "cargo build --release (bounded to 40 min)"
    (cd "$ROOT" && timeout 2400 cargo build --release --bin taskgate >&2)
fi
[[ -x $BIN ]] || die "$BIN not found (build it, or unset SKIP_BUILD)"

rm -rf "$WORK"
mkdir -p "$WORK/nginx"

# --- ports -----------------------------------------------------------------

TAKEN=" "
free_port() { # free_port VAR: sets VAR to a loopback port nobody listens on
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 40000))
        [[ $TAKEN == *" $port "* ]] && continue
        # Nothing answering on 127.0.0.1:port means it is free to bind.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            TAKEN+="$port "
            printf -v "$1" '%s' "$port"
            return 0
        fi
    done
    die "no free loopback port found"
}
free_port UP_PORT
free_port NGINX_PORT
free_port TG_PORT

declare -A URL=(
    [direct]="http://127.0.0.1:$UP_PORT/mcp"
    [nginx]="http://127.0.0.1:$NGINX_PORT/mcp"
    [taskgate]="http://127.0.0.1:$TG_PORT/mcp"
)

# --- issuer and token ------------------------------------------------------

ISSUER="https://loadtest-issuer.taskgate.local"
AUDIENCE="${URL[taskgate]}"
"$BIN" --log-level warn dev-issuer init --dir "$WORK/issuer" --issuer "$ISSUER" >"$WORK/issuer.log" 2>&1 ||
    die "dev-issuer init failed"
TASKGATE_TOKEN=$("$BIN" --log-level warn dev-issuer token --dir "$WORK/issuer" \
    --sub alice --aud "$AUDIENCE" --tenant acme --client loadtest --ttl 2h 2>>"$WORK/issuer.log") ||
    die "dev-issuer token failed"
[[ $TASKGATE_TOKEN == *.*.* ]] || die "dev-issuer token printed no JWT"
export TASKGATE_TOKEN

# --- start the three servers -----------------------------------------------

log "upstream on :$UP_PORT, nginx on :$NGINX_PORT, taskgate on :$TG_PORT (proxy workers: $PROXY_WORKERS)"

# The upstream keeps tokio's default (one worker per core) in every
# configuration: it is the same process behind all three paths.
"$BIN" --log-level warn demo --upstream-only --listen "127.0.0.1:$UP_PORT" \
    >"$WORK/upstream.log" 2>&1 &
UP_PID=$!
PIDS+=("$UP_PID")

sed -e "s|@WORKERS@|$PROXY_WORKERS|" -e "s|@PREFIX@|$WORK/nginx|g" \
    -e "s|@UPSTREAM_PORT@|$UP_PORT|" -e "s|@LISTEN_PORT@|$NGINX_PORT|" \
    "$HERE/nginx.conf.template" >"$WORK/nginx/nginx.conf"
nginx -t -q -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
    >"$WORK/nginx.log" 2>&1 || die "nginx -t rejected the config: $(cat "$WORK/nginx.log")"
nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' \
    >"$WORK/nginx.log" 2>&1 &
NG_PID=$!
PIDS+=("$NG_PID")

TOKIO_WORKER_THREADS=$PROXY_WORKERS "$BIN" --log-level warn serve \
    --listen "127.0.0.1:$TG_PORT" --upstream "${URL[direct]}" \
    --issuer "$ISSUER" --audience "$AUDIENCE" --jwks-file "$WORK/issuer/jwks.json" \
    >"$WORK/taskgate.log" 2>&1 &
TG_PID=$!
PIDS+=("$TG_PID")

BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}'
probe() { # probe URL OUTFILE [extra curl args...] -> prints the HTTP status
    local url=$1 out=$2
    shift 2
    curl -sS -m 5 -o "$out" -w '%{http_code}' -X POST "$url" \
        -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -H 'MCP-Protocol-Version: 2025-11-25' \
        "$@" --data "$BODY" 2>/dev/null || true
}

for path in "${PATHS[@]}"; do
    ready=0
    for _ in $(seq 300); do # 30 s
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null || die "a server exited early (pid $pid)"
        done
        status=$(probe "${URL[$path]}" /dev/null -H "Authorization: Bearer $TASKGATE_TOKEN")
        if [[ $status == 200 ]]; then
            ready=1
            break
        fi
        sleep 0.1
    done
    ((ready)) || die "$path (${URL[$path]}) not ready after 30 s (last HTTP status: ${status:-none})"
done

# --- correctness probes ----------------------------------------------------

for path in "${PATHS[@]}"; do
    status=$(probe "${URL[$path]}" "$WORK/probe-$path.out" -H "Authorization: Bearer $TASKGATE_TOKEN")
    [[ $status == 200 ]] || die "$path probe: HTTP $status: $(head -c 400 "$WORK/probe-$path.out")"
    grep -q '"hello"' "$WORK/probe-$path.out" ||
        die "$path probe: echoed text missing from: $(head -c 400 "$WORK/probe-$path.out")"
    log "probe $path: HTTP 200, echo ok"
done
# Authentication really is on: no token, no service.
status=$(probe "${URL[taskgate]}" "$WORK/probe-noauth.out")
[[ $status == 401 ]] || die "taskgate without a token answered HTTP $status (expected 401)"
log "probe taskgate without a token: HTTP 401, as it should"

# --- measurement -----------------------------------------------------------

# CPU time (user + system, all threads) per request of the proxy and of the
# upstream, from /proc: the proxy's own cost, independent of who else on the
# box competes for the cores.
CLK_TCK=$(getconf CLK_TCK)
NG_WORKERS=$(pgrep -P "$NG_PID" | tr '\n' ' ')
[[ -n $NG_WORKERS ]] || die "no nginx worker processes found"
declare -A PROXY_PIDS=([direct]="" [nginx]="$NG_PID $NG_WORKERS" [taskgate]="$TG_PID")
# shellcheck source=loadtest/measure.sh
source "$HERE/measure.sh"

cpu_busy() { # percentage of all cores busy over the next 2 s, from /proc/stat
    local a b
    a=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat)
    sleep 2
    b=$(awk '/^cpu / { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
        t = y[1] - x[1]; printf "%.0f", (t > 0 ? 100 - 100 * (y[2] - x[2]) / t : 0) }'
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_BEFORE=$(cpu_busy)
if ((BUSY_BEFORE > 20)); then
    log "WARNING: the machine is already ${BUSY_BEFORE}% busy with other work (all servers here idle);"
    log "         it competes for the same cores, so the figures will be noisy"
fi
if ((WARMUP > 0)); then
    for path in "${PATHS[@]}"; do
        log "warm-up $path (${WARMUP}s)"
        run_wrk "$path" "$WARMUP" "$CONNECTIONS" "$THREADS" >/dev/null
    done
fi

measure_phase saturated "$CONNECTIONS" "$THREADS"
RATE=$FIXED_RATE
if [[ $RATE == auto ]]; then
    # 40 % of the slowest path's capacity, in whole thousands: every path
    # keeps up, and the box is busy enough for queueing to show.
    RATE=$(for path in "${PATHS[@]}"; do echo "${M_RPS[saturated/$path]}"; done |
        sort -g | head -n 1 | awk '{ r = int($1 * 0.4 / 1000) * 1000; print (r < 1000 ? 1000 : r) }')
fi
if ((RATE > 0)); then
    measure_phase fixed-rate "$CONNECTIONS" "$THREADS" "$RATE"
    for path in "${PATHS[@]}"; do
        awk "BEGIN { exit !(${M_RPS[fixed-rate/$path]} < 0.95 * $RATE) }" &&
            log "WARNING: $path did not keep up with $RATE req/s (${M_RPS[fixed-rate/$path]}): its latencies include a growing backlog"
    done
fi
if ((ONE_IN_FLIGHT)); then
    measure_phase one-in-flight 1 1
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_AFTER=$(cpu_busy)

# --- report ----------------------------------------------------------------

TABLE=$(
    printf '### Saturated: %s connections, %s threads\n\n' "$CONNECTIONS" "$THREADS"
    phase_table saturated
    if ((RATE > 0)); then
        printf '\n### Fixed rate: %s requests/s, open loop, %s connections\n\n' "$RATE" "$CONNECTIONS"
        phase_table fixed-rate latency
    fi
    if ((ONE_IN_FLIGHT)); then
        printf '\n### One request in flight: 1 connection, 1 thread\n\n'
        phase_table one-in-flight latency
    fi
)

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NGINX_VERSION=$(nginx -v 2>&1)
WRK_VERSION=$({ wrk -v 2>&1 || true; } | head -n 1 | sed 's/ Copyright.*//')
TG_VERSION=$("$BIN" --version)
GIT_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=""
if [[ -n $(cd "$ROOT" && git status --porcelain 2>/dev/null || true) ]]; then
    GIT_DIRTY=" (with uncommitted changes in the work tree)"
fi
CMD="DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS ROUNDS=$ROUNDS WARMUP=$WARMUP FIXED_RATE=$FIXED_RATE ONE_IN_FLIGHT=$ONE_IN_FLIGHT PROXY_WORKERS=$PROXY_WORKERS loadtest/run.sh"

mkdir -p "$OUT"
# shellcheck disable=SC2016 # the backquotes are Markdown
{
    printf '# taskgate overhead: direct vs nginx vs taskgate\n\n'
    printf 'Run %s, `%s`.\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$CMD"
    printf '## Machine\n\n'
    printf -- '- cores (nproc): %s\n- CPU: %s\n- kernel: %s\n' "$(nproc)" "$CPU" "$(uname -sr)"
    printf -- '- other work on the box: %s%% CPU busy just before measuring, %s%% just after (our servers idle); load average (1/5/15 min) before: %s, after: %s\n\n' \
        "$BUSY_BEFORE" "$BUSY_AFTER" "$LOAD_BEFORE" "$LOAD_AFTER"
    printf '## Versions\n\n'
    printf -- '- %s\n- %s\n- %s (commit %s%s)\n\n' "$NGINX_VERSION" "$WRK_VERSION" "$TG_VERSION" "$GIT_REV" "$GIT_DIRTY"
    printf '## Settings\n\n'
    printf -- '- request: MCP `tools/call` of `echo` (`{"text":"hello"}`), stateless JSON, protocol 2025-11-25, same bytes (incl. the bearer token) on every path\n'
    printf -- '- wrk: %s threads, %s connections (closed loop), %s s per path per round, %s rounds (order rotated), %s s warm-up per path; figures are per-path medians over rounds\n' \
        "$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$WARMUP"
    if ((RATE > 0)); then
        printf -- '- then the same rounds with %s (%s connections) open loop at %s requests/s on every path (%s), latency counted from each request'"'"'s scheduled start (`--latency-correction`): the same offered load for all three\n' \
            "$("$OHA" --version 2>/dev/null | head -n 1)" "$CONNECTIONS" "$RATE" \
            "$([[ $FIXED_RATE == auto ]] && echo "40 % of the slowest path's saturated throughput" || echo "FIXED_RATE")"
    fi
    if ((ONE_IN_FLIGHT)); then
        printf -- '- then the same rounds with 1 thread and 1 connection: one request in flight, so p50 is per-hop latency without queueing\n'
    fi
    printf -- '- upstream: `taskgate demo --upstream-only` (hyper, tokio default workers)\n'
    printf -- '- nginx: worker_processes %s, upstream keepalive 64, HTTP/1.1 upstream, proxy_buffering off, access_log off, keepalive_requests 1000000\n' "$PROXY_WORKERS"
    printf -- '- taskgate: `serve` sidecar flags, Ed25519 JWT verified against a JWKS file (verified-token cache warm after the first request), %s serving threads (TOKIO_WORKER_THREADS), log level warn\n' "$PROXY_WORKERS"
    printf -- '- nothing pinned: load generator, proxies and upstream share all %s cores\n\n' "$(nproc)"
    printf '## Results (medians)\n\n%s\n\n' "$TABLE"
    printf '## Every round\n\n```text\n'
    cat "$WORK/rounds.txt"
    printf '```\n'
} >"$OUT/results.md"

printf '\n%s\n\n' "$TABLE"
log "wrote $OUT/results.md"
