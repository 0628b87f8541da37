// The upstream for the conformance suite's `tasks-*` server scenarios: a
// small 2026-07-28 MCP server (stateless Streamable HTTP, plain JSON
// responses, the `io.modelcontextprotocol/tasks` extension) whose tools are
// the fixtures those scenarios call by name. The suite ships no reference
// server and no SDK at our pins serves the tasks extension, so this one
// exists only to give the suite something to exercise, the same one direct
// and behind taskgate. It is not taskgate code and not a model of a good
// server: task ids are random and bound to nobody (taskgate does the binding).
//
//   node tasks_fixture_server.mjs [--port N]   (prints `LISTENING <port>`)
//
// Fixtures (`tools/list`):
//   greet               sync only: `Hello, {name}!`
//   slow_compute        task when the caller declares the extension, else sync:
//                       sleeps `seconds`, then `Computed {label}`; cancellable
//   failing_job         task required (-32021 without the extension); ends
//                       `completed` with `isError: true` after ~0.5 s
//   protocol_error_job  task: ends `failed` with a JSON-RPC error
//   confirm_delete      task: `input_required` with one elicitation, then done
//   multi_input         task: two elicitations pending at once
//   test_tool_with_task task required: an MRTR round asking `user_name`, then
//                       a task whose result greets that name
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const VERSION = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';
const TTL_MS = 600_000;
const POLL_MS = 200;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

class RpcError extends Error {
  constructor(code, message, data, status = 200) {
    super(message);
    Object.assign(this, { code, data, status });
  }
}

const tools = [
  tool('greet', 'Says hello (sync only)', { name: { type: 'string' } }),
  tool('slow_compute', 'Sleeps `seconds`, may run as a task', {
    seconds: { type: 'number' },
    label: { type: 'string' }
  }),
  tool('failing_job', 'Task required; reports a tool error', {}),
  tool('protocol_error_job', 'Task that fails with a JSON-RPC error', {}),
  tool('confirm_delete', 'Task that asks for confirmation', { filename: { type: 'string' } }),
  tool('multi_input', 'Task that asks two questions at once', {}),
  tool('test_tool_with_task', 'Task required; MRTR round first', {})
];

function tool(name, description, properties) {
  return { name, description, inputSchema: { type: 'object', properties } };
}

/** taskId → task record; never expires while this short-lived process runs. */
const tasks = new Map();

const now = () => new Date().toISOString();
const text = (t, isError) => ({ content: [{ type: 'text', text: t }], ...(isError ? { isError } : {}) });
const elicit = (message, properties) => ({
  method: 'elicitation/create',
  params: { mode: 'form', message, requestedSchema: { type: 'object', properties } }
});

function newTask() {
  const t = { taskId: randomUUID(), status: 'working', createdAt: now(), lastUpdatedAt: now() };
  t.pending = {};
  t.answers = {};
  t.cancelled = new Promise((resolve) => (t.onCancel = resolve));
  tasks.set(t.taskId, t);
  return t;
}

function settle(t, patch) {
  if (TERMINAL.has(t.status)) return;
  Object.assign(t, patch, { lastUpdatedAt: now() });
}

function envelope(t) {
  const out = {
    taskId: t.taskId,
    status: t.status,
    createdAt: t.createdAt,
    lastUpdatedAt: t.lastUpdatedAt,
    ttlMs: TTL_MS,
    pollIntervalMs: POLL_MS
  };
  if (t.status === 'input_required') out.inputRequests = { ...t.pending };
  if (t.status === 'completed') out.result = t.result;
  if (t.status === 'failed') out.error = t.error;
  return out;
}

const sleep = (ms, t) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    t?.cancelled.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Parks `t` in input_required until every key in `requests` is answered. */
function ask(t, requests) {
  Object.assign(t.pending, requests);
  settle(t, { status: 'input_required' });
  return new Promise((resolve) => {
    t.onAnswered = () => {
      if (Object.keys(t.pending).length > 0) return;
      settle(t, { status: 'working' });
      resolve(t.answers);
    };
    t.cancelled.then(resolve);
  });
}

/** Work of each task-capable fixture; the value is the CallToolResult. */
const work = {
  async slow_compute(t, args) {
    await sleep(Math.max(0, Number(args.seconds ?? 0)) * 1000, t);
    return text(`Computed ${args.label ?? 'result'}`);
  },
  async failing_job(t) {
    await sleep(500, t);
    return text('failing_job: the job failed', true);
  },
  async protocol_error_job() {
    throw new RpcError(-32603, 'protocol_error_job: internal failure');
  },
  async confirm_delete(t, args) {
    const key = `confirm-${randomUUID()}`;
    const answers = await ask(t, {
      [key]: elicit(`Delete ${args.filename ?? 'the file'}?`, { confirm: { type: 'boolean' } })
    });
    const yes = answers[key]?.action === 'accept' && answers[key]?.content?.confirm === true;
    return text(yes ? `Deleted ${args.filename}` : `Kept ${args.filename}`);
  },
  async multi_input(t) {
    const [a, b] = [`first-${randomUUID()}`, `second-${randomUUID()}`];
    const schema = { name: { type: 'string' }, confirm: { type: 'boolean' } };
    const answers = await ask(t, { [a]: elicit('First question', schema), [b]: elicit('Second question', schema) });
    return text(`Answers: ${answers[a]?.content?.name}, ${answers[b]?.content?.name}`);
  },
  async test_tool_with_task(t, args, gathered) {
    await sleep(100, t);
    return text(`Hello, ${gathered}!`);
  }
};

