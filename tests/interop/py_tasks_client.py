#!/usr/bin/env python3
"""Legacy (2025-11-25, experimental) TASKS interop client for taskgate, built only from the
official, unmodified Python SDK (`mcp`, exact pin with all transitive deps in
requirements.txt) and its experimental client task API (`session.experimental.*`).

CLI CONTRACT
  tests/interop/.venv/bin/python tests/interop/py_tasks_client.py <url> <bearer-token>

  <url>           MCP endpoint of ts_tasks_server.mjs, directly or through the gateway
  <bearer-token>  sent as `Authorization: Bearer <bearer-token>` on every HTTP request

  mcp 1.30.0 offers (ClientSession.experimental, deprecated there in favour of a future
  extension, DeprecationWarning hidden): call_tool_as_task(name, args, ttl=) ->
  CreateTaskResult, get_task, get_task_result(id, CallToolResult), list_tasks(cursor),
  cancel_task, poll_task (async generator over tasks/get until terminal). No stream helper
  like the TS callToolStream; the script composes the same flow from these.
  Client capabilities: elicitation {form, url} (the SDK declares both once an
  elicitation_callback is given); no client-side tasks capability.

  Fixed scenario (labels in brackets):
    1. initialize; tools/list
    2. [slow]    call_tool_as_task slow_task {ms:300, text:"slow done"} (ttl 30000); poll_task
                 until terminal; get_task_result; then get_task and get_task_result again
    3. [plain]   call_tool slow_task {ms:50, text:"plain done"} without task augmentation
    4. [failing] call_tool_as_task failing_task {ms:200}; poll_task until terminal;
                 get_task_result (the stored isError result); get_task; get_task_result
    5. [confirm] call_tool_as_task confirm_task {action:"deploy"}; poll_task until
                 input_required (or terminal), then get_task_result, which blocks while the
                 server's elicitation/create (related-task _meta) is answered by the
                 elicitation_callback with {action:"accept", content:{confirm:true}} plus the
                 request's related-task _meta echoed in the result; then get_task and
                 get_task_result
    6. [long]    call_tool_as_task long_task; get_task (working); cancel_task; poll_task until
                 terminal (cancelled); get_task; cancel_task again (terminal -> error);
                 get_task_result (no result -> error)
    7. [unknown] get_task, get_task_result, cancel_task on "no-such-task" (error codes)
    8. [page0..page7] call_tool_as_task slow_task {ms:0, text:"page <i>"} 8 times, then each
                 polled until terminal and its result fetched, so that this session holds 13
                 tasks (with the plain call's internal one) and its tasks/list needs two pages
                 of the SDK's 10 (transcript key "paging", in index order)
    9. [list]    list_tasks, following nextCursor (at most 100 pages)
   10. waits (at most 3 s) for the terminal notifications/tasks/status of slow, failing,
       confirm and page0..page7 (standalone GET stream); a missing one is not fatal, it shows
       in the transcript
   11. leave ClientSession and streamablehttp_client(terminate_on_close=True) -> DELETE

  Success: exit 0, stdout = ONE JSON document (pretty-printed, keys sorted recursively) with
  nothing run-specific, identical direct and through the gateway. Same rules as
  ts_tasks_client.mjs: known task ids -> "<task:LABEL>" everywhere (also inside strings),
  other "taskId" values -> "<unknown-task-id>", createdAt/lastUpdatedAt -> "<timestamp>",
  errors as {code} only, idConsistency.<label>.<operation> booleans, notifications.<label>
  (statuses in arrival order), list.<label> {present, status}. Models are dumped with
  model_dump(mode="json", by_alias=True, exclude_none=True), so e.g. CallToolResult carries
  isError:false.
  stderr gets, once each: TASK_IDS <json array> (every distinct "taskId" value in any JSON-RPC
  message in either direction, first-seen order, without the probe id "no-such-task"),
  TASK_ID_SHAPES <json object>, TASK_CURSORS <json array>, TASK_ERRORS <json object>
  (step -> {code, message}).
  Failure (a step errors unexpectedly, a step exceeds 10 s, the whole run exceeds 25 s): exit
  1, traceback and `py_tasks_client: FAILED: ...` on stderr, nothing on stdout; SIGALRM
  backstop 5 s after the whole-run limit. Env INTEROP_TIMEOUT_SCALE=<number> (default 1)
  multiplies all limits. Bad arguments: exit 2.
"""

from __future__ import annotations

import json
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
    canonical,
    client_main,
    describe_initialize,
    describe_terminate,
    dump,
    open_transport,
    step,
)
from mcp import ClientSession  # noqa: E402
from mcp import types  # noqa: E402
from mcp.shared.exceptions import McpError  # noqa: E402
from mcp.shared.message import SessionMessage  # noqa: E402

