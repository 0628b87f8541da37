-- wrk script: every request is the same small MCP `tools/call` of the demo
-- server's `echo` tool, sent as a stateless JSON request (no Mcp-Session-Id),
-- so the upstream answers with a single `application/json` body.
--
-- The same bytes go to every path (direct, nginx, taskgate): the bearer
-- token from $TASKGATE_TOKEN is sent everywhere; the upstream ignores it,
-- nginx forwards it, taskgate verifies it.
--
-- done() prints one machine-readable line that loadtest/run.sh parses:
--   RESULT requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N ...

local token = os.getenv("TASKGATE_TOKEN")

wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call",'
    .. '"params":{"name":"echo","arguments":{"text":"hello"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
if token ~= nil and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%.0f p90_us=%.0f "
            .. "p99_us=%.0f max_us=%.0f mean_us=%.1f non2xx=%d connect=%d "
            .. "read=%d write=%d timeout=%d\n",
        summary.requests, summary.duration, summary.requests / seconds,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency.max, latency.mean, e.status, e.connect, e.read, e.write,
        e.timeout))
end
