#!/usr/bin/env node
// Upstream MCP test server for taskgate interop tests, built only from the official,
// unmodified TypeScript SDK (@modelcontextprotocol/sdk, exact pin in package.json).
//
// CLI CONTRACT
//   node tests/interop/ts_server.mjs [--json-response] [--require-auth <value>]
//                                    [--record <file>] [--port <n>]
//
//   Listens on 127.0.0.1:<port> (default port 0 = OS-assigned). When ready it prints
//   exactly one line to stdout:  LISTENING <port>   and nothing else on stdout, ever.
//   Diagnostics go to stderr. Runs until killed (SIGTERM/SIGINT exit 0).
//   Bad arguments: message on stderr, exit code 2.
//
//   Endpoint: http://127.0.0.1:<port>/mcp  (any other path -> 404, before the auth check)
//     Streamable HTTP, legacy/stateful: POST initialize (without Mcp-Session-Id) creates a
//     session (Mcp-Session-Id = crypto.randomUUID()), one SDK transport + McpServer per
//     session; POST/GET/DELETE carry Mcp-Session-Id; DELETE terminates the session (200).
//     Unknown session id -> 404 with JSON-RPC error -32001 "Session not found".
//     Non-initialize request without a session id -> 400 (-32000).
//     Body that is not JSON -> 400 (-32700).
//
//   --json-response        enableJsonResponse: POST requests are answered with
//                          application/json instead of text/event-stream. NOTE: in this
//                          mode the SDK drops request-related notifications (progress and
//                          log lines sent during progress_steps never reach the client);
//                          the standalone GET stream is still SSE.
//   --require-auth <value> every request to /mcp must carry exactly `Authorization: <value>`,
//                          else 401 (WWW-Authenticate: Bearer, JSON-RPC error -32001
//                          "Unauthorized" body). Models the upstream's own credential.
//   --record <file>        append one JSON line per HTTP request that reached this server
//                          (written when the request body has been read, before auth /
//                          routing, so rejected requests are recorded too):
//                            {"method":"POST","path":"/mcp","headers":{<lowercased name>:
//                             <value>,...},"body":"<raw body text>"}
//                          path includes any query string. Header values are as node joins
//                          them (repeated headers -> comma-joined; set-cookie never occurs).
//   --port <n>             listen on a fixed port instead of 0.
//
// Server: name "taskgate-interop-ts-server", version "1.0.0".
// Capabilities: logging, tools, tasks {list, cancel, requests.tools.call} (experimental SDK
// task support; tasks are kept in one InMemoryTaskStore shared by all sessions and bound to
// the session that created them).
// Tools:
//   echo {text: string}             -> content [{type:text, text}]
//   add {a: number, b: number}      -> content [{type:text, text:"<sum>"}],
//                                      structuredContent {sum}  (outputSchema {sum:number})
//   progress_steps {steps: int 1..50} -> for i=1..steps: notifications/progress
//                                      {progressToken, progress:i, total:steps,
//                                      message:"step i/steps"} (only if the request had a
//                                      progressToken), ~10 ms apart; then one
//                                      notifications/message {level:"info",
//                                      logger:"progress_steps", data:"completed <steps> steps"};
//                                      all on the request's own stream (relatedRequestId);
//                                      then returns content "done <steps> steps".
//   notify_later {text: string}     -> returns content "scheduled" immediately; ~100 ms later
//                                      sends notifications/message {level:"info",
//                                      logger:"notify_later", data:<text>} with no related
//                                      request, which the SDK routes to the session's
//                                      standalone GET SSE stream. If no GET request of that
//                                      session has reached the server yet, it first waits up
//                                      to 2.5 s for one (the SDK drops the message when no GET
//                                      stream is open).
//   slow_task {ms: int 0..60000}    -> experimental task tool, execution.taskSupport
//                                      "optional". Task-augmented call (params.task):
//                                      returns CreateTaskResult {task:{taskId,status:"working",
//                                      ttl,pollInterval:100,...}} at once; the task completes
//                                      after <ms> with content "slept <ms> ms"; use
//                                      tasks/get, tasks/result, tasks/list, tasks/cancel.
//                                      Plain call: the SDK creates the task internally, polls
//                                      it every 100 ms and returns the final CallToolResult
//                                      (that internal task then also shows in tasks/list).
//                                      On completion the SDK sends notifications/tasks/status
//                                      (full Task, no result) on the standalone GET stream.
//                                      Tasks are session-bound: another session's tasks/get
//                                      -> -32602 "Task not found", its tasks/list omits them.
//                                      tasks/cancel on a working task -> the Task with status
//                                      "cancelled"; on a terminal task -> -32602. ttl defaults
//                                      to 60000 ms when the request gives none.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskStore, InMemoryTaskMessageQueue } from '@modelcontextprotocol/sdk/experimental/tasks';
import * as z from 'zod/v4';
import { makeLog, parseServerArgs, serveMcp, sleep, waitForGetStream } from './lib/server_common.mjs';

