// Shared plumbing of the TS interop clients (ts_client.mjs, ts_tasks_client.mjs): CLI
// arguments, timeouts (INTEROP_TIMEOUT_SCALE), the whole-run watchdog, step timeouts, the
// transport with its DELETE-status observer, the initialize / terminate parts of the
// transcript and printing the transcript. The contract is documented at the top of each
// client script.
import { readFileSync } from 'node:fs';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// INTEROP_TIMEOUT_SCALE (optional, default 1) multiplies every timeout, for loaded machines.
export const SCALE =
    Number(process.env.INTEROP_TIMEOUT_SCALE ?? '1') > 0 ? Number(process.env.INTEROP_TIMEOUT_SCALE ?? '1') : 1;
export const STEP_TIMEOUT_MS = 10_000 * SCALE;

export const sdkVersion = JSON.parse(
    readFileSync(new URL('../node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url), 'utf8')
).version;

/**
 * Check the CLI (`<url> <bearer-token>`, else usage on stderr and exit 2) and arm the
 * whole-run watchdog. Returns {url, token, fail, step, withTimeout}:
 *   fail(msg)                 `<prog>: FAILED: <msg>` on stderr, exit 1
 *   withTimeout(name, p)      p, rejected after STEP_TIMEOUT_MS
 *   step(name, p)             withTimeout, errors rewrapped as `step <name> (HTTP <status>): ...`;
 *                             with `debug`, INTEROP_DEBUG=1 adds per-step timings on stderr
 */
export function startClient({ prog, wholeRunTimeoutMs, debug = false }) {
    const fail = msg => {
        process.stderr.write(`${prog}: FAILED: ${msg}\n`);
        process.exit(1);
    };

    const argv = process.argv.slice(2);
    if (argv.length !== 2) {
        process.stderr.write(`usage: node ${prog}.mjs <url> <bearer-token>\n`);
        process.exit(2);
    }
    const [url, token] = argv;

    const watchdog = setTimeout(() => fail(`whole run exceeded ${wholeRunTimeoutMs} ms`), wholeRunTimeoutMs);
    watchdog.unref();

    const withTimeout = async (name, promise) => {
        let timer;
        const timeout = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`step ${name} exceeded ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
        });
        try {
            return await Promise.race([promise, timeout]);
        } finally {
            clearTimeout(timer);
        }
    };

    const T0 = Date.now();
    const DEBUG = debug && !!process.env.INTEROP_DEBUG;
    const step = async (name, promise) => {
        try {
            const r = await withTimeout(name, promise);
            if (DEBUG) process.stderr.write(`${prog}: [${Date.now() - T0} ms] ${name} done\n`);
            return r;
        } catch (err) {
            // StreamableHTTPError carries the HTTP status in .code; surface it (e.g. "HTTP 401").
            const http = typeof err?.code === 'number' && err.code >= 100 && err.code < 600 ? ` (HTTP ${err.code})` : '';
            throw new Error(`step ${name}${http}: ${err?.message ?? err}`);
        }
    };

    return { url, token, fail, step, withTimeout, DEBUG, T0 };
}

/** Recursively sort object keys so output does not depend on upstream/gateway key order. */
export function canonical(value) {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
        const out = {};
        for (const k of Object.keys(value).sort()) out[k] = canonical(value[k]);
        return out;
    }
    return value;
}

/**
 * The SDK transport with `Authorization: Bearer <token>` on every request. `deleteStatuses`
 * collects the HTTP status of each DELETE (terminateSession swallows 405).
 */
export function createTransport(url, token) {
    const deleteStatuses = [];
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
    return { transport, deleteStatuses };
}

/**
 * Log transport errors to stderr (non-fatal). Returns `markTerminating()`, after which they
 * are tagged "(during terminate/close)".
 */
export function logTransportErrors(client, prog) {
    let terminating = false;
    client.onerror = err => {
        process.stderr.write(`${prog}: transport${terminating ? ' (during terminate/close)' : ''}: ${err?.message ?? err}\n`);
    };
    return () => {
        terminating = true;
    };
}

/** The run-independent part of the initialize outcome (after client.connect). */
export function describeInitialize(client, transport) {
    const serverVersion = client.getServerVersion();
    return {
        protocolVersion: transport.protocolVersion ?? null,
        serverName: serverVersion?.name ?? null,
        serverVersion: serverVersion?.version ?? null,
        capabilities: Object.keys(client.getServerCapabilities() ?? {}).sort(),
        sessionIdAssigned: typeof transport.sessionId === 'string' && transport.sessionId.length > 0
    };
}

/** terminateSession (DELETE) and close; returns the transcript's `terminate` entry. */
export async function terminateAndClose({ client, transport, deleteStatuses, step, markTerminating }) {
    markTerminating();
    await step('terminateSession', transport.terminateSession());
    const terminate = { ok: true, status: deleteStatuses.length ? deleteStatuses[deleteStatuses.length - 1] : null };
    await step('close', client.close());
    return terminate;
}

/**
 * Run `main()`; on success call `beforeOutput()` (stderr lines), print the canonical JSON
 * transcript on stdout and exit 0; on failure `fail(<stack>)`.
 */
export function finish(main, fail, beforeOutput = () => {}) {
    main().then(
        transcript => {
            beforeOutput();
            process.stdout.write(JSON.stringify(canonical(transcript), null, 2) + '\n', () => process.exit(0));
        },
        err => fail(err?.stack ?? err?.message ?? String(err))
    );
}
