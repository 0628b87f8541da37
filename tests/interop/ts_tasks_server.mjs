#!/usr/bin/env node
// Upstream MCP test server for taskgate's legacy (2025-11-25, experimental) TASKS interop
// tests, built only from the official, unmodified TypeScript SDK (@modelcontextprotocol/sdk,
// exact pin in package.json). Companion of ts_server.mjs (same HTTP/CLI contract) with the
// task scenarios; see tests/interop/README.md "Tasks peers".
//
// CLI CONTRACT
//   node tests/interop/ts_tasks_server.mjs [--json-response] [--require-auth <value>]
//                                          [--record <file>] [--port <n>] [--shared-tasks]
//
//   Listens on 127.0.0.1:<port> (default port 0 = OS-assigned). When ready it prints
//   exactly one line to stdout:  LISTENING <port>   and nothing else on stdout, ever.
//   Diagnostics go to stderr. Runs until killed (SIGTERM/SIGINT exit 0).
//   Bad arguments: message on stderr, exit code 2.
//
//   Endpoint: http://127.0.0.1:<port>/mcp  (any other path -> 404, before the auth check)
//     Streamable HTTP, legacy/stateful, exactly as ts_server.mjs: POST initialize (without
//     Mcp-Session-Id) creates a session (Mcp-Session-Id = crypto.randomUUID()), one SDK
//     transport + McpServer per session; POST/GET/DELETE carry Mcp-Session-Id; DELETE ends
//     the session (200). Unknown session id -> 404 (-32001); non-initialize request without
//     a session id -> 400 (-32000); body that is not JSON -> 400 (-32700).
//
//   --json-response        enableJsonResponse: POST answers are application/json. The SDK
//                          then drops anything it would write on a POST's SSE stream, so
//                          confirm_task (delivery "auto") sends its elicitation/create on
//                          the standalone GET stream instead (see confirm_task).
//   --require-auth <value> every request to /mcp must carry exactly `Authorization: <value>`,
//                          else 401 (WWW-Authenticate: Bearer, JSON-RPC error -32001).
//   --record <file>        append one JSON line per HTTP request (also rejected ones):
//                          {"method","path","headers":{<lowercased>:<value>},"body":"<raw>"}
//   --port <n>             listen on a fixed port instead of 0.
//   --shared-tasks         NO task isolation: one task store for all sessions in which no
//                          task is bound to a session. Any session can tasks/get, tasks/result,
//                          tasks/cancel any task id and tasks/list lists every session's
//                          tasks. Models an upstream that deliberately isolates nothing (for
//                          the gateway's attack suite). How: the SDK passes the caller's
//                          session id to every TaskStore call; SessionBlindTaskStore (below)
//                          wraps the one InMemoryTaskStore and drops that argument, so tasks
//                          are created without an owner and every lookup is unrestricted
//                          (InMemoryTaskStore's documented rule for calls without a session
//                          id). The InMemoryTaskMessageQueue is keyed by task id only anyway.
//                          Default (no flag): the same single InMemoryTaskStore, but every
//                          task is bound to the session that created it (another session's
//                          tasks/get|result|cancel -> -32602 "Task not found"; its tasks/list
//                          omits the task).
//
// Server: name "taskgate-interop-ts-tasks-server", version "1.0.0".
// Capabilities: tasks {list, cancel, requests.tools.call} (plus tools).
// Tools (all registered with server.experimental.tasks.registerToolTask, execution.taskSupport
// "optional"; pollInterval 100 ms; ttl = params.task.ttl, or 60000 ms when none is given):
//   slow_task {ms: int 0..60000, text: string}
//        working -> (after ms) completed with {content:[{type:"text", text}]}.
//   failing_task {ms: int 0..60000}
//        working -> (after ms) failed, stored result {content:[{type:"text",
//        text:"failing_task failed after <ms> ms"}], isError:true} (what tasks/result returns).
//   confirm_task {action: string, delivery?: "auto"|"result_stream"|"get_stream"}
//        working -> input_required: sends elicitation/create {mode:"form", message:
//        "Confirm <action>?", requestedSchema:{type:"object",properties:{confirm:{type:
//        "boolean"}},required:["confirm"]}, _meta:{"io.modelcontextprotocol/related-task":
//        {taskId}}} -> on the answer: working -> completed with content
//        "confirmed: <action>" (action "accept" and content.confirm === true) or
//        "declined: <action>" (anything else). If the elicitation fails or times out (15 s):
//        failed with content "elicitation failed: <action>" (isError).
//        delivery "result_stream" (the default without --json-response): the SDK's own
//          side channel - the request is queued (extra.sendRequest with relatedTask) and
//          written on the SSE stream of the client's next tasks/result for that task.
//        delivery "get_stream" (the default with --json-response): sent with
//          server.server.request(...) without a related request, i.e. on the session's
//          standalone GET stream, with the related-task _meta set explicitly; status
//          input_required is set through the task store first.
//   long_task {} (no arguments)
//        working until cancelled (tasks/cancel) or until its ttl removes it. Never completes.
//   Before a task's first status change the server waits (at most 2.5 s) until a GET stream
//   of the creating session is open, because the SDK drops GET-stream messages when none is.
//   Status notifications: every status change made through the request's task store
//   (input_required, working, completed, failed) makes the SDK send
//   notifications/tasks/status (full Task, no result) without a related request, i.e. on
//   the creating session's standalone GET stream. tasks/cancel (handled inside the SDK)
//   sends none.
//   A plain (non-augmented) call to any of these tools: the SDK creates the task itself,
//   polls it every 100 ms and returns the final CallToolResult (the task then also shows up
//   in tasks/list). A plain long_task call therefore never returns (don't).
//   SDK behaviour worth knowing (1.32.2): tasks/result on a cancelled task -> -32603 ("has no
//   result stored"); tasks/cancel on a terminal task -> -32602; tasks/get on an unknown or
//   foreign id -> -32602 "Failed to retrieve task: Task not found"; tasks/result and
//   tasks/cancel echo the id in their "Task not found: <id>" messages; tasks/list pages of 10,
//   nextCursor = the last task id of the page (a raw task id!).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskStore, InMemoryTaskMessageQueue } from '@modelcontextprotocol/sdk/experimental/tasks';
import * as z from 'zod/v4';
import { makeLog, parseServerArgs, serveMcp, sleep, waitForGetStream } from './lib/server_common.mjs';

