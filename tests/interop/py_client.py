#!/usr/bin/env python3
"""Interop test client for taskgate, built only from the official, unmodified Python SDK
(`mcp`, exact pin with all transitive deps in requirements.txt).

CLI CONTRACT
  tests/interop/.venv/bin/python tests/interop/py_client.py <url> <bearer-token>

  <url>           MCP endpoint, e.g. http://127.0.0.1:<port>/mcp (upstream or gateway)
  <bearer-token>  sent as `Authorization: Bearer <bearer-token>` on every HTTP request
                  (POST, GET stream, DELETE)

  Must run with the venv's interpreter (created by scripts/install-interop-deps.sh).
  Runs one fixed scenario against a server that offers the tools of ts_server.mjs:
    1. initialize (ClientSession.initialize)
    2. tools/list
    3. tools/call echo {text:"hello interop"}
    4. tools/call add {a:2, b:40}
    5. tools/call progress_steps {steps:3} with progress_callback (which makes the SDK send a
       progressToken); log lines are collected by logging_callback
    6. tools/call notify_later {text:"late hello"}, then waits up to 3 s for the
       notifications/message {logger:"notify_later"} that the server sends on the
       standalone GET SSE stream ~100 ms later
    7. leave ClientSession, then leave streamablehttp_client(terminate_on_close=True): on
       exit the SDK sends HTTP DELETE with Mcp-Session-Id (StreamableHTTPTransport.
       terminate_session). That method swallows every outcome (it only logs), so the
       DELETE's HTTP status is observed with an httpx response event hook.

  Success: exit 0, stdout = ONE JSON document (pretty-printed, object keys sorted
  recursively, trailing newline). It holds nothing run-specific (no session ids, ports,
  timestamps), so a direct run and a run through the gateway must produce byte-identical
  stdout. Fields:
    client           "py"
    sdk              "mcp@<version>"
    initialize       {protocolVersion, serverName, serverVersion, capabilities:[sorted
                      top-level capability keys], sessionIdAssigned: bool}
    tools            [sorted tool names]
    echo, add        full CallToolResult (model_dump(mode="json", by_alias, exclude_none))
    progress_steps   {result, progress:[{progress,total,message}...] in arrival order (floats,
                      as the SDK passes them), logs:[{level,logger,data}...] received while
                      the call ran} (both arrays are empty when the upstream runs
                      --json-response)
    notify_later     {result, log:{level,logger,data}}
    terminate        {sent: bool (a DELETE response was seen), status: <HTTP status>|null,
                      sdkWarnings: [messages the SDK logged while terminating]}
  Failure (any step errors, the GET-stream log never arrives within 3 s, a step exceeds
  10 s, or the whole run exceeds 20 s): exit 1, a message / traceback on stderr, nothing on
  stdout. Env INTEROP_TIMEOUT_SCALE=<number> (optional, default 1) multiplies all limits.
  Bad arguments: exit 2.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import traceback
import warnings
from datetime import timedelta
from importlib.metadata import version as dist_version
from typing import Any

import anyio
import httpx

warnings.filterwarnings("ignore", category=DeprecationWarning)

from mcp import ClientSession  # noqa: E402
from mcp import types  # noqa: E402
from mcp.client.streamable_http import streamablehttp_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402

def _scale() -> float:
    try:
        value = float(os.environ.get("INTEROP_TIMEOUT_SCALE", "1"))
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


# INTEROP_TIMEOUT_SCALE (optional, default 1) multiplies every timeout, for loaded machines.
WHOLE_RUN_TIMEOUT_S = 20 * _scale()
STEP_TIMEOUT_S = 10 * _scale()
LATE_LOG_WAIT_S = 3 * _scale()


class Failure(Exception):
    pass


class _WarningCollector(logging.Handler):
    """Collects what the SDK's streamable HTTP client logs at WARNING+ (e.g. a failed DELETE)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def step(name: str, awaitable: Any) -> Any:
    try:
        with anyio.fail_after(STEP_TIMEOUT_S):
            return await awaitable
    except TimeoutError as exc:
        raise Failure(f"step {name} exceeded {STEP_TIMEOUT_S} s") from exc


