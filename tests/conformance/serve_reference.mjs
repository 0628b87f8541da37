// Runs one of the vendored reference servers (reference/*.ts, unmodified
// copies of the conformance repo's everything-server) for
// tests/conformance_full.rs, on a free loopback port, and tells the test
// what it received:
//
//   node serve_reference.mjs reference/everything-server.ts
//
// stdout: `LISTENING <port>` once it listens on 127.0.0.1, then one line per
// HTTP request it receives: `REQUEST <METHOD> <credential>`, where
// <credential> is `gateway` when the request carries taskgate's test
// upstream credential ($TASKGATE_UPSTREAM_CREDENTIAL, the Authorization value
// taskgate's test route sends upstream) and `none` otherwise. The test uses
// those lines to prove that the direct run reached the server without
// taskgate and the other run only through it.
//
// The servers call `app.listen(process.env.PORT || 3000, …)` on every
// interface; the first listen is redirected here to 127.0.0.1:0 instead (no
// port race, nothing exposed), and the server's own banner (which would name
// PORT) goes to stderr. TypeScript runs through tsx (pinned in package.json).
import net from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node serve_reference.mjs SERVER.ts');
  process.exit(2);
}
const credential = process.env.TASKGATE_UPSTREAM_CREDENTIAL;
const out = (line) => process.stdout.write(`${line}\n`);

// The servers log to stdout with console.log; keep stdout for this protocol.
console.log = (...args) => console.error(...args);

const realListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  net.Server.prototype.listen = realListen;
  const done = typeof args.at(-1) === 'function' ? args.at(-1) : undefined;
  this.on('request', (req) => {
    const who = credential && req.headers.authorization === credential ? 'gateway' : 'none';
    out(`REQUEST ${req.method} ${who}`);
  });
  return realListen.call(this, 0, '127.0.0.1', () => {
    out(`LISTENING ${this.address().port}`);
    done?.();
  });
};

register();
await import(pathToFileURL(resolve(file)).href);
