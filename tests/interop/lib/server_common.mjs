// Shared plumbing of the interop upstream servers (ts_server.mjs, ts_tasks_server.mjs):
// argument parsing, the Streamable HTTP session map and request routing, --record,
// --require-auth, the GET-stream bookkeeping, the `LISTENING <port>` line and shutdown.
// The CLI and HTTP contract it implements is documented at the top of each server script;
// the scripts only add their McpServer (tools, task store) on top.
import http from 'node:http';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** `log(...)` writes one `<prog>: ...` line to stderr. */
export const makeLog = prog => (...args) => process.stderr.write(`${prog}: ${args.join(' ')}\n`);

/**
 * Parse the common server flags (--json-response, --require-auth <value>, --record <file>,
 * --port <n>) plus `flags`, a map of extra boolean flags to option names (e.g.
 * {'--shared-tasks': 'sharedTasks'}). Bad arguments: `<prog>: <msg>` and `usageLine` on
 * stderr, exit 2.
 */
export function parseServerArgs(prog, usageLine, flags = {}) {
    const usage = msg => {
        process.stderr.write(`${prog}: ${msg}\n` + `usage: ${usageLine}\n`);
        process.exit(2);
    };
    const opts = { jsonResponse: false, requireAuth: null, record: null, port: 0 };
    for (const name of Object.values(flags)) opts[name] = false;
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) usage(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--json-response') opts.jsonResponse = true;
        else if (Object.hasOwn(flags, a)) opts[flags[a]] = true;
        else if (a === '--require-auth') opts.requireAuth = value();
        else if (a === '--record') opts.record = value();
        else if (a === '--port') {
            const p = Number(value());
            if (!Number.isInteger(p) || p < 0 || p > 65535) usage('bad --port');
            opts.port = p;
        } else usage(`unknown argument ${a}`);
    }
    return opts;
}

/** session id -> StreamableHTTPServerTransport */
const transports = new Map();
/** session id -> number of GET (standalone SSE) requests currently open */
const openGetStreams = new Map();

/**
 * Wait (at most `maxMs`) until a GET (standalone SSE) request of `sessionId` is open: the SDK
 * drops a GET-stream message when no GET stream is open.
 */
export async function waitForGetStream(sessionId, maxMs = 2500) {
    const deadline = Date.now() + maxMs;
    while (!(openGetStreams.get(sessionId) > 0) && Date.now() < deadline) await sleep(20);
}

function sendJson(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
}

const rpcError = (code, message) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * Serve `buildServer()` (one fresh McpServer per session) on 127.0.0.1:<opts.port>/mcp and
 * print `LISTENING <port>` on stdout when ready. On SIGTERM/SIGINT: close the transports,
 * call `onShutdown()`, exit 0.
 */
export function serveMcp({ opts, log, buildServer, onShutdown = () => {} }) {
    function record(req, bodyText) {
        if (!opts.record) return;
        const headers = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
        const line = JSON.stringify({ method: req.method, path: req.url, headers, body: bodyText }) + '\n';
        fs.appendFileSync(opts.record, line);
    }

    async function handle(req, res) {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        const bodyText = Buffer.concat(chunks).toString('utf8');
        record(req, bodyText);

        const path = new URL(req.url, 'http://127.0.0.1').pathname;
        if (path !== '/mcp') {
            sendJson(res, 404, rpcError(-32000, 'Not found'));
            return;
        }
        if (opts.requireAuth !== null && req.headers.authorization !== opts.requireAuth) {
            sendJson(res, 401, rpcError(-32001, 'Unauthorized'), { 'www-authenticate': 'Bearer' });
            return;
        }

        let parsed;
        if (req.method === 'POST') {
            try {
                parsed = JSON.parse(bodyText);
            } catch {
                sendJson(res, 400, rpcError(-32700, 'Parse error: body is not JSON'));
                return;
            }
        }

        const sessionId = req.headers['mcp-session-id'];
        if (typeof sessionId === 'string') {
            const transport = transports.get(sessionId);
            if (!transport) {
                sendJson(res, 404, rpcError(-32001, 'Session not found'));
                return;
            }
            if (req.method === 'GET') {
                openGetStreams.set(sessionId, (openGetStreams.get(sessionId) ?? 0) + 1);
                res.on('close', () => {
                    const n = (openGetStreams.get(sessionId) ?? 1) - 1;
                    if (n > 0) openGetStreams.set(sessionId, n);
                    else openGetStreams.delete(sessionId);
                });
            }
            await transport.handleRequest(req, res, parsed);
            return;
        }

        if (req.method === 'POST' && isInitializeRequest(parsed)) {
            const transport = new StreamableHTTPServerTransport({
                sessionIdGenerator: () => randomUUID(),
                enableJsonResponse: opts.jsonResponse,
                onsessioninitialized: id => {
                    transports.set(id, transport);
                }
            });
            transport.onclose = () => {
                if (transport.sessionId) transports.delete(transport.sessionId);
            };
            const server = buildServer();
            await server.connect(transport);
            await transport.handleRequest(req, res, parsed);
            return;
        }

        sendJson(res, 400, rpcError(-32000, 'Bad Request: no valid session ID provided'));
    }

    const httpServer = http.createServer((req, res) => {
        handle(req, res).catch(err => {
            log('request failed:', err?.stack ?? err);
            if (!res.headersSent) sendJson(res, 500, rpcError(-32603, 'Internal server error'));
            else res.end();
        });
    });

    httpServer.listen(opts.port, '127.0.0.1', () => {
        process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
    });

    httpServer.on('error', err => {
        log('listen failed:', err?.message ?? err);
        process.exit(1);
    });

    for (const sig of ['SIGTERM', 'SIGINT']) {
        process.on(sig, () => {
            for (const t of transports.values()) t.close().catch(() => {});
            onShutdown();
            process.exit(0);
        });
    }
}