async def run(url: str, token: str) -> dict[str, Any]:
    transcript: dict[str, Any] = {"client": "py", "sdk": f"mcp@{dist_version('mcp')}"}
    logs: list[dict[str, Any]] = []
    delete_statuses: list[int] = []

    sdk_logger = logging.getLogger("mcp.client.streamable_http")
    collector = _WarningCollector()
    sdk_logger.addHandler(collector)

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

    async def logging_callback(params: types.LoggingMessageNotificationParams) -> None:
        logs.append({"level": params.level, "logger": params.logger, "data": params.data})

    step_timeout = timedelta(seconds=STEP_TIMEOUT_S)

    async with streamablehttp_client(
        url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=STEP_TIMEOUT_S,
        sse_read_timeout=WHOLE_RUN_TIMEOUT_S,
        terminate_on_close=True,
        httpx_client_factory=client_factory,
    ) as (read_stream, write_stream, get_session_id):
        async with ClientSession(
            read_stream,
            write_stream,
            read_timeout_seconds=step_timeout,
            logging_callback=logging_callback,
            client_info=types.Implementation(name="taskgate-interop-py-client", version="1.0.0"),
        ) as session:
            init = await step("initialize", session.initialize())
            caps = dump(init.capabilities)
            session_id = get_session_id()
            transcript["initialize"] = {
                "protocolVersion": init.protocolVersion,
                "serverName": init.serverInfo.name,
                "serverVersion": init.serverInfo.version,
                "capabilities": sorted(caps.keys()),
                "sessionIdAssigned": isinstance(session_id, str) and len(session_id) > 0,
            }

            listed = await step("tools/list", session.list_tools())
            transcript["tools"] = sorted(t.name for t in listed.tools)

            transcript["echo"] = dump(await step("echo", session.call_tool("echo", {"text": "hello interop"})))
            transcript["add"] = dump(await step("add", session.call_tool("add", {"a": 2, "b": 40})))

            progress: list[dict[str, Any]] = []

            async def progress_callback(p: float, total: float | None, message: str | None) -> None:
                progress.append({"progress": p, "total": total, "message": message})

            logs_before = len(logs)
            progress_result = await step(
                "progress_steps",
                session.call_tool("progress_steps", {"steps": 3}, progress_callback=progress_callback),
            )
            transcript["progress_steps"] = {
                "result": dump(progress_result),
                "progress": progress,
                "logs": logs[logs_before:],
            }

            notify_result = await step("notify_later", session.call_tool("notify_later", {"text": "late hello"}))
            late_log = None
            with anyio.move_on_after(LATE_LOG_WAIT_S):
                while late_log is None:
                    late_log = next((entry for entry in logs if entry["logger"] == "notify_later"), None)
                    if late_log is None:
                        await anyio.sleep(0.02)
            if late_log is None:
                raise Failure(f"notify_later: no notifications/message on the GET stream within {LATE_LOG_WAIT_S} s")
            transcript["notify_later"] = {"result": dump(notify_result), "log": late_log}
        # ClientSession closed; leaving streamablehttp_client now sends the DELETE.

    sdk_logger.removeHandler(collector)
    transcript["terminate"] = {
        "sent": bool(delete_statuses),
        "status": delete_statuses[-1] if delete_statuses else None,
        "sdkWarnings": collector.messages,
    }
    return transcript


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


async def main_async(url: str, token: str) -> dict[str, Any]:
    with anyio.fail_after(WHOLE_RUN_TIMEOUT_S):
        return await run(url, token)


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: py_client.py <url> <bearer-token>", file=sys.stderr)
        return 2
    url, token = sys.argv[1], sys.argv[2]

    # Last-resort guard in case cleanup itself hangs past the anyio deadline.
    def on_alarm(_signum: int, _frame: Any) -> None:
        sys.stderr.write(f"py_client: FAILED: hard timeout ({int(WHOLE_RUN_TIMEOUT_S) + 5} s)\n")
        sys.stderr.flush()
        os._exit(1)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(WHOLE_RUN_TIMEOUT_S) + 5)

    try:
        transcript = anyio.run(main_async, url, token)
    except BaseException as exc:  # noqa: BLE001 - report anything and exit non-zero
        inner = _unwrap(exc)
        if isinstance(inner, TimeoutError):
            msg = f"whole run exceeded {WHOLE_RUN_TIMEOUT_S} s"
        else:
            msg = f"{type(inner).__name__}: {inner}"
        traceback.print_exception(exc, file=sys.stderr)
        sys.stderr.write(f"py_client: FAILED: {msg}\n")
        return 1
    signal.alarm(0)
    sys.stdout.write(json.dumps(canonical(transcript), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
