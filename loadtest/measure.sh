# shellcheck shell=bash
# Measurement phases for loadtest/run.sh (sourced, not run): wrk (closed
# loop) or oha (open loop at a fixed rate) against the three paths in
# rotated rounds, CPU per request from /proc, per-path medians, and the
# table with the two ratios against the targets.
#
# Needs from run.sh: PATHS, URL, PROXY_PIDS, UP_PID, ROUNDS, DURATION, HERE,
# WORK, CLK_TCK, BODY, OHA, and the log/die helpers.

cpu_ticks() { # cpu_ticks PID... -> summed utime + stime in clock ticks
    local pid total=0
    for pid in "$@"; do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}

run_wrk() { # run_wrk PATH SECONDS CONNECTIONS THREADS -> prints the RESULT line
    local path=$1 seconds=$2 connections=$3 threads=$4 out
    out=$(timeout $((seconds + 60)) wrk --latency -t "$threads" -c "$connections" \
        -d "${seconds}s" --timeout 5s -s "$HERE/post.lua" "${URL[$path]}" 2>&1) ||
        die "wrk against $path failed: $out"
    printf '%s\n' "$out" >>"$WORK/wrk-$path.log"
    grep '^RESULT ' <<<"$out" | tail -n 1 || die "no RESULT line from wrk against $path"
}

