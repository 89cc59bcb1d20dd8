"""Skills: described in the first request's instructions, read on demand without an outside-path
question even from the user's config dir, and never editable that way."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

SKILL = (
    "---\nname: release-notes\ndescription: Write release notes from the git log.\n---\n"
    "BODY-MARKER: group the commits by area.\n"
)


def outputs(server: ResponsesServer, index: int) -> list[str]:
    body = server.posts()[index]
    return [str(i["output"]) for i in body["input"] if i.get("type") == "function_call_output"]


def test_user_skill_is_listed_and_read_but_not_edited(
    server: ResponsesServer, workspace: Path
) -> None:
    config = Path(os.environ["INFERCODE_CONFIG_DIR"])
    skill_dir = config / "skills" / "release-notes"
    skill_dir.mkdir(parents=True)
    (skill_dir / "SKILL.md").write_text(SKILL)
    (skill_dir / "template.md").write_text("TEMPLATE-MARKER\n")
    (config / "secret.txt").write_text("not a skill file\n")
    project_skill = workspace / ".agents" / "skills" / "lint"
    project_skill.mkdir(parents=True)
    (project_skill / "SKILL.md").write_text("---\nname: lint\ndescription: Run the linters.\n---\n")
    skill_md = str(skill_dir / "SKILL.md")
    server.enqueue(
        call_reply(
            FunctionCall("read_file", {"path": skill_md}),
            FunctionCall("read_file", {"path": str(skill_dir / "template.md")}),
            FunctionCall("read_file", {"path": str(config / "secret.txt")}),
            FunctionCall(
                "edit_file", {"path": skill_md, "old_string": "BODY", "new_string": "HACKED"}
            ),
        ),
        text_reply("done"),
    )
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "notes"], cwd=workspace)
    first = server.posts()[0]
    instructions = str(first["instructions"])
    assert "release-notes: Write release notes from the git log." in instructions
    assert skill_md in instructions and "read_file" in instructions
    assert "lint: Run the linters." in instructions
    assert "BODY-MARKER" not in instructions  # the body is read on demand only
    got = outputs(server, 1)
    assert "BODY-MARKER" in got[0]
    assert "TEMPLATE-MARKER" in got[1]
    assert "outside" in got[2] and "not a skill file" not in got[2]
    assert "HACKED" not in (skill_dir / "SKILL.md").read_text()
    assert "BODY-MARKER" not in got[3]
    # No terminal to ask: the two outside calls were denied, so the run says so.
    assert result.returncode == 3, result.stderr
