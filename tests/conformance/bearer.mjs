// Preloaded into the conformance CLI (`node --import ./bearer.mjs`) when it
// talks to taskgate: the suite has no option to send credentials in server
// mode, and taskgate authenticates every request. This adds
// `Authorization: Bearer $TASKGATE_CONFORMANCE_BEARER` to each `fetch` aimed
// at the origin $TASKGATE_CONFORMANCE_ORIGIN (the suite's tasks scenarios
// send all their traffic through the global `fetch`), and leaves everything
// else, including an Authorization header the suite set itself, untouched.
const token = process.env.TASKGATE_CONFORMANCE_BEARER;
const origin = process.env.TASKGATE_CONFORMANCE_ORIGIN;

if (token && origin) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = function fetchWithBearer(input, init = {}) {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    if (url.origin !== origin) return realFetch(input, init);
    const headers = new Headers(request?.headers);
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return realFetch(input, { ...init, headers });
  };
}
