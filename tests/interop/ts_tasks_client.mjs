#!/usr/bin/env node
// Legacy (2025-11-25, experimental) TASKS interop client for taskgate, built only from the
// official, unmodified TypeScript SDK (@modelcontextprotocol/sdk, exact pin in package.json)
// and its experimental client task API (client.experimental.tasks.*).
//
// CLI CONTRACT
//   node tests/interop/ts_tasks_client.mjs <url> <bearer-token>
//
//   <url>           MCP endpoint of ts_tasks_server.mjs, directly or through the gateway
//   <bearer-token>  sent as `Authorization: Bearer <bearer-token>` on every HTTP request
//
//   Client capabilities: elicitation {form}. Fixed scenario (labels in brackets):
//     1. initialize; tools/list
//     2. [slow]    callToolStream slow_task {ms:300, text:"slow done"}, params.task {ttl:30000}:
//                  taskCreated -> polls tasks/get -> tasks/result; then tasks/get and
//                  tasks/result once more
//     3. [plain]   callTool slow_task {ms:50, text:"plain done"} WITHOUT task augmentation (the
//                  server creates and polls an internal task; the client never sees its id in
//                  the response)
//     4. [failing] callToolStream failing_task {ms:200} (the SDK stream ends with an error for a
//                  failed task); then tasks/get and tasks/result (the stored isError result)
//     5. [confirm] callToolStream confirm_task {action:"deploy"}: the server goes input_required
//                  and sends elicitation/create with related-task _meta; the client's handler
//                  answers {action:"accept", content:{confirm:true}} and echoes the request's
//                  related-task _meta in its result (spec: MUST be on the response); then
//                  tasks/get and tasks/result
//     6. [long]    callToolStream long_task; on the first "working" poll -> tasks/cancel; the
//                  stream ends with an error when it polls "cancelled"; then tasks/get,
//                  tasks/cancel again (terminal -> error) and tasks/result (no result -> error)
//     7. [unknown] tasks/get, tasks/result, tasks/cancel on the id "no-such-task" (error codes)
//     8. [page0..page7] 8 concurrent callToolStream slow_task {ms:0, text:"page <i>"} run to
//                  completion, so that this session holds 13 tasks (with the plain call's
//                  internal one) and its tasks/list needs two pages of the SDK's 10
//                  (transcript key "paging", in index order)
//     9. [list]    tasks/list, following nextCursor (at most 100 pages)
//    10. waits (at most 3 s) for the terminal notifications/tasks/status of slow, failing,
//        confirm and page0..page7 (they travel on the standalone GET stream); a missing one
//        is not fatal, it just shows in the transcript
//    11. terminateSession (DELETE), close
//
//   Success: exit 0, stdout = ONE JSON document (pretty-printed, keys sorted recursively,
//   trailing newline) with nothing run-specific, identical direct and through the gateway:
//     - every task id the client knows is replaced by "<task:LABEL>" wherever it occurs (also
//       inside strings); a value under a "taskId" key that is not a known id becomes
//       "<unknown-task-id>"; createdAt / lastUpdatedAt values become "<timestamp>".
//     - errors are recorded as {code} only (messages go to stderr, see TASK_ERRORS).
//     - idConsistency.<label>.<operation>: true when the id returned or carried by that
//       operation is exactly the id from the CreateTaskResult.
//     - notifications.<label>: statuses of notifications/tasks/status for that task, in
//       arrival order.
//     - list.<label>: {present, status} of each own task in the (all-pages) tasks/list;
//       other tasks (another session's under --shared-tasks, the plain call's internal task)
//       are not recorded.
//   Ids are NOT in the transcript (a raw upstream id and a gateway handle necessarily differ
//   in shape). Instead, stderr gets these lines (each exactly once, each a single line):
//     TASK_IDS <json array>          every distinct task id seen in any JSON-RPC message in
//                                    either direction (any "taskId" value, incl. related-task
//                                    _meta, tasks/list entries, notifications), first-seen order,
//                                    without the [unknown] probe id "no-such-task"
//     TASK_ID_SHAPES <json object>   id -> {prefix: first 4 chars, len, len_class:
//                                    "short" (<= 32) | "long"}
//     TASK_CURSORS <json array>      every "cursor"/"nextCursor" value seen (the SDK's
//                                    InMemoryTaskStore uses a raw task id as cursor)
//     TASK_ERRORS <json object>      step -> {code, message} of the error responses
//   Failure (a step errors unexpectedly, a step exceeds 10 s, the whole run exceeds 25 s):
//   exit 1, `ts_tasks_client: FAILED: ...` on stderr, nothing on stdout.
//   Env INTEROP_TIMEOUT_SCALE=<number> (default 1) multiplies all limits; INTEROP_DEBUG=1 adds
//   per-step timings on stderr. Bad arguments: exit 2.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
    CallToolResultSchema,
    ElicitRequestSchema,
    RELATED_TASK_META_KEY,
    TaskStatusNotificationSchema
} from '@modelcontextprotocol/sdk/types.js';
import {
    SCALE,
    STEP_TIMEOUT_MS,
    canonical,
    createTransport,
    describeInitialize,
    finish,
    logTransportErrors,
    sdkVersion,
    startClient,
    terminateAndClose
} from './lib/client_common.mjs';

