"""Values a test can find its own processes by, even when other test runs share the machine."""

from __future__ import annotations

import os
import random


def unique_sleep_seconds() -> str:
    """A ``sleep`` argument (30-40 s) no other test or run uses: ``sleep 31.xxxxxx``, where the
    decimals carry this process's pid and a random part."""
    return f"3{random.randint(1, 9)}.{os.getpid() % 1000:03d}{random.randint(0, 999):03d}"
