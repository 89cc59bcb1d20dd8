"""The JSONL session store: writing as history grows, loading after damage, listing, resuming."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from infercode.cli.subcommands import normalize_resume, resolve_resume
from infercode.config.paths import state_dir
from infercode.engine.history import (
    INTERRUPTED_OUTPUT,
    History,
    assistant_message,
    function_call_output,
    user_message,
)
from infercode.errors import ConfigError
from infercode.store.recorder import OpenedSession, open_session
from infercode.store.session_files import (
    KEY_MASK,
    SessionFile,
    SessionStore,
    public_url,
    read_session,
)
from infercode.ui.session_list import format_sessions
from tests.conftest import run_infercode
from tests.support.items import call_item
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

SECRET = "sk-test-0123456789abcdef"


_OPEN: list[SessionFile] = []


@pytest.fixture(autouse=True)
def close_session_files() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def new_session(
    tmp_path: Path, root: Path | None = None, resume: Path | None = None
) -> tuple[History, Path]:
    opened = reopen(tmp_path / "sessions", root or tmp_path, resume)
    return opened.history, opened.file.path


def _release(path: Path) -> None:
    """The earlier writer of ``path`` is gone (its process exited or was killed): its lock too."""
    for file in _OPEN:
        if file.path == path:
            file.close()


def reopen(directory: Path, root: Path, resume: Path | None) -> OpenedSession:
    if resume is not None:
        _release(resume)
    opened = open_session(
        SessionStore(directory),
        model="MiniMax-M2.5",
        base_url="https://api.infercom.ai/v1",
        root=root,
        api_key=SECRET,
        resume=resume,
    )
    _OPEN.append(opened.file)
    return opened


def test_state_dir_comes_from_the_environment(isolated_home: Path) -> None:
    assert state_dir() == isolated_home / "state"
    assert SessionStore.default().directory == isolated_home / "state" / "sessions"


def test_header_then_every_item_as_it_is_appended(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    history.append(user_message("hello"))
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["type"] == "infercode.cli.wiring" and header["id"] == path.stem
    assert header["model"] == "MiniMax-M2.5" and header["root"] == str(tmp_path)
    assert header["base_url"] == "https://api.infercom.ai/v1" and header["infercode"]
    assert json.loads(lines[1]) == user_message("hello")  # on disk before the next append
    history.append(assistant_message("hi"))
    assert read_session(path).items == [user_message("hello"), assistant_message("hi")]


def test_the_api_key_never_reaches_the_file(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    history.append(function_call_output("c1", f"INFERCOM_API_KEY={SECRET}\nPATH=/bin"))
    text = path.read_text()
    assert SECRET not in text and KEY_MASK in text


def test_credentials_in_the_base_url_are_dropped() -> None:
    assert public_url("https://user:pw@host.example:8443/v1?api-key=x#f") == (
        "https://host.example:8443/v1"
    )


def test_a_torn_last_line_is_ignored_then_cut_before_appending(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    history.append(user_message("one"))
    with path.open("ab") as stream:  # what kill -9 in the middle of a write leaves
        stream.write(b'{"type": "message", "role": "assist')
    loaded = read_session(path)
    assert loaded.items == [user_message("one")]
    assert loaded.torn_tail and loaded.skipped_lines == 0
    reopened = reopen(path.parent, tmp_path, path)
    reopened.history.append(user_message("two"))
    again = read_session(path)
    assert again.items == [user_message("one"), user_message("two")] and not again.torn_tail


def test_a_damaged_middle_line_is_skipped_and_counted(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    history.append(user_message("one"))
    with path.open("ab") as stream:
        stream.write(b"not json\n")
    history.append(user_message("two"))
    loaded = read_session(path)
    assert loaded.items == [user_message("one"), user_message("two")]
    assert loaded.skipped_lines == 1


def test_resume_repairs_an_unanswered_call_on_disk_too(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    history.extend([user_message("run it"), call_item("c1")])
    resumed = reopen(path.parent, tmp_path, path)
    assert resumed.history.items[-1] == function_call_output("c1", INTERRUPTED_OUTPUT)
    assert any("1 call(s) interrupted" in note for note in resumed.notes)
    assert read_session(path).items == resumed.history.items


def test_a_compaction_replaces_the_history_on_load(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    history.extend([user_message("a"), assistant_message("b"), user_message("c")])
    store = SessionStore(path.parent)
    _release(path)
    _, file = store.open(path)
    _OPEN.append(file)
    new = [user_message("summary"), user_message("c")]
    file.record_compaction(new, 1000, 100)
    file.append(assistant_message("d"))
    assert read_session(path).items == [*new, assistant_message("d")]


def test_a_compaction_cut_short_falls_back_to_the_history_before_it(tmp_path: Path) -> None:
    history, path = new_session(tmp_path)
    before = [user_message("a"), assistant_message("b")]
    history.extend(before)
    marker = {"type": "infercode.compacted", "items": 2, "before_tokens": 9, "after_tokens": 1}
    with path.open("ab") as stream:
        stream.write((json.dumps(marker) + "\n" + json.dumps(user_message("sum")) + "\n").encode())
    assert read_session(path).items == before
    _release(path)
    loaded, file = SessionStore(path.parent).open(path)  # resumed after that crash
    _OPEN.append(file)
    assert loaded.unfinished_compaction and loaded.items == before
    file.append(user_message("next"))
    assert read_session(path).items == [*before, user_message("next")]


def test_listing_latest_and_lookup(tmp_path: Path) -> None:
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    first, first_path = new_session(tmp_path, root_a)
    first.append(user_message("fix   the\nbug"))
    second, second_path = new_session(tmp_path, root_b)
    second.append(user_message("other"))
    os.utime(first_path, (1, 1))  # the first is older
    store = SessionStore(tmp_path / "sessions")
    assert [i.id for i in store.recent()] == [second_path.stem, first_path.stem]
    info = store.latest(root_a)
    assert info is not None and info.path == first_path and info.first_prompt == "fix the bug"
    assert store.find(first_path.stem) == first_path
    assert store.find(first_path.stem[:-1]) == first_path  # a unique prefix will do
    with pytest.raises(LookupError, match="ambiguous"):
        store.find(first_path.stem[:4])
    with pytest.raises(LookupError, match="no session"):
        store.find("19990101-000000-abcdef")
    assert "fix the bug" in format_sessions(store.recent(root_a))


class FakeTerminal:
    """Answers typed in advance; what was shown is kept apart (a StringIO would overwrite them)."""

    def __init__(self, answers: str) -> None:
        self.answers = io.StringIO(answers)
        self.shown = io.StringIO()

    def readline(self) -> str:
        return self.answers.readline()

    def write(self, text: str, /) -> int:
        return self.shown.write(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_picker_filters_and_hides_sessions_without_an_answer(tmp_path: Path) -> None:
    from infercode.ui.session_picker import Picker

    one, _ = new_session(tmp_path)
    one.append(user_message("first apples"))
    one.append(assistant_message("ok"))
    two, _ = new_session(tmp_path)
    two.append(user_message("second pears"))  # never answered
    infos = SessionStore(tmp_path / "sessions").recent()
    picker = Picker(infos)
    assert [i.first_prompt for i in picker.visible()] == ["first apples"]
    assert picker.hidden() == 1
    picker.toggle()
    assert len(picker.visible()) == 2
    picker.move(5)
    assert picker.chosen() == picker.visible()[-1]
    picker.type("PEAR")
    assert [i.first_prompt for i in picker.visible()] == ["second pears"]
    picker.type("s!")
    assert picker.chosen() is None
    picker.erase()
    picker.erase()
    assert picker.chosen() is not None and picker.chosen().turns == 1  # type: ignore[union-attr]


def test_resume_arguments() -> None:
    assert normalize_resume(["--resume"]) == ["--resume="]
    assert normalize_resume(["--resume", "-p", "x"]) == ["--resume=", "-p", "x"]
    assert normalize_resume(["--resume", "fix it"]) == ["--resume=", "fix it"]
    assert normalize_resume(["--resume", "20250101-120000-abc123", "-p", "x"]) == [
        "--resume=20250101-120000-abc123",
        "-p",
        "x",
    ]
    assert normalize_resume(["-p", "x", "--", "--resume"]) == ["-p", "x", "--", "--resume"]


def test_resolve_without_a_terminal_lists_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("infercode.ui.headless.tty_approver.open_tty", lambda: None)
    store = SessionStore(tmp_path / "sessions")
    with pytest.raises(ConfigError, match="no sessions"):
        resolve_resume(store, tmp_path, continue_last=False, resume="")
    with pytest.raises(ConfigError, match="no session to continue"):
        resolve_resume(store, tmp_path, continue_last=True, resume=None)
    history, path = new_session(tmp_path)
    history.append(user_message("remember me"))
    with pytest.raises(ConfigError, match="pass --resume ID"):
        resolve_resume(store, tmp_path, continue_last=False, resume="")
    assert path.stem in capsys.readouterr().err
    assert resolve_resume(store, tmp_path, continue_last=True, resume=None) == path


def test_resolve_picks_on_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history, path = new_session(tmp_path)
    history.append(user_message("pick me"))
    monkeypatch.setattr("infercode.ui.headless.tty_approver.open_tty", lambda: FakeTerminal("1\n"))
    # The picker itself runs in a pty in tests/ui/repl/test_resume_picker.py.
    monkeypatch.setattr("infercode.ui.session_picker.pick_session", lambda infos, tty: infos[0])
    store = SessionStore(tmp_path / "sessions")
    assert resolve_resume(store, tmp_path, continue_last=False, resume="") == path


def test_headless_runs_are_sessions_that_continue(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    server.enqueue(
        call_reply(FunctionCall("read_file", {"path": "a.txt"}, call_id="call_1")),
        text_reply("It says alpha."),
        text_reply("Still alpha."),
    )
    (workspace / "a.txt").write_text("alpha\n")
    env = {"INFERCOM_API_KEY": SECRET}
    first = run_infercode(
        ["--base-url", server.url, "--allow", "read", "-p", "read a.txt"], cwd=workspace, env=env
    )
    assert first.returncode == 0, first.stderr
    second = run_infercode(
        ["--base-url", server.url, "--continue", "-p", "and now?"], cwd=workspace, env=env
    )
    assert second.returncode == 0, second.stderr
    assert "resumed session" in second.stderr
    sent = server.requests[-1].body
    assert sent is not None
    assert [i.get("role") for i in sent["input"] if i["type"] == "message"] == [
        "user",
        "assistant",
        "user",
    ]
    assert server.requests[-1].rejected is None
    previous = server.requests[1].body
    assert previous is not None
    assert sent["input"][: len(previous["input"])] == previous["input"]
    for path in (isolated_home / "state").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    listed = run_infercode(["sessions"], cwd=workspace)
    assert listed.returncode == 0 and "read a.txt" in listed.stdout
    assert len(listed.stdout.splitlines()) == 1


def test_resume_without_a_terminal_prints_the_list_and_exits_2(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(text_reply("hi"))
    assert (
        run_infercode(["--base-url", server.url, "-p", "first one"], cwd=workspace).returncode == 0
    )
    result = run_infercode(["--base-url", server.url, "--resume", "-p", "x"], cwd=workspace)
    assert result.returncode == 2
    assert "first one" in result.stderr and "--resume ID" in result.stderr
    session_id = result.stderr.split()[0]
    server.enqueue(text_reply("back"))
    resumed = run_infercode(
        ["--base-url", server.url, "--resume", session_id, "-p", "x"], cwd=workspace
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == "back\n"
    missing = run_infercode(
        ["--base-url", server.url, "--resume", "20000101-000000-000000", "-p", "x"], cwd=workspace
    )
    assert missing.returncode == 2 and "no session" in missing.stderr