const WHOLE_RUN_TIMEOUT_MS = 25_000 * SCALE;
const NOTIFICATION_WAIT_MS = 3_000 * SCALE;
const TASK_TTL_MS = 30_000;
const UNKNOWN_ID = 'no-such-task';
const PAGING_TASKS = 8;

const { url, token, fail, step, withTimeout, DEBUG, T0 } = startClient({
    prog: 'ts_tasks_client',
    wholeRunTimeoutMs: WHOLE_RUN_TIMEOUT_MS,
    debug: true
});

// ---- task id bookkeeping -------------------------------------------------------------
/** label -> task id (from the CreateTaskResult) */
const known = new Map();
/** every task id seen on the wire, first-seen order */
const seenIds = [];
const seenCursors = [];
const errors = {};

function scanWire(value, parentKey) {
    if (Array.isArray(value)) {
        for (const v of value) scanWire(v, parentKey);
    } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) scanWire(v, k);
    } else if (typeof value === 'string') {
        // The [unknown] probe id is the client's own invention, not an id it was given.
        if (parentKey === 'taskId' && value !== UNKNOWN_ID && !seenIds.includes(value)) seenIds.push(value);
        if ((parentKey === 'nextCursor' || parentKey === 'cursor') && !seenCursors.includes(value)) seenCursors.push(value);
    }
}

function labelOf(id) {
    for (const [label, known_id] of known) if (known_id === id) return label;
    return null;
}

/** Replace run-specific values (task ids, timestamps) so the transcript is stable. */
function scrub(value, parentKey) {
    if (Array.isArray(value)) return value.map(v => scrub(v, parentKey));
    if (value && typeof value === 'object') {
        const out = {};
        for (const [k, v] of Object.entries(value)) out[k] = scrub(v, k);
        return out;
    }
    if (typeof value === 'string') {
        if (parentKey === 'createdAt' || parentKey === 'lastUpdatedAt') return '<timestamp>';
        const label = labelOf(value);
        if (label) return `<task:${label}>`;
        if (parentKey === 'taskId') return '<unknown-task-id>';
        let s = value;
        for (const [l, id] of known) if (id) s = s.split(id).join(`<task:${l}>`);
        return s;
    }
    return value;
}

const relatedTaskId = obj => obj?._meta?.[RELATED_TASK_META_KEY]?.taskId;

/** Run an operation that is expected to fail; record only its code (message -> stderr). */
async function expectError(name, promise) {
    try {
        const result = await withTimeout(name, promise);
        return { unexpectedSuccess: scrub(result) };
    } catch (err) {
        if (/exceeded \d+ ms/.test(String(err?.message))) throw new Error(`step ${name}: ${err.message}`);
        const code = typeof err?.code === 'number' ? err.code : null;
        errors[name] = { code, message: String(err?.message ?? err) };
        return { code };
    }
}

