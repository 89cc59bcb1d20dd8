"""REPL commands about the conversation itself: ``/resume``, ``/compact``, ``/init``."""

from __future__ import annotations

from rich.text import Text

from infercode.engine.compaction import compacted_text
from infercode.engine.events import Compacted, Notice
from infercode.engine.instructions import INIT_PROMPT
from infercode.store.recorder import repaired_note
from infercode.store.session_files import SessionInfo, SessionInUse
from infercode.ui.repl.commands.registry import Command, CommandRegistry, ReplState
from infercode.ui.repl.recap import redraw
from infercode.ui.session_list import format_sessions
from infercode.ui.terminal_text import safe_text

LISTED = 15


def _others(state: ReplState) -> list[SessionInfo]:
    """This workspace's recent sessions, the current one left out."""
    recorder = state.recorder
    if recorder is None:
        return []
    return [i for i in recorder.store.recent(state.root, limit=LISTED + 1) if i.id != recorder.id]


def _say(state: ReplState, text: str, style: str = "dim") -> None:
    state.console.print(Text(safe_text(text), style=style), highlight=False)


def resume(state: ReplState, arg: str) -> None:
    recorder = state.recorder
    if recorder is None:
        _say(state, "This run records no session, so there is nothing to resume.", "yellow")
        return
    infos = _others(state)[:LISTED]
    if not arg:
        if not infos:
            _say(state, "No other sessions in this workspace.")
            return
        state.console.print(Text(format_sessions(infos, numbered=True)), highlight=False)
        _say(state, "/resume N (or an id) continues one; this conversation stays saved.")
        return
    if arg.isdigit() and 1 <= int(arg) <= len(infos):
        path = infos[int(arg) - 1].path
    else:
        try:
            path = recorder.store.find(arg)
        except LookupError as error:
            _say(state, str(error), "yellow")
            return
    try:
        items, notes = recorder.switch_to(path)
    except SessionInUse as busy:  # this conversation goes on as it was
        _say(state, safe_text(str(busy)), "yellow")
        return
    # The repair's answers are appended after the switch, so they go to the resumed file.
    for note in notes + repaired_note(state.agent.reset(items)):
        _say(state, note)
    _recap(state)


def _recap(state: ReplState) -> None:
    """The resumed conversation, drawn as it looked, so the user sees where it stands."""
    redraw(
        state.console,
        state.agent.transcript(),
        show_reasoning=state.show_reasoning,
        model_name=lambda: state.settings.model,
    )


def compact(state: ReplState, arg: str) -> None:
    _say(state, "Compacting: the model is writing a summary of the conversation…")
    for event in state.agent.compact(manual=True):
        if isinstance(event, Compacted):
            _say(state, compacted_text(event))
        elif isinstance(event, Notice):
            _say(state, event.text, "yellow")


def init(state: ReplState, arg: str) -> None:
    if state.send is None:
        _say(state, "/init needs a conversation to run in.", "yellow")
        return
    _say(state, "Asking the model to write AGENTS.md; you confirm the edit as usual.")
    state.send(INIT_PROMPT)


def add_session_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "resume",
            "list this workspace's sessions, or continue session N (or ID)",
            resume,
            usage="[N|ID]",
            complete=lambda state: [i.id for i in _others(state)],
        )
    )
    registry.add(
        Command("compact", "replace the history by a summary and the latest turn", compact)
    )
    registry.add(Command("init", "have the model write a starter AGENTS.md", init))