const opts = parseServerArgs(
    'ts_tasks_server',
    'node ts_tasks_server.mjs [--json-response] [--require-auth <value>] [--record <file>] [--port <n>] [--shared-tasks]',
    { '--shared-tasks': 'sharedTasks' }
);
const log = makeLog('ts_tasks_server');
const TERMINAL = ['completed', 'failed', 'cancelled'];
const ELICIT_TIMEOUT_MS = 15_000;

/**
 * --shared-tasks: a TaskStore that forwards to one InMemoryTaskStore but never passes the
 * caller's session id on. InMemoryTaskStore binds a task to the session id given to
 * createTask and lets calls without a session id see everything, so with this wrapper no
 * task has an owner and every session sees, reads, cancels and lists every task.
 */
class SessionBlindTaskStore {
    constructor(inner) {
        this.inner = inner;
    }
    createTask(taskParams, requestId, request, _sessionId) {
        return this.inner.createTask(taskParams, requestId, request, undefined);
    }
    getTask(taskId, _sessionId) {
        return this.inner.getTask(taskId, undefined);
    }
    storeTaskResult(taskId, status, result, _sessionId) {
        return this.inner.storeTaskResult(taskId, status, result, undefined);
    }
    getTaskResult(taskId, _sessionId) {
        return this.inner.getTaskResult(taskId, undefined);
    }
    updateTaskStatus(taskId, status, statusMessage, _sessionId) {
        return this.inner.updateTaskStatus(taskId, status, statusMessage, undefined);
    }
    listTasks(cursor, _sessionId) {
        return this.inner.listTasks(cursor, undefined);
    }
    cleanup() {
        this.inner.cleanup();
    }
}

// One store for the whole process in both modes; only the session binding differs.
const innerStore = new InMemoryTaskStore();
const taskStore = opts.sharedTasks ? new SessionBlindTaskStore(innerStore) : innerStore;
const taskMessageQueue = new InMemoryTaskMessageQueue();

/** True when the task is gone or already terminal (cancelled meanwhile, expired). */
async function isSettled(store, taskId) {
    const current = await store.getTask(taskId).catch(() => null);
    return !current || TERMINAL.includes(current.status);
}

const ttlOf = requested => requested ?? 60000;

/** getTask / getTaskResult handlers shared by every task tool. */
const taskAccessors = {
    async getTask(...params) {
        const { taskId, taskStore: store } = params[params.length - 1];
        return await store.getTask(taskId);
    },
    async getTaskResult(...params) {
        const { taskId, taskStore: store } = params[params.length - 1];
        return await store.getTaskResult(taskId);
    }
};

