"""Small builders for history items and approvers shared by the engine-level tests."""

from __future__ import annotations

from infercode.engine.approval import ApprovalRequest, Decision


def call_item(call_id: str, name: str = "shell") -> dict[str, object]:
    """A ``function_call`` history item with empty arguments."""
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": "{}"}


class ApproveAll:
    """An approver that says yes to everything (for tests about something else)."""

    def decide(self, request: ApprovalRequest) -> Decision:
        return Decision(allow=True)