async function main() {
    const { transport, deleteStatuses } = createTransport(url, token);
    // Observe every JSON-RPC message in both directions (for TASK_IDS / TASK_CURSORS).
    // Protocol.connect chains an onmessage that is already set.
    transport.onmessage = message => scanWire(message);
    const originalSend = transport.send.bind(transport);
    transport.send = (message, options) => {
        scanWire(message);
        return originalSend(message, options);
    };

    const client = new Client(
        { name: 'taskgate-interop-ts-tasks-client', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} } } }
    );
    const markTerminating = logTransportErrors(client, 'ts_tasks_client');

    /** task id -> statuses of notifications/tasks/status, arrival order */
    const statusNotes = new Map();
    client.setNotificationHandler(TaskStatusNotificationSchema, notification => {
        const { taskId, status } = notification.params;
        if (!statusNotes.has(taskId)) statusNotes.set(taskId, []);
        statusNotes.get(taskId).push(status);
    });

    const elicitations = [];
    client.setRequestHandler(ElicitRequestSchema, async request => {
        const related = relatedTaskId(request.params);
        elicitations.push({ params: request.params, relatedTaskId: related });
        const result = { action: 'accept', content: { confirm: true } };
        if (related !== undefined) result._meta = { [RELATED_TASK_META_KEY]: { taskId: related } };
        return result;
    });

    const transcript = { client: 'ts', sdk: `@modelcontextprotocol/sdk@${sdkVersion}` };
    const reqOpts = { timeout: STEP_TIMEOUT_MS };
    const taskOpts = { ...reqOpts, task: { ttl: TASK_TTL_MS } };
    const consistency = {};
    const tasks = client.experimental.tasks;

    await step('initialize', client.connect(transport, reqOpts));
    transcript.initialize = {
        ...describeInitialize(client, transport),
        tasksCapability: client.getServerCapabilities()?.tasks ?? null
    };

    const listed = await step('tools/list', client.listTools(undefined, reqOpts));
    transcript.tools = listed.tools
        .map(t => ({ name: t.name, taskSupport: t.execution?.taskSupport ?? null }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    /**
     * Drive callToolStream to its end. Returns {created, end}; `onStatus(task)` may act on
     * each polled status (e.g. cancel). Polled statuses are not recorded (how many polls
     * happen depends on timing).
     */
    async function stream(label, params, onStatus) {
        let created = null;
        let end = null;
        const run = (async () => {
            for await (const message of tasks.callToolStream(params, CallToolResultSchema, taskOpts)) {
                if (message.type === 'taskCreated') {
                    created = message.task;
                    known.set(label, created.taskId);
                } else if (message.type === 'taskStatus') {
                    if (onStatus) await onStatus(message.task);
                } else if (message.type === 'result') {
                    end = { type: 'result', result: message.result };
                } else if (message.type === 'error') {
                    const code = typeof message.error?.code === 'number' ? message.error.code : null;
                    errors[`${label}.stream`] = { code, message: String(message.error?.message ?? message.error) };
                    end = { type: 'error', code };
                }
            }
        })();
        await step(`${label}.stream`, run);
        if (!created) throw new Error(`${label}: callToolStream ended without taskCreated (${JSON.stringify(end)})`);
        return { created, end };
    }

    // ---- [slow] ----------------------------------------------------------------------
    {
        const { created, end } = await stream('slow', { name: 'slow_task', arguments: { ms: 300, text: 'slow done' } });
        const id = created.taskId;
        const got = await step('slow.get', tasks.getTask(id, reqOpts));
        const again = await step('slow.result', tasks.getTaskResult(id, CallToolResultSchema, reqOpts));
        consistency.slow = {
            get: got.taskId === id,
            streamResultMeta: end?.type === 'result' && relatedTaskId(end.result) === id,
            resultMeta: relatedTaskId(again) === id
        };
        transcript.slow = { created: scrub(created), end: scrub(end), get: scrub(got), result: scrub(again) };
    }

    // ---- [plain] ---------------------------------------------------------------------
    transcript.plain = {
        result: scrub(
            await step(
                'plain',
                client.callTool({ name: 'slow_task', arguments: { ms: 50, text: 'plain done' } }, undefined, reqOpts)
            )
        )
    };

    // ---- [failing] -------------------------------------------------------------------
    {
        const { created, end } = await stream('failing', { name: 'failing_task', arguments: { ms: 200 } });
        const id = created.taskId;
        const got = await step('failing.get', tasks.getTask(id, reqOpts));
        const result = await step('failing.result', tasks.getTaskResult(id, CallToolResultSchema, reqOpts));
        consistency.failing = { get: got.taskId === id, resultMeta: relatedTaskId(result) === id };
        transcript.failing = { created: scrub(created), end: scrub(end), get: scrub(got), result: scrub(result) };
    }

    // ---- [confirm] -------------------------------------------------------------------
    {
        const before = elicitations.length;
        const { created, end } = await stream('confirm', { name: 'confirm_task', arguments: { action: 'deploy' } });
        const id = created.taskId;
        const got = await step('confirm.get', tasks.getTask(id, reqOpts));
        const result = await step('confirm.result', tasks.getTaskResult(id, CallToolResultSchema, reqOpts));
        const mine = elicitations.slice(before);
        consistency.confirm = {
            get: got.taskId === id,
            elicitationMeta: mine.length === 1 && mine[0].relatedTaskId === id,
            streamResultMeta: end?.type === 'result' && relatedTaskId(end.result) === id,
            resultMeta: relatedTaskId(result) === id
        };
        transcript.confirm = {
            created: scrub(created),
            elicitations: mine.map(e => scrub(e.params)),
            end: scrub(end),
            get: scrub(got),
            result: scrub(result)
        };
    }

    // ---- [long] ----------------------------------------------------------------------
    {
        let cancelResult = null;
        const { created, end } = await stream('long', { name: 'long_task', arguments: {} }, async task => {
            if (cancelResult === null && task.status === 'working') {
                cancelResult = await withTimeout('long.cancel', tasks.cancelTask(task.taskId, reqOpts));
            }
        });
        const id = created.taskId;
        const got = await step('long.get', tasks.getTask(id, reqOpts));
        const cancelAgain = await expectError('long.cancelAgain', tasks.cancelTask(id, reqOpts));
        const result = await expectError('long.result', tasks.getTaskResult(id, CallToolResultSchema, reqOpts));
        consistency.long = { cancel: cancelResult?.taskId === id, get: got.taskId === id };
        transcript.long = {
            created: scrub(created),
            cancel: scrub(cancelResult),
            end: scrub(end),
            get: scrub(got),
            cancelAgain,
            result
        };
    }

    // ---- [unknown] -------------------------------------------------------------------
    transcript.unknown = {
        get: await expectError('unknown.get', tasks.getTask(UNKNOWN_ID, reqOpts)),
        result: await expectError('unknown.result', tasks.getTaskResult(UNKNOWN_ID, CallToolResultSchema, reqOpts)),
        cancel: await expectError('unknown.cancel', tasks.cancelTask(UNKNOWN_ID, reqOpts))
    };

    // ---- [page0..page7] ----------------------------------------------------------------
    // Enough more tasks that this session's tasks/list spans two pages (the SDK's pages
    // hold 10), so a nextCursor is seen and followed. Run concurrently: creation order, and
    // so which page holds which task, is not recorded.
    {
        const runs = [];
        for (let i = 0; i < PAGING_TASKS; i++) {
            runs.push(stream(`page${i}`, { name: 'slow_task', arguments: { ms: 0, text: `page ${i}` } }));
        }
        const done = await Promise.all(runs);
        transcript.paging = done.map(({ created, end }, i) => {
            consistency[`page${i}`] = { streamResultMeta: end?.type === 'result' && relatedTaskId(end.result) === created.taskId };
            return { created: scrub(created), end: scrub(end) };
        });
    }

    // ---- [list] ----------------------------------------------------------------------
    {
        const all = [];
        let cursor;
        for (let page = 0; page < 100; page++) {
            const res = await step('list', tasks.listTasks(cursor, reqOpts));
            all.push(...res.tasks);
            cursor = res.nextCursor;
            if (!cursor) break;
        }
        const list = {};
        for (const [label, id] of known) {
            const entry = all.find(t => t.taskId === id);
            list[label] = { present: !!entry, status: entry?.status ?? null };
            consistency[label].list = !!entry;
        }
        transcript.list = list;
    }

    // ---- notifications/tasks/status (GET stream) --------------------------------------
    {
        const expected = { slow: 'completed', failing: 'failed', confirm: 'completed' };
        for (let i = 0; i < PAGING_TASKS; i++) expected[`page${i}`] = 'completed';
        const arrived = () =>
            Object.entries(expected).every(([label, status]) => (statusNotes.get(known.get(label)) ?? []).includes(status));
        const deadline = Date.now() + NOTIFICATION_WAIT_MS;
        while (!arrived() && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
        if (DEBUG) process.stderr.write(`ts_tasks_client: [${Date.now() - T0} ms] notifications ${arrived() ? 'all arrived' : 'incomplete'}\n`);
        const notifications = {};
        for (const [label, id] of known) {
            notifications[label] = statusNotes.get(id) ?? [];
            consistency[label].notification = notifications[label].length > 0;
        }
        transcript.notifications = notifications;
        const unmatched = [...statusNotes.entries()].filter(([id]) => !labelOf(id));
        if (unmatched.length) {
            process.stderr.write(`ts_tasks_client: status notifications for tasks not created by this client: ${JSON.stringify(unmatched)}\n`);
        }
    }

    const ids = [...known.values()];
    transcript.idConsistency = consistency;
    transcript.taskIds = {
        count: ids.length,
        distinct: new Set(ids).size === ids.length,
        allNonEmptyStrings: ids.every(id => typeof id === 'string' && id.length > 0)
    };

    transcript.terminate = await terminateAndClose({ client, transport, deleteStatuses, step, markTerminating });
    return transcript;
}

function emitStderrLines() {
    const shapes = {};
    for (const id of seenIds) shapes[id] = { prefix: id.slice(0, 4), len: id.length, len_class: id.length <= 32 ? 'short' : 'long' };
    process.stderr.write(`TASK_IDS ${JSON.stringify(seenIds)}\n`);
    process.stderr.write(`TASK_ID_SHAPES ${JSON.stringify(shapes)}\n`);
    process.stderr.write(`TASK_CURSORS ${JSON.stringify(seenCursors)}\n`);
    process.stderr.write(`TASK_ERRORS ${JSON.stringify(canonical(errors))}\n`);
}

finish(main, fail, emitStderrLines);