function buildServer() {
    const server = new McpServer(
        { name: 'taskgate-interop-ts-tasks-server', version: '1.0.0' },
        {
            capabilities: {
                tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
            },
            taskStore,
            taskMessageQueue
        }
    );

    /** Run `work` in the background; it finishes the task through the request's task store. */
    const background = (name, work) => {
        work().catch(err => log(`${name}:`, err?.message ?? err));
    };

    server.experimental.tasks.registerToolTask(
        'slow_task',
        {
            description: 'Complete after ms milliseconds with the given text (legacy experimental task)',
            inputSchema: { ms: z.number().int().min(0).max(60000), text: z.string() },
            execution: { taskSupport: 'optional' }
        },
        {
            async createTask({ ms, text }, extra) {
                const store = extra.taskStore;
                const task = await store.createTask({ ttl: ttlOf(extra.taskRequestedTtl), pollInterval: 100 });
                background('slow_task', async () => {
                    await Promise.all([sleep(ms), waitForGetStream(extra.sessionId)]);
                    if (await isSettled(store, task.taskId)) return;
                    // Stores the result and sends notifications/tasks/status (GET stream).
                    await store.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text }] });
                });
                return { task };
            },
            ...taskAccessors
        }
    );

    server.experimental.tasks.registerToolTask(
        'failing_task',
        {
            description: 'Fail after ms milliseconds (legacy experimental task)',
            inputSchema: { ms: z.number().int().min(0).max(60000) },
            execution: { taskSupport: 'optional' }
        },
        {
            async createTask({ ms }, extra) {
                const store = extra.taskStore;
                const task = await store.createTask({ ttl: ttlOf(extra.taskRequestedTtl), pollInterval: 100 });
                background('failing_task', async () => {
                    await Promise.all([sleep(ms), waitForGetStream(extra.sessionId)]);
                    if (await isSettled(store, task.taskId)) return;
                    await store.storeTaskResult(task.taskId, 'failed', {
                        content: [{ type: 'text', text: `failing_task failed after ${ms} ms` }],
                        isError: true
                    });
                });
                return { task };
            },
            ...taskAccessors
        }
    );

    server.experimental.tasks.registerToolTask(
        'confirm_task',
        {
            description: 'Ask the client to confirm <action> (elicitation while input_required), then complete',
            inputSchema: {
                action: z.string(),
                delivery: z.enum(['auto', 'result_stream', 'get_stream']).optional()
            },
            execution: { taskSupport: 'optional' }
        },
        {
            async createTask({ action, delivery }, extra) {
                const store = extra.taskStore;
                const task = await store.createTask({ ttl: ttlOf(extra.taskRequestedTtl), pollInterval: 100 });
                const taskId = task.taskId;
                const via =
                    !delivery || delivery === 'auto' ? (opts.jsonResponse ? 'get_stream' : 'result_stream') : delivery;
                const params = {
                    mode: 'form',
                    message: `Confirm ${action}?`,
                    requestedSchema: {
                        type: 'object',
                        properties: { confirm: { type: 'boolean' } },
                        required: ['confirm']
                    }
                };
                log(`confirm_task: elicitation/create via ${via}`);
                background('confirm_task', async () => {
                    // Status notifications and (for get_stream) the request itself travel on
                    // the GET stream, which the SDK drops messages for while it is not open.
                    await waitForGetStream(extra.sessionId);
                    if (await isSettled(store, taskId)) return;
                    let answer;
                    try {
                        if (via === 'result_stream') {
                            // extra.sendRequest sets input_required through the task store (->
                            // notifications/tasks/status) and, because of relatedTask, queues
                            // the request (with the related-task _meta) for delivery on the SSE
                            // stream of the client's tasks/result.
                            answer = await extra.sendRequest({ method: 'elicitation/create', params }, ElicitResultSchema, {
                                relatedTask: { taskId },
                                timeout: ELICIT_TIMEOUT_MS
                            });
                        } else {
                            await store.updateTaskStatus(taskId, 'input_required');
                            // No relatedRequestId and no relatedTask: the transport writes it on
                            // the session's standalone GET stream.
                            answer = await server.server.request(
                                {
                                    method: 'elicitation/create',
                                    params: { ...params, _meta: { [RELATED_TASK_META_KEY]: { taskId } } }
                                },
                                ElicitResultSchema,
                                { timeout: ELICIT_TIMEOUT_MS }
                            );
                        }
                    } catch (err) {
                        log('confirm_task elicitation failed:', err?.message ?? err);
                        if (await isSettled(store, taskId)) return;
                        await store.storeTaskResult(taskId, 'failed', {
                            content: [{ type: 'text', text: `elicitation failed: ${action}` }],
                            isError: true
                        });
                        return;
                    }
                    if (await isSettled(store, taskId)) return;
                    const confirmed = answer?.action === 'accept' && answer?.content?.confirm === true;
                    await store.updateTaskStatus(taskId, 'working');
                    await store.storeTaskResult(taskId, 'completed', {
                        content: [{ type: 'text', text: `${confirmed ? 'confirmed' : 'declined'}: ${action}` }]
                    });
                });
                return { task };
            },
            ...taskAccessors
        }
    );

    server.experimental.tasks.registerToolTask(
        'long_task',
        {
            description: 'Run until cancelled (legacy experimental task)',
            execution: { taskSupport: 'optional' }
        },
        {
            async createTask(extra) {
                const task = await extra.taskStore.createTask({ ttl: ttlOf(extra.taskRequestedTtl), pollInterval: 100 });
                return { task };
            },
            ...taskAccessors
        }
    );

    return server;
}

serveMcp({ opts, log, buildServer, onShutdown: () => taskStore.cleanup() });
