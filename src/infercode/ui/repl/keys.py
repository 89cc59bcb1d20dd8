"""The REPL's keys: what the prompt binds, and the terminal mode while a turn runs."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import completion_is_selected, has_focus
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent


@contextmanager
def quiet_input() -> Iterator[None]:
    """While a turn runs, keys are neither echoed (they would garble the live display) nor
    line-buffered; Ctrl-C still raises SIGINT. Keys typed meanwhile reach the next prompt."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd) if sys.stdin.isatty() else None
    except (ImportError, OSError, ValueError):
        saved = None
    if saved is None:
        yield
        return
    quiet = list(saved)
    quiet[3] = saved[3] & ~(termios.ECHO | termios.ICANON)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        with contextlib.suppress(termios.error, OSError):  # the terminal may have hung up
            termios.tcsetattr(fd, termios.TCSANOW, saved)


def key_bindings(cycle_mode: Callable[[], object] | None = None) -> KeyBindings:
    bindings = KeyBindings()
    default_focused = has_focus(DEFAULT_BUFFER)

    if cycle_mode is not None:

        @bindings.add("s-tab", filter=default_focused)
        def _cycle_mode(event: KeyPressEvent) -> None:
            cycle_mode()  # the bottom toolbar, redrawn now, shows the new mode
            event.app.invalidate()

    @bindings.add("c-c", filter=default_focused)
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()  # Ctrl-C on a typed line discards it, as in a shell
        else:
            event.app.exit(exception=KeyboardInterrupt())

    @bindings.add("c-g", filter=default_focused)
    def _editor(event: KeyPressEvent) -> None:
        # $VISUAL or $EDITOR on the input so far; what is saved comes back to the prompt.
        event.current_buffer.open_in_editor(validate_and_handle=False)

    @bindings.add("escape", "enter", filter=default_focused)
    @bindings.add("c-j", filter=default_focused)
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("enter", filter=default_focused & completion_is_selected)
    def _take_completion(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)

    return bindings
