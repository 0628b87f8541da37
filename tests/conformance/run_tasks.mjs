// Runs the official conformance suite's `tasks-*` server scenarios
// (@modelcontextprotocol/conformance, pinned in package.json) against one
// MCP endpoint and prints one JSON summary on stdout:
//
//   {"url": …, "scenarios": {"tasks-…": {"passed": bool,
//     "checks": [{"id", "status", "errorMessage"?, "details"?}], "log"?: …}}}
//
// A scenario passes when none of its checks has status FAILURE (the suite's
// own rule; SKIPPED, INFO and WARNING do not fail it).
//
//   node run_tasks.mjs --url http://127.0.0.1:PORT/mcp --out DIR [--bearer-env VAR]
//
// --bearer-env VAR: send `Authorization: Bearer $VAR` to that endpoint (via
// bearer.mjs, preloaded into the suite; it has no such option itself).
// Scenario names come from the suite's own `list --server`. Runs with the
// Node in node_modules (the suite needs Node >= 22: it imports fs.globSync).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const node = join(here, 'node_modules/.bin/node');
const cli = join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const CONCURRENCY = 3;
const SCENARIO_TIMEOUT_MS = 30_000;

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function scenarioNames() {
  const { code, out } = await run([cli, 'list', '--server'], process.env);
  if (code !== 0) throw new Error(`conformance list failed (${code}):\n${out}`);
  return [...out.matchAll(/^\s*- (tasks-[a-z0-9-]+)\b/gm)].map((m) => m[1]);
}

function readChecks(dir) {
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (sub.isDirectory()) {
      try {
        return JSON.parse(readFileSync(join(dir, sub.name, 'checks.json'), 'utf8'));
      } catch {}
    }
  }
  return undefined;
}

async function runScenario(url, out, name, env) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const preload = env.TASKGATE_CONFORMANCE_BEARER ? ['--import', join(here, 'bearer.mjs')] : [];
  const args = [...preload, cli, 'server', '--url', url, '--scenario', name, '-o', dir,
    '--timeout', String(SCENARIO_TIMEOUT_MS)];
  const { code, out: log } = await run(args, env);
  const checks = readChecks(dir);
  if (!checks) return { passed: false, checks: [], log: `exit ${code}, no checks.json:\n${log}` };
  const slim = checks.map(({ id, status, errorMessage, details }) => ({ id, status, errorMessage, details }));
  return { passed: !checks.some((c) => c.status === 'FAILURE'), checks: slim };
}

const url = arg('--url');
const out = arg('--out');
if (!url || !out) {
  console.error('usage: node run_tasks.mjs --url URL --out DIR [--bearer-env VAR]');
  process.exit(2);
}
const env = { ...process.env };
const bearerVar = arg('--bearer-env');
if (bearerVar) {
  if (!process.env[bearerVar]) throw new Error(`${bearerVar} is empty`);
  env.TASKGATE_CONFORMANCE_BEARER = process.env[bearerVar];
  env.TASKGATE_CONFORMANCE_ORIGIN = new URL(url).origin;
}

const names = await scenarioNames();
if (names.length === 0) throw new Error('the suite lists no tasks-* server scenarios');
const scenarios = {};
const queue = [...names];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      scenarios[name] = await runScenario(url, out, name, env);
    }
  })
);
const ordered = Object.fromEntries(names.map((n) => [n, scenarios[n]]));
process.stdout.write(JSON.stringify({ url, scenarios: ordered }) + '\n');
