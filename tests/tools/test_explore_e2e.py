"""glob and grep through the installed command: approved as reads, outside paths still asked."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def outputs(server: ResponsesServer) -> dict[str, str]:
    body = server.posts()[-1]
    return {
        str(item["call_id"]): str(item["output"])
        for item in body["input"]
        if item.get("type") == "function_call_output"
    }


def test_allow_read_runs_glob_and_grep_but_not_outside_paths(
    server: ResponsesServer, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "app.py").write_text("def main():\n    return 'needle'\n")
    (workspace / ".gitignore").write_text("dist/\n")
    (workspace / "dist").mkdir()
    (workspace / "dist" / "app.py").write_text("needle\n")
    (tmp_path / "secret.txt").write_text("needle outside\n")
    server.enqueue(
        call_reply(
            FunctionCall("glob", {"pattern": "**/*.py"}, "call_g"),
            FunctionCall("grep", {"pattern": "needle", "context": 1}, "call_r"),
            FunctionCall("grep", {"pattern": "needle", "path": ".."}, "call_o"),
        ),
        text_reply("Found it in src/app.py."),
    )
    result = run_infercode(
        ["--base-url", server.url, "--allow", "read", "-p", "where is needle?"], cwd=workspace
    )
    assert result.returncode == 3, result.stderr  # the outside path was denied: nobody to ask
    got = outputs(server)
    assert got["call_g"] == "src/app.py"
    assert got["call_r"] == "src/app.py-1-def main():\nsrc/app.py:2:    return 'needle'"
    assert "outside the workspace" in got["call_o"] and "needle outside" not in got["call_o"]
    assert "→ grep: grep /needle/ in ." in result.stderr
    assert result.stdout == "Found it in src/app.py.\n"
