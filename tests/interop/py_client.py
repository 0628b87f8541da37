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

import logging
import os
import sys
from datetime import timedelta
from importlib.metadata import version as dist_version
from typing import Any

import anyio

# interop_common.py sits next to this script. Python puts the script's directory first on
# sys.path, except under -P / PYTHONSAFEPATH; cover that case too.
_HERE = os.path.dirname(os.path.realpath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

# Before any mcp import: hides the SDK's DeprecationWarnings.
from interop_common import (  # noqa: E402
    SCALE,
    STEP_TIMEOUT_S,
    Failure,
    client_main,
    describe_initialize,
    describe_terminate,
    dump,
    open_transport,
    step,
)
from mcp import ClientSession  # noqa: E402
from mcp import types  # noqa: E402

WHOLE_RUN_TIMEOUT_S = 20 * SCALE
LATE_LOG_WAIT_S = 3 * SCALE


class _WarningCollector(logging.Handler):
    """Collects what the SDK's streamable HTTP client logs at WARNING+ (e.g. a failed DELETE)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def run(url: str, token: str) -> dict[str, Any]:
    transcript: dict[str, Any] = {"client": "py", "sdk": f"mcp@{dist_version('mcp')}"}
    logs: list[dict[str, Any]] = []

    sdk_logger = logging.getLogger("mcp.client.streamable_http")
    collector = _WarningCollector()
    sdk_logger.addHandler(collector)

    async def logging_callback(params: types.LoggingMessageNotificationParams) -> None:
        logs.append({"level": params.level, "logger": params.logger, "data": params.data})

    step_timeout = timedelta(seconds=STEP_TIMEOUT_S)

    transport, delete_statuses = open_transport(url, token, WHOLE_RUN_TIMEOUT_S)
    async with transport as (read_stream, write_stream, get_session_id):
        async with ClientSession(
            read_stream,
            write_stream,
            read_timeout_seconds=step_timeout,
            logging_callback=logging_callback,
            client_info=types.Implementation(name="taskgate-interop-py-client", version="1.0.0"),
        ) as session:
            init = await step("initialize", session.initialize())
            transcript["initialize"] = describe_initialize(init, get_session_id())

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
    transcript["terminate"] = {**describe_terminate(delete_statuses), "sdkWarnings": collector.messages}
    return transcript


def main() -> int:
    return client_main("py_client", WHOLE_RUN_TIMEOUT_S, run)


if __name__ == "__main__":
    sys.exit(main())
