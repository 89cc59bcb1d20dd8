"""The pure parts: function names, schema conversion, result text, approval rules."""

from __future__ import annotations

import base64

from infercode.engine.approval import ApprovalRequest, DenyAll, SessionRules
from infercode.engine.events import ToolCall
from infercode.tools.mcp.names import VALID_NAME, function_name
from infercode.tools.mcp.results import result_text
from infercode.tools.mcp.schema import to_parameters
from infercode.ui.headless.tty_approver import always_rule


def test_names_are_sanitised_short_unique_and_stable() -> None:
    taken: set[str] = {"shell"}
    plain = function_name("git", "git_status", taken)
    assert plain == "mcp__git__git_status"
    dotted = function_name("my.srv", "list files!", taken)
    assert dotted == "mcp__my_srv__list_files_"
    taken.add(dotted)
    clash = function_name("my.srv", "list files?", taken)
    assert clash != dotted and VALID_NAME.fullmatch(clash)
    long = function_name("server", "t" * 100, taken)
    assert len(long) == 64 and VALID_NAME.fullmatch(long)
    assert long == function_name("server", "t" * 100, taken)  # same input, same name
    assert long != function_name("server", "t" * 99 + "u", taken)


def test_schema_conversion() -> None:
    assert to_parameters(None) == {"type": "object", "properties": {}}
    assert to_parameters({"type": "string"}) == {"type": "object", "properties": {}}
    converted = to_parameters(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
            "properties": {
                "tags": {"type": "array"},
                "opts": {"type": "object"},
                "nested": {"properties": {"x": {"type": "integer"}}},
            },
            "required": ["tags"],
        }
    )
    assert converted == {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {}},
            "opts": {"type": "object", "properties": {}},
            "nested": {"type": "object", "properties": {"x": {"type": "integer"}}},
        },
        "required": ["tags"],
    }
    assert to_parameters({"type": "object"}) == {"type": "object", "properties": {}}


def test_result_text_summarises_what_is_not_text() -> None:
    png = base64.b64encode(b"\x89PNG" + bytes(96)).decode()
    text = result_text(
        [
            {"type": "text", "text": "first"},
            {"type": "image", "data": png, "mimeType": "image/png"},
            {"type": "resource_link", "uri": "file:///a.txt", "name": "a"},
            {"type": "resource", "resource": {"uri": "file:///b", "text": "body"}},
            {"type": "resource", "resource": {"uri": "file:///c", "blob": png}},
        ]
    )
    assert text.splitlines() == [
        "first",
        "[image image/png, 100 bytes]",
        "[resource link file:///a.txt (a)]",
        "[resource file:///b]",
        "body",
        "[resource file:///c, ?, 100 bytes]",
    ]
    assert result_text([], {"n": 1}) == '{\n  "n": 1\n}'
    assert result_text([]) == "(no output)"


def request(server: str, tool: str) -> ApprovalRequest:
    call = ToolCall("c1", f"mcp__{server}__{tool}", "{}")
    return ApprovalRequest(call, "mcp", "", "", mcp_server=server, mcp_tool=tool)


def test_rules_cover_exactly_the_tool_named() -> None:
    rules = SessionRules(mcp_tools={"git.git_status", "time.*"})
    assert rules.allows(request("git", "git_status"))
    assert not rules.allows(request("git", "git_commit"))
    assert rules.allows(request("time", "convert_time"))
    assert not rules.allows(request("timex", "convert_time"))
    assert not SessionRules(kinds={"read", "edit", "shell"}).allows(request("git", "git_status"))
    rule = always_rule(request("git", "git_log"))
    assert rule is not None and rule.describe() == "MCP tool git.git_log"
    rules.add(rule)
    assert rules.allows(request("git", "git_log")) and not rules.allows(request("git", "git_add"))
    denied = DenyAll().decide(request("git", "git_add"))
    assert not denied.allow and 'allow_mcp = ["git.git_add"]' in (denied.message or "")
