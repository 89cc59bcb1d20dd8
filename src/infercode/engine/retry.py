"""When and how long to wait before sending a failed model request again.

The API is stateless, so resending the same request loses nothing. infercode owns every retry
(the SDK's own are off): one budget, ``stream_max_retries``, covers 429/5xx answers, connections
that fail or drop mid-reply, stalls and overload errors inside the stream, and each wait is
shown to the user. Delays grow exponentially with jitter, so many clients dropped at once do not
come back in step, and a server's ``Retry-After`` is honoured.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

#: Longest wait between attempts, also for a ``Retry-After`` that asks for more.
MAX_DELAY_S = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    """Retries of one model request after its first attempt (0: never retry)."""

    base_delay_s: float = 1.0
    """The first wait; each later one doubles (1, 2, 4, 8 s), ±20 % jitter."""

    deadline_s: float = 1800.0
    """No retry starts after this many seconds since the request was first sent."""

    jitter: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (from 1)."""
        if retry_after_s is not None and retry_after_s >= 0:
            return min(retry_after_s, MAX_DELAY_S)
        exponential = self.base_delay_s * float(2 ** (attempt - 1))
        return min(exponential * (0.8 + 0.4 * self.jitter()), MAX_DELAY_S)


def retry_after(headers: object) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds; an HTTP date is ignored)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return None
