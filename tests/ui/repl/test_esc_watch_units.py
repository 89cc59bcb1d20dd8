"""What was typed during a turn, as text for the next prompt: keys and controls dropped."""

from __future__ import annotations

from infercode.ui.repl.esc_watch import printable


def test_printable_drops_sequences_and_controls() -> None:
    assert printable(b"ab\x1b[Acd") == "abcd"  # an arrow key
    assert printable(b"x\x1bOBy") == "xy"  # an arrow key in application mode
    assert printable(b"one\x1b\rtwo") == "onetwo"  # Alt-Enter
    assert printable(b"\x1b[3~del") == "del"  # Delete
    assert printable("é\x07\n".encode()) == "é"
