#!/usr/bin/env node
// Interop test client for taskgate, built only from the official, unmodified TypeScript SDK
// (@modelcontextprotocol/sdk, exact pin in package.json).
//
// CLI CONTRACT
//   node tests/interop/ts_client.mjs <url> <bearer-token>
//
//   <url>           MCP endpoint, e.g. http://127.0.0.1:<port>/mcp (upstream or gateway)
//   <bearer-token>  sent as `Authorization: Bearer <bearer-token>` on every HTTP request
//                   (POST, GET stream, DELETE)
//
//   Runs one fixed scenario against a server that offers the tools of ts_server.mjs:
//     1. initialize (Client.connect)
//     2. tools/list
//     3. tools/call echo {text:"hello interop"}
//     4. tools/call add {a:2, b:40}
//     5. tools/call progress_steps {steps:3} with a progressToken (onprogress); log lines
//        are collected by a notifications/message handler
//     6. tools/call notify_later {text:"late hello"}, then waits up to 3 s for the
//        notifications/message {logger:"notify_later"} that the server sends on the
//        standalone GET SSE stream ~100 ms later
//     7. transport.terminateSession() (HTTP DELETE with Mcp-Session-Id)
//     8. client.close()
//
//   Success: exit 0, stdout = ONE JSON document (pretty-printed, object keys sorted
//   recursively, trailing newline). It holds nothing run-specific (no session ids, ports,
//   timestamps, task ids), so a direct run and a run through the gateway must produce
//   byte-identical stdout. Fields:
//     client               "ts"
//     sdk                  "@modelcontextprotocol/sdk@<version>"
//     initialize           {protocolVersion, serverName, serverVersion, capabilities:[sorted
//                           top-level capability keys], sessionIdAssigned: bool}
//     tools                [sorted tool names]
//     echo, add            the full CallToolResult objects
//     progress_steps       {result, progress:[{progress,total,message}...] in arrival order,
//                           logs:[{level,logger,data}...] received while the call ran}
//                           (both arrays are empty when the upstream runs --json-response)
//     notify_later         {result, log:{level,logger,data}}
//     terminate            {ok: true, status: <HTTP status of the DELETE>}
//   Failure (any step errors, the GET-stream log never arrives within 3 s, a step exceeds
//   10 s, or the whole run exceeds 20 s): exit 1, a message on stderr, nothing on stdout.
//   Env INTEROP_TIMEOUT_SCALE=<number> (optional, default 1) multiplies all three limits.
//   Non-fatal transport diagnostics (e.g. the GET stream being closed by the DELETE) go to
//   stderr only. Bad arguments: exit 2.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

// INTEROP_TIMEOUT_SCALE (optional, default 1) multiplies every timeout, for loaded machines.
const SCALE = Number(process.env.INTEROP_TIMEOUT_SCALE ?? '1') > 0 ? Number(process.env.INTEROP_TIMEOUT_SCALE ?? '1') : 1;
const WHOLE_RUN_TIMEOUT_MS = 20_000 * SCALE;
const STEP_TIMEOUT_MS = 10_000 * SCALE;
const LATE_LOG_WAIT_MS = 3_000 * SCALE;

function fail(msg) {
    process.stderr.write(`ts_client: FAILED: ${msg}\n`);
    process.exit(1);
}

const argv = process.argv.slice(2);
if (argv.length !== 2) {
    process.stderr.write('usage: node ts_client.mjs <url> <bearer-token>\n');
    process.exit(2);
}
const [url, token] = argv;

const watchdog = setTimeout(() => fail(`whole run exceeded ${WHOLE_RUN_TIMEOUT_MS} ms`), WHOLE_RUN_TIMEOUT_MS);
watchdog.unref();

