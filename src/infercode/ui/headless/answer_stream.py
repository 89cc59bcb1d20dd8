"""Model text as it streams, with the API key masked across delta boundaries; and the answer of a
``-p`` run written to a terminal as it comes, the way the REPL shows it (piped or redirected,
stdout still gets the finished answer alone)."""

from __future__ import annotations

from typing import TextIO

from infercode.engine.events import (
    Event,
    MessageDone,
    Notice,
    ReasoningDelta,
    ReasoningDone,
    Retrying,
    TextDelta,
    ToolRequested,
    TurnFinished,
)
from infercode.redact import SecretMask
from infercode.ui.terminal_text import safe_text


class MaskedDeltas:
    """Deltas of model text with the API key masked across delta boundaries: a key split over
    two ``text_delta`` lines would be whole again for a consumer that joins them."""

    def __init__(self, mask: SecretMask) -> None:
        self.text = mask.stream()
        self.reasoning = mask.stream()

    def __call__(self, event: Event) -> list[Event]:
        if isinstance(event, TextDelta):
            text = self.text.feed(event.text)
            return [TextDelta(text)] if text else []
        if isinstance(event, ReasoningDelta):
            text = self.reasoning.feed(event.text)
            return [ReasoningDelta(text)] if text else []
        if isinstance(event, MessageDone):
            rest = self.text.flush()
            return [TextDelta(rest), event] if rest else [event]
        if isinstance(event, ReasoningDone):
            rest = self.reasoning.flush()
            return [ReasoningDelta(rest), event] if rest else [event]
        return [event]


class AnswerStream:
    """Writes the model's text to ``out`` (a terminal) as it streams, through the choke point.

    Progress lines go to stderr on the same screen, so a line of streamed text is ended before
    anything else is shown; the runner then does not print the answer a second time.
    """

    def __init__(self, out: TextIO, mask: SecretMask) -> None:
        self.out = out
        self.deltas = MaskedDeltas(mask)
        self.mask = mask
        self.wrote = False
        self._line_open = False
        self._message_streamed = False

    def __call__(self, event: Event) -> None:
        for masked in self.deltas(event):
            if isinstance(masked, TextDelta):
                self._write(masked.text)
                self._message_streamed = True
            elif isinstance(masked, MessageDone):
                if not self._message_streamed:  # a server that sent no deltas
                    self._write(self.mask.mask(masked.text))
                self._message_streamed = False
                self.end_line()
            elif isinstance(masked, ToolRequested | Retrying | Notice | TurnFinished):
                self.end_line()

    def _write(self, text: str) -> None:
        if not text:
            return
        self.out.write(safe_text(text))
        self.out.flush()
        self.wrote = True
        self._line_open = not text.endswith("\n")

    def end_line(self) -> None:
        if self._line_open:
            self.out.write("\n")
            self.out.flush()
            self._line_open = False
