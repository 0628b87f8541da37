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
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
    SCALE,
    STEP_TIMEOUT_MS,
    createTransport,
    describeInitialize,
    finish,
    logTransportErrors,
    sdkVersion,
    startClient,
    terminateAndClose
} from './lib/client_common.mjs';

const WHOLE_RUN_TIMEOUT_MS = 20_000 * SCALE;
const LATE_LOG_WAIT_MS = 3_000 * SCALE;

const { url, token, fail, step } = startClient({ prog: 'ts_client', wholeRunTimeoutMs: WHOLE_RUN_TIMEOUT_MS });

async function main() {
    const { transport, deleteStatuses } = createTransport(url, token);
    const client = new Client({ name: 'taskgate-interop-ts-client', version: '1.0.0' });
    const markTerminating = logTransportErrors(client, 'ts_client');

    const logs = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, notification => {
        const { level, logger, data } = notification.params;
        logs.push({ level, logger, data });
    });

    const transcript = { client: 'ts', sdk: `@modelcontextprotocol/sdk@${sdkVersion}` };
    const reqOpts = { timeout: STEP_TIMEOUT_MS };

    await step('initialize', client.connect(transport, reqOpts));
    transcript.initialize = describeInitialize(client, transport);

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

    transcript.terminate = await terminateAndClose({ client, transport, deleteStatuses, step, markTerminating });
    return transcript;
}

finish(main, fail);
