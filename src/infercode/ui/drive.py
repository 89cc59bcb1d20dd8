"""Consume a turn's events so that Ctrl-C always reaches the engine.

SIGINT raises ``KeyboardInterrupt`` wherever the main thread is. Inside the engine it is handled
there; if it lands in the consumer's own code (rendering), it is thrown into the engine's
generator at its current ``yield`` so the engine can close the stream and repair history.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from infercode.engine.events import Event, TurnFinished


def drive(events: Generator[Event, None, None], handle: Callable[[Event], None]) -> TurnFinished:
    """Feed every event to ``handle``; return the turn's ``TurnFinished``."""
    finished: TurnFinished | None = None
    pending_interrupt = False
    while True:
        try:
            if pending_interrupt:
                pending_interrupt = False
                event = events.throw(KeyboardInterrupt())
            else:
                event = next(events)
        except StopIteration:
            break
        try:
            handle(event)
        except KeyboardInterrupt:
            if isinstance(event, TurnFinished):
                finished = event
                break
            pending_interrupt = True
        if isinstance(event, TurnFinished):
            finished = event
    if finished is None:  # the engine always ends with TurnFinished; be safe anyway
        finished = TurnFinished(status="interrupted")
    return finished
