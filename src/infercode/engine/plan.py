"""``update_plan``: the model's visible plan (Codex's tool, which OpenAI models are trained on).

The engine handles this call itself instead of running a tool: the arguments are validated into
a ``PlanUpdated`` event and the call's output is a fixed acknowledgement. Nothing is executed, so
nothing can touch the disk, and there is nothing to approve; the call and its output stay in the
history like any other call's.
"""

from __future__ import annotations

import json

from infercode.engine.events import JSON, PlanStatus, PlanStep, ToolCall
from infercode.errors import ToolError
from infercode.tools.base import ToolSpec

PLAN_TOOL = "update_plan"
STATUSES: tuple[PlanStatus, ...] = ("pending", "in_progress", "completed")
ACKNOWLEDGED = "Plan updated."

SPEC = ToolSpec(
    name=PLAN_TOOL,
    description=(
        "Keep the user informed of your plan for a task of several steps: send the whole plan "
        "each time a step starts or finishes (at most one step in_progress). Short steps of a "
        "few words. Needs no approval and changes nothing."
    ),
    parameters={
        "type": "object",
        "properties": {
            "explanation": {
                "type": "string",
                "description": "Why the plan is what it is (optional).",
            },
            "plan": {
                "type": "array",
                "description": "The steps, in order.",
                "items": {
                    "type": "object",
                    "properties": {
                        "step": {"type": "string"},
                        "status": {"type": "string", "enum": list(STATUSES)},
                    },
                    "required": ["step", "status"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["plan"],
        "additionalProperties": False,
    },
    kind="plan",
    mutating=False,
)


def parse_plan(arguments: str) -> tuple[str | None, tuple[PlanStep, ...]]:
    """The explanation and steps of an ``update_plan`` call; ``ToolError`` says what is wrong."""
    try:
        args = json.loads(arguments) if arguments.strip() else {}
    except ValueError as error:
        raise ToolError(f"The arguments are not valid JSON ({error}).") from None
    if not isinstance(args, dict):
        raise ToolError("The arguments must be a JSON object with a `plan` array.")
    explanation = args.get("explanation")
    if explanation is not None and not isinstance(explanation, str):
        raise ToolError("`explanation` must be a string.")
    raw = args.get("plan")
    if not isinstance(raw, list):
        raise ToolError("`plan` is required: an array of {step, status} objects.")
    steps: list[PlanStep] = []
    for index, item in enumerate(raw, start=1):
        step = item.get("step") if isinstance(item, dict) else None
        status = item.get("status") if isinstance(item, dict) else None
        if not isinstance(step, str) or not step.strip():
            raise ToolError(f"Step {index} needs a non-empty `step` string.")
        if status not in STATUSES:
            raise ToolError(f"Step {index}: `status` must be one of {', '.join(STATUSES)}.")
        steps.append(PlanStep(step.strip(), status))
    if sum(step.status == "in_progress" for step in steps) > 1:
        raise ToolError("At most one step may be in_progress at a time.")
    return (explanation.strip() or None) if explanation else None, tuple(steps)


def last_plan(items: list[JSON]) -> tuple[str | None, tuple[PlanStep, ...]] | None:
    """The plan of the last valid ``update_plan`` call in a history (a resumed session's)."""
    for item in reversed(items):
        if item.get("type") == "function_call" and item.get("name") == PLAN_TOOL:
            try:
                return parse_plan(str(item.get("arguments", "")))
            except ToolError:
                continue
    return None


def plan_markdown(explanation: str | None, steps: tuple[PlanStep, ...]) -> str:
    """The plan as a Markdown checklist (what leaving plan mode sends back to the model)."""
    marks = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}
    lines = [f"- {marks[step.status]} {step.step}" for step in steps]
    return "\n".join(([explanation, ""] if explanation else []) + lines)


def is_plan_call(call: ToolCall) -> bool:
    return call.name == PLAN_TOOL
