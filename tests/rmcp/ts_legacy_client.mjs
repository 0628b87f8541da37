#!/usr/bin/env node
// Legacy-era (2025-11-25) task client for the dual-era check in tests/rmcp/dual_era.rs, built only
// from the official, unmodified TypeScript SDK pinned in tests/interop (1.32.2, its experimental
// client task API). Runs against the bundled example server (taskgate_demo::upstream), here
// through the gateway.
//
//   node tests/rmcp/ts_legacy_client.mjs <url> <bearer-token>
//
// Scenario: initialize; callToolStream slow_report {topic:"legacy", seconds:0.3} as a task (ttl
// 60 s) to its result; callToolStream fail_report {topic:"legacy"} as a task to its error;
// tasks/get of both; tasks/list (all pages); terminateSession; close.
// Success: exit 0, stdout = one JSON line {protocolVersion, slow:{status, text}, failing:{status,
// code}, listed:[ids], created:[ids], seen:[every taskId in any JSON-RPC message, either way]}.
// Failure: exit 1 with `ts_legacy_client: FAILED: ...` on stderr (whole run bounded to 25 s).
import { Client } from '../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { CallToolResultSchema } from '../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/types.js';
import { createTransport, startClient, terminateAndClose } from '../interop/lib/client_common.mjs';

const { url, token, fail, step } = startClient({ prog: 'ts_legacy_client', wholeRunTimeoutMs: 25_000 });

const seen = [];
function scan(value, key) {
    if (Array.isArray(value)) value.forEach(v => scan(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) scan(v, k);
    else if (key === 'taskId' && typeof value === 'string' && !seen.includes(value)) seen.push(value);
}

async function main() {
    const { transport, deleteStatuses } = createTransport(url, token);
    transport.onmessage = message => scan(message);
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
        scan(message);
        return send(message, options);
    };
    const client = new Client({ name: 'taskgate-rmcp-dual-era-ts', version: '1.0.0' }, { capabilities: {} });
    client.onerror = err => process.stderr.write(`ts_legacy_client: transport: ${err?.message ?? err}\n`);
    const tasks = client.experimental.tasks;
    const opts = { timeout: 10_000 };
    await step('initialize', client.connect(transport, opts));

    async function run(label, params) {
        let created = null;
        let end = null;
        const stream = tasks.callToolStream(params, CallToolResultSchema, { ...opts, task: { ttl: 60_000 } });
        for await (const message of stream) {
            if (message.type === 'taskCreated') created = message.task.taskId;
            else if (message.type === 'result') end = { result: message.result };
            else if (message.type === 'error') end = { code: message.error?.code ?? null };
        }
        if (!created) throw new Error(`${label}: no taskCreated (${JSON.stringify(end)})`);
        const got = await step(`${label}.get`, tasks.getTask(created, opts));
        if (got.taskId !== created) throw new Error(`${label}: tasks/get answered for ${got.taskId}`);
        return { created, end, status: got.status };
    }

    const slow = await step('slow', run('slow', { name: 'slow_report', arguments: { topic: 'legacy', seconds: 0.3 } }));
    const failing = await step('failing', run('failing', { name: 'fail_report', arguments: { topic: 'legacy' } }));
    const listed = [];
    let cursor;
    for (let page = 0; page < 20; page++) {
        const res = await step('list', tasks.listTasks(cursor, opts));
        listed.push(...res.tasks.map(t => t.taskId));
        cursor = res.nextCursor;
        if (!cursor) break;
    }
    const markTerminating = () => {};
    await terminateAndClose({ client, transport, deleteStatuses, step, markTerminating });
    return {
        protocolVersion: transport.protocolVersion ?? null,
        slow: { status: slow.status, text: slow.end?.result?.content?.[0]?.text ?? null },
        failing: { status: failing.status, code: failing.end?.code ?? null },
        created: [slow.created, failing.created],
        listed,
        seen
    };
}

main().then(
    out => process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0)),
    err => fail(err?.stack ?? String(err))
);
