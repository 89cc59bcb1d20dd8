"""REPL commands about the conversation itself: ``/resume``, ``/compact``, ``/init``."""

from __future__ import annotations

from rich.text import Text

from infercode.compaction import Compactor, compacted_text
from infercode.events import Compacted, Notice, Usage
from infercode.history import message_text
from infercode.instructions import INIT_PROMPT
from infercode.sessions import SessionInfo, SessionInUse
from infercode.subcommands import format_sessions
from infercode.ui.commands import Command, CommandRegistry, ReplState

LISTED = 15


def _others(state: ReplState) -> list[SessionInfo]:
    """This workspace's recent sessions, the current one left out."""
    recorder = state.recorder
    if recorder is None:
        return []
    return [i for i in recorder.store.recent(state.root, limit=LISTED + 1) if i.id != recorder.id]


def _say(state: ReplState, text: str, style: str = "dim") -> None:
    state.console.print(Text(text, style=style), highlight=False)


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
    agent = state.agent
    try:
        notes = recorder.switch_to(path, agent.history)
    except SessionInUse as busy:  # this conversation goes on as it was
        _say(state, str(busy), "yellow")
        return
    for note in notes:
        _say(state, note)
    agent.last_usage = Usage()  # unknown until the next response; estimated meanwhile
    agent.usage_mark = 0
    _recap(state)


def _recap(state: ReplState) -> None:
    """The last exchange, so the user sees where the conversation stands."""
    messages = [i for i in state.agent.history.items if i.get("type") == "message"]
    for item in messages[-2:]:
        who = "you" if item.get("role") == "user" else "infercode"
        text = " ".join(message_text(item).split())
        _say(state, f"  {who}: {text[:200] + ('…' if len(text) > 200 else '')}")


def compact(state: ReplState, arg: str) -> None:
    hook = state.agent.request_hook
    if not isinstance(hook, Compactor):
        _say(state, "Compaction is not available in this session.", "yellow")
        return
    _say(state, "Compacting: the model is writing a summary of the conversation…")
    for event in hook.compact(state.agent, manual=True):
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