function startTask(name, args, gathered) {
  const t = newTask();
  work[name](t, args, gathered).then(
    (result) => settle(t, { status: 'completed', result }),
    (e) => settle(t, { status: 'failed', error: { code: e.code ?? -32603, message: e.message } })
  );
  return { resultType: 'task', ...envelope(t) };
}

function missingCapability() {
  return new RpcError(-32021, `This request requires the ${TASKS} extension`, {
    requiredCapabilities: { extensions: { [TASKS]: {} } }
  }, 400);
}

async function callTool(params, declared) {
  const args = params.arguments ?? {};
  switch (params.name) {
    case 'greet':
      return text(`Hello, ${args.name}!`);
    case 'failing_job':
    case 'test_tool_with_task':
      if (!declared) throw missingCapability();
      break;
    case 'slow_compute':
      if (!declared) return work.slow_compute(null, { ...args, seconds: Math.min(Number(args.seconds ?? 0), 5) });
      break;
    case 'protocol_error_job':
    case 'confirm_delete':
    case 'multi_input':
      if (!declared) throw new RpcError(-32602, `${params.name} runs only as a task`);
      break;
    default:
      throw new RpcError(-32602, `Unknown tool: ${params.name}`);
  }
  if (params.name === 'test_tool_with_task') {
    const answer = params.inputResponses?.user_name;
    if (answer?.action !== 'accept' || typeof answer.content?.name !== 'string') {
      return {
        resultType: 'input_required',
        inputRequests: { user_name: elicit('What is your name?', { name: { type: 'string' } }) },
        requestState: 'awaiting-user-name'
      };
    }
    return startTask(params.name, args, answer.content.name);
  }
  return startTask(params.name, args);
}

function taskOf(params) {
  const t = typeof params.taskId === 'string' ? tasks.get(params.taskId) : undefined;
  if (!t) throw new RpcError(-32602, `Task not found: ${JSON.stringify(params.taskId)}`);
  return t;
}

async function dispatch(method, params, declared) {
  switch (method) {
    case 'server/discover':
      return {
        supportedVersions: [VERSION],
        capabilities: { tools: {}, extensions: { [TASKS]: {} } },
        ttlMs: 0,
        cacheScope: 'private',
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'taskgate-conformance-fixtures', version: '1.0.0' } }
      };
    case 'tools/list':
      return { tools, ttlMs: 0, cacheScope: 'private' };
    case 'tools/call':
      return callTool(params, declared);
    case 'tasks/get':
    case 'tasks/update':
    case 'tasks/cancel': {
      if (!declared) throw missingCapability();
      const t = taskOf(params);
      if (method === 'tasks/get') return envelope(t);
      if (method === 'tasks/cancel') {
        settle(t, { status: 'cancelled' });
        t.onCancel();
      } else {
        for (const [key, answer] of Object.entries(params.inputResponses ?? {})) {
          if (!(key in t.pending)) continue; // unknown or already answered: ignored
          t.answers[key] = answer;
          delete t.pending[key];
        }
        if (t.status === 'input_required') t.onAnswered?.();
      }
      return {};
    }
    default:
      throw new RpcError(-32601, `Method not found: ${method}`);
  }
}

/** Routing-header checks of the 2026-07-28 Streamable HTTP transport. */
function checkHeaders(req, body) {
  const version = req.headers['mcp-protocol-version'];
  const meta = body.params?._meta ?? {};
  if (version !== VERSION || meta['io.modelcontextprotocol/protocolVersion'] !== VERSION) {
    throw new RpcError(-32022, 'Unsupported protocol version', { supported: [VERSION], requested: String(version) }, 400);
  }
  if ((req.headers['mcp-method'] ?? '').trim() !== body.method) {
    throw new RpcError(-32020, 'Mcp-Method header does not match the body', undefined, 400);
  }
  const p = body.params ?? {};
  const byTask = ['tasks/get', 'tasks/update', 'tasks/cancel'].includes(body.method);
  const named = body.method === 'tools/call' ? p.name : byTask ? p.taskId : undefined;
  if (named !== undefined && (req.headers['mcp-name'] ?? '').trim() !== named) {
    throw new RpcError(-32020, 'Mcp-Name header does not match the body', undefined, 400);
  }
}

async function handle(req, res) {
  if (req.method !== 'POST') return send(res, 405, null);
  let raw = '';
  for await (const chunk of req) raw += chunk;
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  }
  if (body.id === undefined) return send(res, 202, null); // notification
  try {
    checkHeaders(req, body);
    const params = body.params ?? {};
    const caps = params._meta?.['io.modelcontextprotocol/clientCapabilities'];
    const declared = caps?.extensions?.[TASKS] !== undefined;
    const result = await dispatch(body.method, params, declared);
    send(res, 200, { jsonrpc: '2.0', id: body.id, result: { resultType: 'complete', ...result } });
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    const error = { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) };
    send(res, e.status, { jsonrpc: '2.0', id: body.id, error });
  }
}

function send(res, status, json) {
  if (json === null) return res.writeHead(status).end();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
}

const portArg = process.argv.indexOf('--port');
const server = http.createServer((req, res) =>
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) send(res, 500, null);
  })
);
server.listen(portArg > 0 ? Number(process.argv[portArg + 1]) : 0, '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