WHOLE_RUN_TIMEOUT_S = 25 * SCALE
NOTIFICATION_WAIT_S = 3 * SCALE
TASK_TTL_MS = 30000
UNKNOWN_ID = "no-such-task"
PAGING_TASKS = 8
RELATED = "io.modelcontextprotocol/related-task"
TERMINAL = ("completed", "failed", "cancelled")


class Tracker:
    """Task ids the client knows (label -> id) and everything seen on the wire."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}
        self.seen_ids: list[str] = []
        self.seen_cursors: list[str] = []
        self.errors: dict[str, dict[str, Any]] = {}

    def scan(self, value: Any, parent: str | None = None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self.scan(v, k)
        elif isinstance(value, list):
            for v in value:
                self.scan(v, parent)
        elif isinstance(value, str):
            if parent == "taskId" and value != UNKNOWN_ID and value not in self.seen_ids:
                self.seen_ids.append(value)
            if parent in ("nextCursor", "cursor") and value not in self.seen_cursors:
                self.seen_cursors.append(value)

    def label_of(self, task_id: str) -> str | None:
        for label, known_id in self.known.items():
            if known_id == task_id:
                return label
        return None

    def scrub(self, value: Any, parent: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v, parent) for v in value]
        if isinstance(value, str):
            if parent in ("createdAt", "lastUpdatedAt"):
                return "<timestamp>"
            label = self.label_of(value)
            if label:
                return f"<task:{label}>"
            if parent == "taskId":
                return "<unknown-task-id>"
            for lab, tid in self.known.items():
                value = value.replace(tid, f"<task:{lab}>")
            return value
        return value


def related_task_id(meta: Any) -> str | None:
    if not isinstance(meta, dict):
        return None
    related = meta.get(RELATED)
    return related.get("taskId") if isinstance(related, dict) else None


async def run(url: str, token: str) -> tuple[dict[str, Any], Tracker]:
    tracker = Tracker()
    transcript: dict[str, Any] = {"client": "py", "sdk": f"mcp@{dist_version('mcp')}"}
    status_notes: dict[str, list[str]] = {}
    elicitations: list[dict[str, Any]] = []

    async def message_handler(message: Any) -> None:
        if isinstance(message, types.ServerNotification) and isinstance(message.root, types.TaskStatusNotification):
            params = message.root.params
            status_notes.setdefault(params.taskId, []).append(params.status)

    async def elicitation_callback(context: Any, params: Any) -> types.ElicitResult:
        raw = dump(params)
        related = related_task_id(raw.get("_meta"))
        elicitations.append({"params": raw, "relatedTaskId": related})
        answer: dict[str, Any] = {"action": "accept", "content": {"confirm": True}}
        if related is not None:
            answer["_meta"] = {RELATED: {"taskId": related}}
        return types.ElicitResult.model_validate(answer)

    async def expect_error(name: str, awaitable: Any) -> dict[str, Any]:
        try:
            with anyio.fail_after(STEP_TIMEOUT_S):
                result = await awaitable
        except TimeoutError as exc:
            raise Failure(f"step {name} exceeded {STEP_TIMEOUT_S} s") from exc
        except McpError as exc:
            tracker.errors[name] = {"code": exc.error.code, "message": exc.error.message}
            return {"code": exc.error.code}
        return {"unexpectedSuccess": tracker.scrub(dump(result))}

    step_timeout = timedelta(seconds=STEP_TIMEOUT_S)
    consistency: dict[str, dict[str, bool]] = {}

    transport, delete_statuses = open_transport(url, token, WHOLE_RUN_TIMEOUT_S)
    async with transport as (read_stream, write_stream, get_session_id):
        # Interpose on the SDK's message streams to see every JSON-RPC message both ways.
        to_session_send, to_session_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        from_session_send, from_session_recv = anyio.create_memory_object_stream[SessionMessage](0)

        async def pump_in() -> None:
            async with to_session_send:
                async for item in read_stream:
                    if isinstance(item, SessionMessage):
                        tracker.scan(item.message.model_dump(mode="json", by_alias=True, exclude_none=True))
                    await to_session_send.send(item)

        async def pump_out() -> None:
            async for item in from_session_recv:
                tracker.scan(item.message.model_dump(mode="json", by_alias=True, exclude_none=True))
                await write_stream.send(item)

        async with anyio.create_task_group() as pumps:
            pumps.start_soon(pump_in)
            pumps.start_soon(pump_out)
            async with ClientSession(
                to_session_recv,
                from_session_send,
                read_timeout_seconds=step_timeout,
                message_handler=message_handler,
                elicitation_callback=elicitation_callback,
                client_info=types.Implementation(name="taskgate-interop-py-tasks-client", version="1.0.0"),
            ) as session:
                experimental = session.experimental

                async def poll(task_id: str, name: str, stop: tuple[str, ...] = ()) -> str:
                    async def go() -> str:
                        last = ""
                        async for status in experimental.poll_task(task_id):
                            last = status.status
                            if last in stop:
                                break
                        return last

                    return await step(name, go())

                async def create(label: str, name: str, arguments: dict[str, Any]) -> types.CreateTaskResult:
                    created = await step(
                        f"{label}.create", experimental.call_tool_as_task(name, arguments, ttl=TASK_TTL_MS)
                    )
                    tracker.known[label] = created.task.taskId
                    return created

                init = await step("initialize", session.initialize())
                transcript["initialize"] = {
                    **describe_initialize(init, get_session_id()),
                    "tasksCapability": dump(init.capabilities).get("tasks"),
                }

                listed = await step("tools/list", session.list_tools())
                transcript["tools"] = sorted(
                    (
                        {
                            "name": t.name,
                            "taskSupport": t.execution.taskSupport if t.execution is not None else None,
                        }
                        for t in listed.tools
                    ),
                    key=lambda t: t["name"],
                )

                async def fetch_results(label: str, tid: str) -> tuple[Any, Any, Any]:
                    """tasks/result, tasks/get, tasks/result again (steps <label>.result|get|resultAgain)."""
                    first = await step(f"{label}.result", experimental.get_task_result(tid, types.CallToolResult))
                    got = await step(f"{label}.get", experimental.get_task(tid))
                    again = await step(f"{label}.resultAgain", experimental.get_task_result(tid, types.CallToolResult))
                    return first, got, again

                def result_consistency(tid: str, first: Any, got: Any, again: Any) -> dict[str, bool]:
                    return {
                        "get": got.taskId == tid,
                        "resultMeta": related_task_id(first.meta) == tid,
                        "resultAgainMeta": related_task_id(again.meta) == tid,
                    }

                async def run_to_end(label: str, name: str, arguments: dict[str, Any]) -> None:
                    """[slow], [failing]: create, poll until terminal, then fetch_results."""
                    created = await create(label, name, arguments)
                    tid = created.task.taskId
                    polled = await poll(tid, f"{label}.poll")
                    first, got, again = await fetch_results(label, tid)
                    consistency[label] = result_consistency(tid, first, got, again)
                    transcript[label] = {
                        "created": tracker.scrub(dump(created)),
                        "polledTerminal": polled,
                        "result": tracker.scrub(dump(first)),
                        "get": tracker.scrub(dump(got)),
                        "resultAgain": tracker.scrub(dump(again)),
                    }

                # ---- [slow] ------------------------------------------------------------
                await run_to_end("slow", "slow_task", {"ms": 300, "text": "slow done"})

                # ---- [plain] -----------------------------------------------------------
                plain = await step("plain", session.call_tool("slow_task", {"ms": 50, "text": "plain done"}))
                transcript["plain"] = {"result": tracker.scrub(dump(plain))}

                # ---- [failing] ---------------------------------------------------------
                await run_to_end("failing", "failing_task", {"ms": 200})

                # ---- [confirm] ---------------------------------------------------------
                before = len(elicitations)
                created = await create("confirm", "confirm_task", {"action": "deploy"})
                tid = created.task.taskId
                # Which of input_required / completed the poll stops at depends on timing
                # (with GET-stream delivery the answer can land before a poll sees
                # input_required), so it is not recorded.
                await poll(tid, "confirm.poll", stop=("input_required",))
                first, got, again = await fetch_results("confirm", tid)
                mine = elicitations[before:]
                consistency["confirm"] = {
                    **result_consistency(tid, first, got, again),
                    "elicitationMeta": len(mine) == 1 and mine[0]["relatedTaskId"] == tid,
                }
                transcript["confirm"] = {
                    "created": tracker.scrub(dump(created)),
                    "elicitations": [tracker.scrub(e["params"]) for e in mine],
                    "result": tracker.scrub(dump(first)),
                    "get": tracker.scrub(dump(got)),
                    "resultAgain": tracker.scrub(dump(again)),
                }

                # ---- [long] ------------------------------------------------------------
                created = await create("long", "long_task", {})
                tid = created.task.taskId
                working = await step("long.getWorking", experimental.get_task(tid))
                cancelled = await step("long.cancel", experimental.cancel_task(tid))
                polled = await poll(tid, "long.poll")
                got = await step("long.get", experimental.get_task(tid))
                cancel_again = await expect_error("long.cancelAgain", experimental.cancel_task(tid))
                result = await expect_error("long.result", experimental.get_task_result(tid, types.CallToolResult))
                consistency["long"] = {
                    "getWorking": working.taskId == tid,
                    "cancel": cancelled.taskId == tid,
                    "get": got.taskId == tid,
                }
                transcript["long"] = {
                    "created": tracker.scrub(dump(created)),
                    "getWorking": tracker.scrub(dump(working)),
                    "cancel": tracker.scrub(dump(cancelled)),
                    "polledTerminal": polled,
                    "get": tracker.scrub(dump(got)),
                    "cancelAgain": cancel_again,
                    "result": result,
                }

                # ---- [unknown] ---------------------------------------------------------
                transcript["unknown"] = {
                    "get": await expect_error("unknown.get", experimental.get_task(UNKNOWN_ID)),
                    "result": await expect_error(
                        "unknown.result", experimental.get_task_result(UNKNOWN_ID, types.CallToolResult)
                    ),
                    "cancel": await expect_error("unknown.cancel", experimental.cancel_task(UNKNOWN_ID)),
                }

                # ---- [page0..page7] ----------------------------------------------------
                # Enough more tasks that this session's tasks/list spans two pages (the
                # SDK's pages hold 10), so a nextCursor is seen and followed.
                paging: list[dict[str, Any]] = []
                for i in range(PAGING_TASKS):
                    created = await create(f"page{i}", "slow_task", {"ms": 0, "text": f"page {i}"})
                    paging.append({"created": tracker.scrub(dump(created))})
                for i, entry in enumerate(paging):
                    tid = tracker.known[f"page{i}"]
                    entry["polledTerminal"] = await poll(tid, f"page{i}.poll")
                    first = await step(f"page{i}.result", experimental.get_task_result(tid, types.CallToolResult))
                    entry["result"] = tracker.scrub(dump(first))
                    consistency[f"page{i}"] = {"resultMeta": related_task_id(first.meta) == tid}
                transcript["paging"] = paging

                # ---- [list] ------------------------------------------------------------
                all_tasks: list[types.Task] = []
                cursor: str | None = None
                for _ in range(100):
                    page = await step("list", experimental.list_tasks(cursor))
                    all_tasks.extend(page.tasks)
                    cursor = page.nextCursor
                    if not cursor:
                        break
                listing: dict[str, Any] = {}
                for label, known_id in tracker.known.items():
                    entry = next((t for t in all_tasks if t.taskId == known_id), None)
                    listing[label] = {"present": entry is not None, "status": entry.status if entry else None}
                    consistency[label]["list"] = entry is not None
                transcript["list"] = listing

                # ---- notifications/tasks/status (GET stream) ---------------------------
                expected = {"slow": "completed", "failing": "failed", "confirm": "completed"}
                expected.update({f"page{i}": "completed" for i in range(PAGING_TASKS)})

                def arrived() -> bool:
                    return all(
                        status in status_notes.get(tracker.known[label], []) for label, status in expected.items()
                    )

                with anyio.move_on_after(NOTIFICATION_WAIT_S):
                    while not arrived():
                        await anyio.sleep(0.02)
                notifications: dict[str, list[str]] = {}
                for label, known_id in tracker.known.items():
                    notifications[label] = list(status_notes.get(known_id, []))
                    consistency[label]["notification"] = len(notifications[label]) > 0
                transcript["notifications"] = notifications
                unmatched = {k: v for k, v in status_notes.items() if tracker.label_of(k) is None}
                if unmatched:
                    sys.stderr.write(
                        f"py_tasks_client: status notifications for tasks not created by this client: {json.dumps(unmatched)}\n"
                    )

                ids = list(tracker.known.values())
                transcript["idConsistency"] = consistency
                transcript["taskIds"] = {
                    "count": len(ids),
                    "distinct": len(set(ids)) == len(ids),
                    "allNonEmptyStrings": all(isinstance(i, str) and len(i) > 0 for i in ids),
                }
            # ClientSession closed; stop the pumps before leaving streamablehttp_client (DELETE).
            pumps.cancel_scope.cancel()

    transcript["terminate"] = describe_terminate(delete_statuses)
    return transcript, tracker


def emit_stderr_lines(tracker: Tracker) -> None:
    shapes = {
        i: {"prefix": i[:4], "len": len(i), "len_class": "short" if len(i) <= 32 else "long"}
        for i in tracker.seen_ids
    }
    sys.stderr.write(f"TASK_IDS {json.dumps(tracker.seen_ids)}\n")
    sys.stderr.write(f"TASK_ID_SHAPES {json.dumps(shapes)}\n")
    sys.stderr.write(f"TASK_CURSORS {json.dumps(tracker.seen_cursors)}\n")
    sys.stderr.write(f"TASK_ERRORS {json.dumps(canonical(tracker.errors))}\n")
    sys.stderr.flush()


def main() -> int:
    def to_transcript(result: tuple[dict[str, Any], Tracker]) -> dict[str, Any]:
        transcript, tracker = result
        emit_stderr_lines(tracker)
        return transcript

    return client_main("py_tasks_client", WHOLE_RUN_TIMEOUT_S, run, to_transcript)


if __name__ == "__main__":
    sys.exit(main())
