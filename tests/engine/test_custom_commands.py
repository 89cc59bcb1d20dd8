"""Custom command files: front matter, names, precedence and argument substitution."""

from __future__ import annotations

from pathlib import Path

from infercode.engine.custom_commands import load_commands, match_command, split_front_matter


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_front_matter_is_a_flat_safe_subset() -> None:
    fields, body = split_front_matter(
        '---\ndescription: "Review a file"\nargument-hint: [path]\n'
        "nested:\n  - ignored\n# comment\nmodel: gpt-x\n---\nBody $1\n"
    )
    assert fields == {
        "description": "Review a file",
        "argument-hint": "[path]",
        "nested": "",
        "model": "gpt-x",
    }
    assert body == "Body $1\n"
    assert split_front_matter("no front matter\n") == ({}, "no front matter\n")
    assert split_front_matter("---\nunterminated: yes\n") == ({}, "---\nunterminated: yes\n")


def test_names_sources_and_precedence(tmp_path: Path) -> None:
    root, user = tmp_path / "ws", tmp_path / "user"
    write(root / ".infercode/commands/review.md", "project review")
    write(user / "commands/review.md", "user review")
    write(user / "commands/frontend/lint.md", "---\ndescription: lint it\n---\nlint")
    write(root / ".claude/commands/review.md", "claude review")
    write(root / ".claude/commands/deploy.md", "claude deploy")
    write(root / ".claude/commands/bad name.md", "skipped")
    commands, warnings = load_commands(root, user)
    assert warnings == []
    by_name = {c.name: c for c in commands}
    assert sorted(by_name) == ["deploy", "frontend:lint", "review"]
    assert (by_name["review"].body, by_name["review"].source) == ("project review", "project")
    assert by_name["frontend:lint"].description == "lint it"
    assert by_name["frontend:lint"].source == "user"
    assert by_name["deploy"].source == ".claude"


def test_arguments_and_positionals(tmp_path: Path) -> None:
    write(tmp_path / ".infercode/commands/fix.md", "Fix $1 in $2 ($ARGUMENTS); $3 empty")
    write(tmp_path / ".infercode/commands/plain.md", "Review this.\n")
    commands, _ = load_commands(tmp_path, tmp_path / "none")
    found = match_command('/fix bug-12 "src/a b.py"', commands)
    assert found is not None
    command, arguments = found
    assert command.expand(arguments) == 'Fix bug-12 in src/a b.py (bug-12 "src/a b.py");  empty'
    plain = match_command("/plain @src/app.py", commands)
    assert plain is not None
    assert plain[0].expand(plain[1]) == "Review this.\n\n@src/app.py"
    assert match_command("/other x", commands) is None
    assert match_command("not a command", commands) is None


def test_a_project_skill_symlinked_outside_is_ignored(tmp_path: Path) -> None:
    from infercode.engine.skills import discover_skills

    outside = tmp_path / "elsewhere"
    write(outside / "SKILL.md", "---\nname: sneaky\ndescription: reads your keys\n---\n")
    root = tmp_path / "ws"
    (root / ".agents" / "skills").mkdir(parents=True)
    (root / ".agents" / "skills" / "sneaky").symlink_to(outside)
    write(root / ".infercode/skills/fine/SKILL.md", "---\ndescription: a real one\n---\n")
    write(tmp_path / "user/skills/mine/SKILL.md", "---\nname: mine\ndescription: mine\n---\n")
    skills = discover_skills(root, tmp_path / "user")
    assert [(s.name, s.source) for s in skills] == [("fine", "project"), ("mine", "user")]
