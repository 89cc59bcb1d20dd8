"""``--output-format json`` and ``stream-json``: engine events as JSON for scripts.

``stream-json`` prints one object per line as things happen, each flushed at once; ``json`` prints
one object at the end. Both end with the same ``result`` object, also on failure
(``is_error: true``), so ``infercode ... --output-format json | jq .result`` always parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from infercode.engine.events import (
    JSON,
    Compacted,
    Event,
    HookRan,
    MessageDone,
    Notice,
    PlanUpdated,
    ReasoningDelta,
    ReasoningDone,
    RequestStarted,
    ResponseCompleted,
    Retrying,
    TextDelta,
    ToolDecided,
    ToolFinished,
    ToolOutputDelta,
    ToolRequested,
    ToolStarted,
    TurnFinished,
    Usage,
    assert_never,
)
from infercode.engine.valid_text import loads_text


def usage_record(usage: Usage) -> JSON:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_tokens": usage.cached_tokens,
    }


def _arguments(raw: str) -> object:
    try:
        return loads_text(raw)  # valid text, like everything else from the model
    except ValueError:
        return raw  # malformed arguments are shown as the model sent them


def event_record(event: Event) -> JSON | None:
    """The stream-json line for an event (None for events that have no line of their own)."""
    match event:
        case RequestStarted():
            return {"type": "turn_started", "turn": event.step}
        case TextDelta():
            return {"type": "text_delta", "text": event.text}
        case MessageDone():
            return {"type": "message", "text": event.text}
        case ReasoningDelta():
            return {"type": "reasoning_delta", "text": event.text}
        case ReasoningDone():
            return {"type": "reasoning", "text": event.text}
        case ToolRequested():
            record: JSON = {
                "type": "tool_requested",
                "call_id": event.call.call_id,
                "name": event.call.name,
                "arguments": _arguments(event.call.arguments),
                "kind": event.kind,
                "summary": event.summary,
                "outside_workspace": event.outside_workspace,
            }
            if event.server is not None:  # an MCP call: its server and the tool's own name
                record.update(server=event.server, tool=event.tool)
            return record
        case ToolDecided():
            return {
                "type": "tool_decided",
                "call_id": event.call.call_id,
                "name": event.call.name,
                "decision": event.decision,
                "message": event.message,
            }
        case ToolOutputDelta():
            return {"type": "tool_output_delta", "call_id": event.call.call_id, "text": event.text}
        case ToolFinished():
            return {
                "type": "tool_output",
                "call_id": event.call.call_id,
                "name": event.call.name,
                "ok": event.ok,
                "summary": event.summary,
                "output": event.output,
                "duration_ms": round(event.duration_s * 1000),
            }
        case ResponseCompleted():
            return {
                "type": "usage",
                "usage": usage_record(event.usage),
                "total": usage_record(event.total),
            }
        case Notice():
            return {"type": "notice", "text": event.text}
        case Retrying():
            # The deltas since the last turn_started or retry were the broken attempt's: drop them.
            return {
                "type": "retry",
                "attempt": event.attempt,
                "max_attempts": event.max_attempts,
                "delay_ms": round(event.delay_s * 1000),
                "reason": event.reason,
                "message": event.text(),
            }
        case PlanUpdated():
            return {
                "type": "plan",
                "call_id": event.call.call_id,
                "explanation": event.explanation,
                "plan": [{"step": step.step, "status": step.status} for step in event.steps],
                "changed": event.changed,
            }
        case Compacted():
            return {
                "type": "compacted",
                "before_tokens": event.before_tokens,
                "after_tokens": event.after_tokens,
            }
        case HookRan():
            return {
                "type": "hook",
                "event": event.hook_event,
                "command": event.command,
                "outcome": event.outcome,
                "message": event.message,
                "duration_ms": round(event.duration_s * 1000),
            }
        case ToolStarted():
            return {"type": "tool_started", "call_id": event.call.call_id, "name": event.call.name}
        case TurnFinished():
            return None  # the run's ``result`` line says how it ended
        case _:
            assert_never(event)


@dataclass
class RunRecord:
    """What the final ``result`` object reports about the whole run."""

    session_id: str | None = None
    tool_calls: list[JSON] = field(default_factory=list)
    _decisions: dict[str, str] = field(default_factory=dict)

    def observe(self, event: Event) -> None:
        if isinstance(event, ToolDecided):
            self._decisions[event.call.call_id] = event.decision
        elif isinstance(event, ToolFinished):
            self.tool_calls.append(
                {
                    "name": event.call.name,
                    "call_id": event.call.call_id,
                    "decision": self._decisions.get(event.call.call_id, "invalid"),
                    "ok": event.ok,
                }
            )

    def result(
        self,
        finished: TurnFinished,
        *,
        exit_code: int,
        duration_s: float,
        result: object,
        error: str | None,
    ) -> JSON:
        return {
            "type": "result",
            "result": result,
            "is_error": exit_code not in (0, 3),
            "exit_code": exit_code,
            "error": error,
            "status": finished.status,
            "session_id": self.session_id,
            "turns": finished.steps,
            "usage": usage_record(finished.usage),
            "tool_calls": self.tool_calls,
            "denied_calls": finished.denied_calls,
            "duration_ms": round(duration_s * 1000),
        }


def write_line(out: TextIO, record: JSON, mask: Callable[[str], str] | None = None) -> None:
    """One JSON line; ``mask`` hides the API key in it (the key is plain JSON-safe text)."""
    line = json_line(record)
    out.write((mask(line) if mask is not None else line) + "\n")
    out.flush()


#: What ``json.dumps(ensure_ascii=False)`` leaves raw but a terminal may act on: DEL, C1
#: controls, bidi controls, line separators. Only ever inside JSON strings.
_JSON_RAW_CONTROL = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def json_line(record: object) -> str:
    """``record`` as one line of JSON that is safe on a terminal and decodes to the same data:
    json escapes C0 controls itself; the rest that a terminal acts on become ``\\uXXXX`` too."""
    line = json.dumps(record, ensure_ascii=False)
    return _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def error_result(message: str, exit_code: int) -> JSON:
    """The result object for a run that failed before it started (usage errors)."""
    return {
        "type": "result",
        "result": None,
        "is_error": True,
        "exit_code": exit_code,
        "error": message,
        "status": "failed",
        "session_id": None,
        "turns": 0,
        "usage": usage_record(Usage()),
        "tool_calls": [],
        "denied_calls": 0,
        "duration_ms": 0,
    }
