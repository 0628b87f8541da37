"""Shared plumbing of the Python interop clients (py_client.py, py_tasks_client.py):
timeouts (INTEROP_TIMEOUT_SCALE), step timeouts, the transcript helpers, the transport with
its DELETE-status observer, the initialize / terminate parts of the transcript, and the
process frame (CLI arguments, SIGALRM backstop, failure report, printing the transcript).
The contract is documented at the top of each client script.

Not a script: the clients import it from their own directory (Python puts a script's
directory first on sys.path, whatever the working directory).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
import warnings
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
import httpx

# streamablehttp_client and the experimental task API are deprecated in mcp 1.30.0.
warnings.filterwarnings("ignore", category=DeprecationWarning)

from mcp.client.streamable_http import streamablehttp_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402


def _scale() -> float:
    try:
        value = float(os.environ.get("INTEROP_TIMEOUT_SCALE", "1"))
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


# INTEROP_TIMEOUT_SCALE (optional, default 1) multiplies every timeout, for loaded machines.
SCALE = _scale()
STEP_TIMEOUT_S = 10 * SCALE


class Failure(Exception):
    pass


def canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def dump(model: Any) -> Any:
    if model is None:
        return None
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def step(name: str, awaitable: Any) -> Any:
    try:
        with anyio.fail_after(STEP_TIMEOUT_S):
            return await awaitable
    except TimeoutError as exc:
        raise Failure(f"step {name} exceeded {STEP_TIMEOUT_S} s") from exc


def open_transport(
    url: str, token: str, whole_run_timeout_s: float
) -> tuple[AbstractAsyncContextManager[Any], list[int]]:
    """streamablehttp_client(terminate_on_close=True) with `Authorization: Bearer <token>`.

    Leaving it sends the DELETE through StreamableHTTPTransport.terminate_session, which
    swallows every outcome (it only logs), so the DELETE's HTTP status is observed with an
    httpx response event hook: the returned list collects it.
    """
    delete_statuses: list[int] = []

    async def on_response(response: httpx.Response) -> None:
        if response.request.method == "DELETE":
            delete_statuses.append(response.status_code)

    def client_factory(
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.AsyncClient:
        client = create_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
        client.event_hooks["response"].append(on_response)
        return client

    transport = streamablehttp_client(
        url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=STEP_TIMEOUT_S,
        sse_read_timeout=whole_run_timeout_s,
        terminate_on_close=True,
        httpx_client_factory=client_factory,
    )
    return transport, delete_statuses


def describe_initialize(init: Any, session_id: Any) -> dict[str, Any]:
    """The run-independent part of the InitializeResult, as in the transcript."""
    caps = dump(init.capabilities)
    return {
        "protocolVersion": init.protocolVersion,
        "serverName": init.serverInfo.name,
        "serverVersion": init.serverInfo.version,
        "capabilities": sorted(caps.keys()),
        "sessionIdAssigned": isinstance(session_id, str) and len(session_id) > 0,
    }


def describe_terminate(delete_statuses: list[int]) -> dict[str, Any]:
    return {
        "sent": bool(delete_statuses),
        "status": delete_statuses[-1] if delete_statuses else None,
    }


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def client_main(
    prog: str,
    whole_run_timeout_s: float,
    run: Callable[[str, str], Awaitable[Any]],
    to_transcript: Callable[[Any], dict[str, Any]] = lambda result: result,
) -> int:
    """The clients' main(): `<prog>.py <url> <bearer-token>` (else usage, exit 2); runs
    `run(url, token)` under the whole-run limit plus a SIGALRM backstop 5 s later; on
    failure a traceback and `<prog>: FAILED: ...` on stderr, exit 1; on success
    `to_transcript(result)` (which may write stderr lines first) printed as canonical JSON
    on stdout, exit 0."""
    if len(sys.argv) != 3:
        print(f"usage: {prog}.py <url> <bearer-token>", file=sys.stderr)
        return 2
    url, token = sys.argv[1], sys.argv[2]

    # Last-resort guard in case cleanup itself hangs past the anyio deadline.
    def on_alarm(_signum: int, _frame: Any) -> None:
        sys.stderr.write(f"{prog}: FAILED: hard timeout ({int(whole_run_timeout_s) + 5} s)\n")
        sys.stderr.flush()
        os._exit(1)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(whole_run_timeout_s) + 5)

    async def main_async() -> Any:
        with anyio.fail_after(whole_run_timeout_s):
            return await run(url, token)

    try:
        result = anyio.run(main_async)
    except BaseException as exc:  # noqa: BLE001 - report anything and exit non-zero
        inner = _unwrap(exc)
        if isinstance(inner, TimeoutError):
            msg = f"whole run exceeded {whole_run_timeout_s} s"
        else:
            msg = f"{type(inner).__name__}: {inner}"
        traceback.print_exception(exc, file=sys.stderr)
        sys.stderr.write(f"{prog}: FAILED: {msg}\n")
        return 1
    signal.alarm(0)
    transcript = to_transcript(result)
    sys.stdout.write(json.dumps(canonical(transcript), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0