const opts = parseServerArgs(
    'ts_server',
    'node ts_server.mjs [--json-response] [--require-auth <value>] [--record <file>] [--port <n>]'
);
const log = makeLog('ts_server');

// Shared across sessions; the SDK binds each task to the session id that created it.
const taskStore = new InMemoryTaskStore();
const taskMessageQueue = new InMemoryTaskMessageQueue();

function buildServer() {
    const server = new McpServer(
        { name: 'taskgate-interop-ts-server', version: '1.0.0' },
        {
            capabilities: {
                logging: {},
                tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
            },
            taskStore,
            taskMessageQueue
        }
    );

    server.registerTool(
        'echo',
        { description: 'Echo the given text back', inputSchema: { text: z.string() } },
        async ({ text }) => ({ content: [{ type: 'text', text }] })
    );

    server.registerTool(
        'add',
        {
            description: 'Add two numbers',
            inputSchema: { a: z.number(), b: z.number() },
            outputSchema: { sum: z.number() }
        },
        async ({ a, b }) => ({
            content: [{ type: 'text', text: String(a + b) }],
            structuredContent: { sum: a + b }
        })
    );

    server.registerTool(
        'progress_steps',
        {
            description: 'Send one progress notification per step, then a log message',
            inputSchema: { steps: z.number().int().min(1).max(50) }
        },
        async ({ steps }, extra) => {
            const progressToken = extra._meta?.progressToken;
            for (let i = 1; i <= steps; i++) {
                if (progressToken !== undefined) {
                    await extra.sendNotification({
                        method: 'notifications/progress',
                        params: { progressToken, progress: i, total: steps, message: `step ${i}/${steps}` }
                    });
                }
                await sleep(10);
            }
            // extra.sendNotification ties the notification to this request, so it travels on
            // this request's SSE response stream (not the GET stream).
            await extra.sendNotification({
                method: 'notifications/message',
                params: { level: 'info', logger: 'progress_steps', data: `completed ${steps} steps` }
            });
            return { content: [{ type: 'text', text: `done ${steps} steps` }] };
        }
    );

    server.registerTool(
        'notify_later',
        {
            description: 'Return at once; ~100 ms later send a log message on the standalone GET stream',
            inputSchema: { text: z.string() }
        },
        async ({ text }, extra) => {
            const sessionId = extra.sessionId;
            (async () => {
                // The SDK drops a GET-stream message when no GET stream is open, so on a loaded
                // machine first wait (bounded) for the client's GET to have arrived.
                await waitForGetStream(sessionId, 2500);
                await sleep(100);
                // Server.sendLoggingMessage -> Protocol.notification() without relatedRequestId:
                // the transport routes it to the standalone GET SSE stream.
                await server.server.sendLoggingMessage({ level: 'info', logger: 'notify_later', data: text });
            })().catch(err => log('notify_later send failed:', err?.message ?? err));
            return { content: [{ type: 'text', text: 'scheduled' }] };
        }
    );

    server.experimental.tasks.registerToolTask(
        'slow_task',
        {
            description: 'Sleep for ms milliseconds as a (legacy, experimental) task',
            inputSchema: { ms: z.number().int().min(0).max(60000) },
            execution: { taskSupport: 'optional' }
        },
        {
            async createTask({ ms }, { taskStore: store, taskRequestedTtl }) {
                const task = await store.createTask({ ttl: taskRequestedTtl ?? 60000, pollInterval: 100 });
                setTimeout(async () => {
                    try {
                        // Skip tasks that were cancelled (or expired) meanwhile.
                        const current = await store.getTask(task.taskId).catch(() => null);
                        if (!current || ['completed', 'failed', 'cancelled'].includes(current.status)) return;
                        // Stores the result, then sends notifications/tasks/status (no related
                        // request -> standalone GET stream); that send fails harmlessly if the
                        // session is gone by then.
                        await store.storeTaskResult(task.taskId, 'completed', {
                            content: [{ type: 'text', text: `slept ${ms} ms` }]
                        });
                    } catch (err) {
                        log('slow_task completion:', err?.message ?? err);
                    }
                }, ms);
                return { task };
            },
            async getTask(_args, { taskId, taskStore: store }) {
                return await store.getTask(taskId);
            },
            async getTaskResult(_args, { taskId, taskStore: store }) {
                return await store.getTaskResult(taskId);
            }
        }
    );

    return server;
}

serveMcp({ opts, log, buildServer, onShutdown: () => taskStore.cleanup() });