const sdkVersion = JSON.parse(
    readFileSync(new URL('./node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url), 'utf8')
).version;

/** Recursively sort object keys so output does not depend on upstream/gateway key order. */
function canonical(value) {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
        const out = {};
        for (const k of Object.keys(value).sort()) out[k] = canonical(value[k]);
        return out;
    }
    return value;
}

const step = async (name, promise) => {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`step ${name} exceeded ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    });
    try {
        return await Promise.race([promise, timeout]);
    } catch (err) {
        // StreamableHTTPError carries the HTTP status in .code; surface it (e.g. "HTTP 401").
        const http = typeof err?.code === 'number' && err.code >= 100 && err.code < 600 ? ` (HTTP ${err.code})` : '';
        throw new Error(`step ${name}${http}: ${err?.message ?? err}`);
    } finally {
        clearTimeout(timer);
    }
};

async function main() {
    const deleteStatuses = [];
    // Wrap fetch only to observe the DELETE's HTTP status (terminateSession swallows 405).
    const observingFetch = async (input, init) => {
        const response = await fetch(input, init);
        if ((init?.method ?? 'GET').toUpperCase() === 'DELETE') deleteStatuses.push(response.status);
        return response;
    };

    const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
        fetch: observingFetch,
        // Keep reconnection attempts short so a broken GET stream cannot stall the run.
        reconnectionOptions: {
            initialReconnectionDelay: 200,
            maxReconnectionDelay: 1000,
            reconnectionDelayGrowFactor: 1.5,
            maxRetries: 2
        }
    });
    const client = new Client({ name: 'taskgate-interop-ts-client', version: '1.0.0' });
    let terminating = false;
    client.onerror = err => {
        process.stderr.write(`ts_client: transport${terminating ? ' (during terminate/close)' : ''}: ${err?.message ?? err}\n`);
    };

    const logs = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, notification => {
        const { level, logger, data } = notification.params;
        logs.push({ level, logger, data });
    });

    const transcript = { client: 'ts', sdk: `@modelcontextprotocol/sdk@${sdkVersion}` };
    const reqOpts = { timeout: STEP_TIMEOUT_MS };

    await step('initialize', client.connect(transport, reqOpts));
    const serverVersion = client.getServerVersion();
    transcript.initialize = {
        protocolVersion: transport.protocolVersion ?? null,
        serverName: serverVersion?.name ?? null,
        serverVersion: serverVersion?.version ?? null,
        capabilities: Object.keys(client.getServerCapabilities() ?? {}).sort(),
        sessionIdAssigned: typeof transport.sessionId === 'string' && transport.sessionId.length > 0
    };

    const listed = await step('tools/list', client.listTools(undefined, reqOpts));
    transcript.tools = listed.tools.map(t => t.name).sort();

    transcript.echo = await step(
        'echo',
        client.callTool({ name: 'echo', arguments: { text: 'hello interop' } }, undefined, reqOpts)
    );
    transcript.add = await step('add', client.callTool({ name: 'add', arguments: { a: 2, b: 40 } }, undefined, reqOpts));

    const progress = [];
    const logsBefore = logs.length;
    const progressResult = await step(
        'progress_steps',
        client.callTool({ name: 'progress_steps', arguments: { steps: 3 } }, undefined, {
            ...reqOpts,
            onprogress: p => progress.push({ progress: p.progress, total: p.total, message: p.message })
        })
    );
    transcript.progress_steps = { result: progressResult, progress, logs: logs.slice(logsBefore) };

    const notifyResult = await step(
        'notify_later',
        client.callTool({ name: 'notify_later', arguments: { text: 'late hello' } }, undefined, reqOpts)
    );
    const deadline = Date.now() + LATE_LOG_WAIT_MS;
    let lateLog;
    while (!(lateLog = logs.find(l => l.logger === 'notify_later'))) {
        if (Date.now() > deadline) {
            throw new Error(`notify_later: no notifications/message on the GET stream within ${LATE_LOG_WAIT_MS} ms`);
        }
        await new Promise(r => setTimeout(r, 20));
    }
    transcript.notify_later = { result: notifyResult, log: lateLog };

    terminating = true;
    await step('terminateSession', transport.terminateSession());
    transcript.terminate = { ok: true, status: deleteStatuses.length ? deleteStatuses[deleteStatuses.length - 1] : null };

    await step('close', client.close());
    return transcript;
}

main().then(
    transcript => {
        process.stdout.write(JSON.stringify(canonical(transcript), null, 2) + '\n', () => process.exit(0));
    },
    err => fail(err?.stack ?? err?.message ?? String(err))
);
