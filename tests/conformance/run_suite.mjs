// Runs one whole scenario set of the official conformance suite against one
// MCP endpoint, in one `conformance server` run, and prints one JSON summary
// on stdout (for tests/conformance_full.rs):
//
//   {"url", "cli": "<suite version>", "selection": [...], "exitCode",
//    "scenarios": {"<name>": {"scored": bool, "unscoredReason"?,
//      "checks": [{"id", "status", "errorMessage"?, "details"?}], "log"?}}}
//
// (scenarios in the order the suite ran them).
//
//   node run_suite.mjs --cli alpha12|0.1.16 --url URL --out DIR
//       [--bearer-env VAR] [--deadline-ms N] -- SELECTION...
//
// SELECTION is passed to `conformance server` as is (`--requirements
// 2026-07-28`, `--suite active`, …), so which scenarios run is the suite's
// own choice, never a list kept here. The suite's own output says which ran
// (`Running client scenario 'X' against server: …`), where it saved each one's checks
// (`Results saved to DIR`), and, for a requirement set, which of them are not
// scored (`Not scored for …:` then `  ✓|✗ name (reason)`).
//
// --cli: alpha12 = @modelcontextprotocol/conformance 0.2.0-alpha.12;
//        0.1.16  = the same package at 0.1.16 (npm alias conformance-0.1.16).
// --bearer-env VAR: send `Authorization: Bearer $VAR` on every request to the
//   URL's origin (bearer.mjs, preloaded into the suite; it has no such option).
// --deadline-ms: kill the suite after N ms (default 180000); the summary then
//   has `"timedOut": true` and whatever scenarios had finished.
// Runs with the Node in node_modules (the suite needs Node >= 22).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const node = join(here, 'node_modules/.bin/node');
const CLIS = {
  alpha12: '@modelcontextprotocol/conformance',
  '0.1.16': 'conformance-0.1.16'
};

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function usage(message) {
  console.error(`run_suite: ${message}`);
  console.error('usage: node run_suite.mjs --cli alpha12|0.1.16 --url URL --out DIR [--bearer-env VAR] [--deadline-ms N] -- SELECTION...');
  process.exit(2);
}

const pkg = CLIS[arg('--cli')];
const url = arg('--url');
const out = arg('--out');
const dash = process.argv.indexOf('--');
const selection = dash > 0 ? process.argv.slice(dash + 1) : [];
const deadline = Number(arg('--deadline-ms') ?? 180_000);
if (!pkg) usage(`--cli must be one of ${Object.keys(CLIS).join(', ')}`);
if (!url || !out) usage('--url and --out are required');
if (selection.length === 0) usage('no selection after --');

const env = { ...process.env };
const bearerVar = arg('--bearer-env');
if (bearerVar) {
  if (!process.env[bearerVar]) usage(`${bearerVar} is empty`);
  env.TASKGATE_CONFORMANCE_BEARER = process.env[bearerVar];
  env.TASKGATE_CONFORMANCE_ORIGIN = new URL(url).origin;
}
const cliDir = join(here, 'node_modules', pkg);
const version = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).version;
const preload = bearerVar ? ['--import', join(here, 'bearer.mjs')] : [];
mkdirSync(out, { recursive: true });

const child = spawn(
  node,
  [...preload, join(cliDir, 'dist/index.js'), 'server', '--url', url, '-o', out, ...selection],
  { env, stdio: ['ignore', 'pipe', 'pipe'] }
);
let stdout = '';
let stderr = '';
child.stdout.on('data', (d) => (stdout += d));
child.stderr.on('data', (d) => (stderr += d));
let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  child.kill('SIGKILL');
}, deadline);
const exitCode = await new Promise((resolve, reject) => {
  child.on('error', reject);
  child.on('close', (code) => resolve(code));
});
clearTimeout(timer);

/** name → {dir?} in run order, and name → reason for those not scored. */
const ran = new Map();
const unscored = new Map();
let current;
let inUnscored = false;
for (const line of stdout.split('\n')) {
  const start = line.match(/^Running client scenario '([^']+)' against server/);
  if (start) {
    current = start[1];
    ran.set(current, {});
    continue;
  }
  const saved = line.match(/^Results saved to (.+)$/);
  if (saved && current) {
    ran.get(current).dir = saved[1].trim();
    continue;
  }
  if (/^Not scored for /.test(line)) {
    inUnscored = true;
    continue;
  }
  const notScored = inUnscored && line.match(/^\s+[✓✗] (\S+) \((.+)\)$/);
  if (notScored) unscored.set(notScored[1], notScored[2]);
  else if (inUnscored && line.trim() !== '') inUnscored = false;
}

const scenarios = {};
for (const [name, { dir }] of ran) {
  const entry = { scored: !unscored.has(name) };
  if (unscored.has(name)) entry.unscoredReason = unscored.get(name);
  try {
    const checks = JSON.parse(readFileSync(join(dir, 'checks.json'), 'utf8'));
    entry.checks = checks.map(({ id, status, errorMessage, details }) => ({ id, status, errorMessage, details }));
  } catch (e) {
    entry.checks = [];
    entry.log = `no checks.json (${dir ?? 'no results dir'}): ${e.message}`;
  }
  scenarios[name] = entry;
}
const summary = { url, cli: version, selection, exitCode, scenarios };
if (timedOut) summary.timedOut = true;
if (ran.size === 0 || timedOut) summary.log = `${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`;
process.stdout.write(JSON.stringify(summary) + '\n');
