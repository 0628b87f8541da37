// Preloaded into the conformance CLI (`node --import ./bearer.mjs`) when it
// talks to taskgate: the suite has no option to send credentials in server
// mode, and taskgate authenticates every request. This adds
// `Authorization: Bearer $TASKGATE_CONFORMANCE_BEARER` to every HTTP request
// aimed at the origin $TASKGATE_CONFORMANCE_ORIGIN, and leaves everything
// else, including an Authorization header the suite set itself, untouched.
//
// The suite sends through three clients, all covered:
// - the global `fetch` and the `undici` package's `request` (the
//   dns-rebinding scenarios, which set their own Host): both are undici, which
//   announces every request it creates on the diagnostics channel
//   `undici:request:create` before sending it; the hook adds the header there;
// - `node:http`'s `request` (the http-header-validation scenarios, which need
//   raw header casing) and `get`: wrapped, the header set on the new request
//   before its headers go out.
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';

const token = process.env.TASKGATE_CONFORMANCE_BEARER;
const origin = process.env.TASKGATE_CONFORMANCE_ORIGIN;

function originOf(text) {
  try {
    return new URL(text).origin;
  } catch {
    return undefined;
  }
}

/** undici keeps headers as a flat [name, value, …] list (a string in old versions). */
function undiciHasAuthorization(headers) {
  if (typeof headers === 'string') return /^authorization:/im.test(headers);
  for (let i = 0; i < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === 'authorization') return true;
  }
  return false;
}

/** The origin a `node:http` request goes to: `(url[, options][, cb])` or `(options[, cb])`. */
function httpTarget(args) {
  const [first, second] = args;
  const url = typeof first === 'string' || first instanceof URL ? new URL(first) : undefined;
  const options = (url ? (typeof second === 'object' ? second : undefined) : first) ?? {};
  const protocol = options.protocol ?? url?.protocol ?? 'http:';
  let host = options.hostname ?? options.host ?? url?.hostname ?? 'localhost';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = options.port ?? url?.port ?? '';
  return originOf(`${protocol}//${host}${port === '' ? '' : `:${port}`}`);
}

function bearerOnHttp(send) {
  return function sendWithBearer(...args) {
    const request = send.apply(this, args);
    if (httpTarget(args) === origin && !request.headersSent && !request.getHeader('authorization')) {
      request.setHeader('authorization', `Bearer ${token}`);
    }
    return request;
  };
}

if (token && origin) {
  diagnostics.subscribe('undici:request:create', ({ request }) => {
    if (originOf(String(request.origin)) === origin && !undiciHasAuthorization(request.headers)) {
      request.addHeader('authorization', `Bearer ${token}`);
    }
  });
  http.request = bearerOnHttp(http.request);
  // `get` ends the request before returning it: rebuilt on the wrapped `request`.
  http.get = function getWithBearer(...args) {
    const request = http.request(...args);
    request.end();
    return request;
  };
}