# run_oha PATH SECONDS CONNECTIONS RATE -> the same RESULT line as wrk's
# post.lua prints, from oha's JSON: RATE requests/s on a fixed schedule
# whatever the answers' pace (open loop), latency measured from each
# request's scheduled start (--latency-correction), so a slow path cannot
# slow the load down and hide its queueing.
run_oha() {
    local path=$1 seconds=$2 connections=$3 rate=$4 out
    out="$WORK/oha-$path.json"
    timeout $((seconds + 60)) "$OHA" --no-tui --output-format json -z "${seconds}s" \
        -c "$connections" -q "$rate" --latency-correction -m POST \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -H 'MCP-Protocol-Version: 2025-11-25' -H "Authorization: Bearer $TASKGATE_TOKEN" \
        -d "$BODY" "${URL[$path]}" >"$out" 2>>"$WORK/oha-$path.log" ||
        die "oha against $path failed: $(tail -n 3 "$WORK/oha-$path.log")"
    jq -r '
        (.statusCodeDistribution // {}) as $codes
        # Requests still in flight when the duration ends are cut, not failed.
        | (.errorDistribution // {} | del(."aborted due to deadline")) as $errors
        | ([$codes[]] | add // 0) as $answered | ([$errors[]] | add // 0) as $failed
        | ([$codes | to_entries[] | select(.key | startswith("2") | not) | .value] | add // 0) as $non2xx
        | .latencyPercentiles as $p
        | "RESULT requests=\($answered) duration_us=\(.summary.total * 1e6 | floor)"
          + " rps=\(.summary.requestsPerSec) p50_us=\(($p.p50 // 0) * 1e6 | round)"
          + " p90_us=\(($p.p90 // 0) * 1e6 | round) p99_us=\(($p.p99 // 0) * 1e6 | round)"
          + " max_us=\((.summary.slowest // 0) * 1e6 | round) mean_us=\((.summary.average // 0) * 1e6)"
          + " non2xx=\($non2xx) connect=0 read=\($failed) write=0 timeout=0"' "$out" ||
        die "unreadable oha output for $path: $(head -c 300 "$out")"
}

field() { # field LINE NAME
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {
    if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }

verdict() { awk "BEGIN { exit !($1) }" && echo "meets" || echo "misses"; }

# Per-path medians of each phase, keyed "PHASE/PATH".
declare -A M_RPS M_P50 M_P99 M_PCPU M_UCPU M_ERR
# Per-round ratios taskgate / nginx of each phase (space-separated lists),
# keyed "PHASE": the three paths of a round run back to back, so drift
# between rounds cancels out of these.
declare -A R_LAT R_RPS

# measure_phase PHASE CONNECTIONS THREADS [RATE]: ROUNDS rounds over all
# paths, the order rotated each round so drift (thermal, other load) hits
# all alike; wrk with THREADS threads, or oha at RATE requests/s when given.
measure_phase() {
    local phase=$1 connections=$2 threads=$3 rate=${4:-} r i path line requests errors
    local proxy_before proxy_after up_before up_after proxy_cpu up_cpu
    local -A rps p50 p99 pcpu ucpu err round_rps round_p50
    for ((r = 0; r < ROUNDS; r++)); do
        for ((i = 0; i < ${#PATHS[@]}; i++)); do
            path=${PATHS[$(((i + r) % ${#PATHS[@]}))]}
            log "$phase round $((r + 1))/$ROUNDS: $path (${DURATION}s, $connections connections, ${rate:+$rate req/s}${rate:-$threads threads})"
            # shellcheck disable=SC2086 # word splitting of the pid lists is intended
            proxy_before=$(cpu_ticks ${PROXY_PIDS[$path]}) up_before=$(cpu_ticks "$UP_PID")
            if [[ -n $rate ]]; then
                line=$(run_oha "$path" "$DURATION" "$connections" "$rate")
            else
                line=$(run_wrk "$path" "$DURATION" "$connections" "$threads")
            fi
            # shellcheck disable=SC2086
            proxy_after=$(cpu_ticks ${PROXY_PIDS[$path]}) up_after=$(cpu_ticks "$UP_PID")
            requests=$(field "$line" requests)
            ((requests > 0)) || die "wrk completed no request against $path"
            proxy_cpu=$(calc '%.1f' "($proxy_after - $proxy_before) * 1000000 / $CLK_TCK / $requests")
            up_cpu=$(calc '%.1f' "($up_after - $up_before) * 1000000 / $CLK_TCK / $requests")
            line+=" proxy_cpu_us_per_req=$proxy_cpu upstream_cpu_us_per_req=$up_cpu"
            rps[$path]+="$(field "$line" rps) "
            round_rps[$path]=$(field "$line" rps) round_p50[$path]=$(field "$line" p50_us)
            p50[$path]+="$(field "$line" p50_us) "
            p99[$path]+="$(field "$line" p99_us) "
            pcpu[$path]+="$proxy_cpu "
            ucpu[$path]+="$up_cpu "
            errors=$(($(field "$line" non2xx) + $(field "$line" connect) + $(field "$line" read) +
                $(field "$line" write) + $(field "$line" timeout)))
            err[$path]=$((${err[$path]:-0} + errors))
            printf '%s %s round=%d %s\n' "$phase" "$path" $((r + 1)) "${line#RESULT }" >>"$WORK/rounds.txt"
            log "  $(printf '%.0f req/s, p50 %s us, p99 %s us, errors %s, CPU/request: proxy %s us, upstream %s us' \
                "$(field "$line" rps)" "$(field "$line" p50_us)" "$(field "$line" p99_us)" "$errors" \
                "$proxy_cpu" "$up_cpu")"
        done
        R_RPS[$phase]+="$(calc '%.3f' "${round_rps[taskgate]} / ${round_rps[nginx]}") "
        if awk "BEGIN { exit !(${round_p50[nginx]} > ${round_p50[direct]}) }"; then
            R_LAT[$phase]+="$(calc '%.3f' "(${round_p50[taskgate]} - ${round_p50[direct]}) / (${round_p50[nginx]} - ${round_p50[direct]})") "
        fi
    done
    for path in "${PATHS[@]}"; do
        M_RPS[$phase/$path]=$(median "${rps[$path]}")
        M_P50[$phase/$path]=$(median "${p50[$path]}")
        M_P99[$phase/$path]=$(median "${p99[$path]}")
        M_PCPU[$phase/$path]=$(median "${pcpu[$path]}")
        M_UCPU[$phase/$path]=$(median "${ucpu[$path]}")
        M_ERR[$phase/$path]=${err[$path]}
    done
}

# phase_table PHASE [latency]: the Markdown table of one phase and its ratio
# lines; with "latency", no throughput ratio (one request in flight makes
# requests/s a round-trip figure, not a capacity).
phase_table() {
    local phase=$1 only=${2:-} path pcpu added ng_added tg_added rps_ratio lat_ratio lat_verdict
    ng_added=$(calc '%.0f' "${M_P50[$phase/nginx]} - ${M_P50[$phase/direct]}")
    tg_added=$(calc '%.0f' "${M_P50[$phase/taskgate]} - ${M_P50[$phase/direct]}")
    rps_ratio=$(calc '%.3f' "${M_RPS[$phase/taskgate]} / ${M_RPS[$phase/nginx]}")
    if ((ng_added > 0)); then
        lat_ratio=$(calc '%.3f' "$tg_added / $ng_added")
        lat_verdict=$(verdict "$tg_added <= 1.5 * $ng_added")
    else
        lat_ratio="n/a (nginx added no p50 latency)"
        lat_verdict="n/a"
    fi
    printf '| path | requests/s | p50 (us) | p99 (us) | added p50 over direct (us) | proxy CPU per request (us) | upstream CPU per request (us) | errors |\n'
    printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    for path in "${PATHS[@]}"; do
        pcpu=${M_PCPU[$phase/$path]} added=$(calc '%.0f' "${M_P50[$phase/$path]} - ${M_P50[$phase/direct]}")
        [[ $path == direct ]] && pcpu="-" added="-"
        printf '| %s | %.0f | %.0f | %.0f | %s | %s | %s | %s |\n' "$path" "${M_RPS[$phase/$path]}" \
            "${M_P50[$phase/$path]}" "${M_P99[$phase/$path]}" "$added" "$pcpu" \
            "${M_UCPU[$phase/$path]}" "${M_ERR[$phase/$path]}"
    done
    printf '\n'
    if [[ $only != latency ]]; then
        printf -- '- throughput ratio taskgate / nginx: **%s** (target >= 0.80: %s)\n' "$rps_ratio" \
            "$(verdict "${M_RPS[$phase/taskgate]} >= 0.8 * ${M_RPS[$phase/nginx]}")"
    fi
    printf -- '- added p50 ratio taskgate / nginx: **%s** (%s us vs %s us; target <= 1.50: %s)\n' \
        "$lat_ratio" "$tg_added" "$ng_added" "$lat_verdict"
    printf -- '- the same ratios round by round (the paths of one round run back to back): added p50 %s' \
        "$(spread "${R_LAT[$phase]:-}")"
    if [[ $only != latency ]]; then
        printf '; throughput %s' "$(spread "${R_RPS[$phase]}")"
    fi
    printf '\n'
}

# spread "X Y Z ..." -> "median M (min A, max B; n rounds)", or "n/a"
spread() {
    local values=$1 n
    n=$(wc -w <<<"$values")
    ((n > 0)) || { echo "n/a"; return; }
    printf 'median %s (min %s, max %s; %s rounds)' "$(calc '%.3f' "$(median "$values")")" \
        "$(tr ' ' '\n' <<<"$values" | grep . | sort -g | head -n 1)" \
        "$(tr ' ' '\n' <<<"$values" | grep . | sort -g | tail -n 1)" "$n"
}
