"""Which mechanism confines commands here: probed once per session, or forced for tests.

``INFERCODE_SANDBOX_MECHANISM=none|bwrap|landlock`` skips the probe (CI runs the sandbox tests
under each; "none" shows what users without a working mechanism get).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Mechanism = Literal["bwrap", "landlock", "seatbelt", "none"]
MECHANISMS: tuple[Mechanism, ...] = ("bwrap", "landlock", "seatbelt", "none")
FORCE_ENV = "INFERCODE_SANDBOX_MECHANISM"


@dataclass(frozen=True)
class Detected:
    """The mechanism, the program to run it (bwrap), the Landlock ABI, and why the better
    ones were passed over (shown with the "no sandbox" warning)."""

    mechanism: Mechanism
    program: str | None = None
    landlock_abi: int = 0
    reasons: tuple[str, ...] = ()


def detect(environ: Mapping[str, str] | None = None) -> Detected:
    env = os.environ if environ is None else environ
    forced = env.get(FORCE_ENV, "").strip()
    if forced:
        if forced not in MECHANISMS:
            return Detected(
                "none", reasons=(f"{FORCE_ENV}={forced} is not one of {', '.join(MECHANISMS)}",)
            )
        return _forced(forced)  # checked just above
    if sys.platform == "darwin":
        from infercode.sandbox.seatbelt import SANDBOX_EXEC

        if os.path.exists(SANDBOX_EXEC):
            return Detected("seatbelt", program=SANDBOX_EXEC)
        return Detected("none", reasons=(f"{SANDBOX_EXEC} is missing",))
    if not sys.platform.startswith("linux"):
        return Detected("none", reasons=(f"no sandbox for {sys.platform}",))
    reasons: list[str] = []
    from infercode.sandbox.bwrap import find_bwrap, probe

    bwrap = find_bwrap()
    if bwrap is None:
        reasons.append("bwrap is not installed")
    else:
        failure = probe(bwrap)
        if failure is None:
            return Detected("bwrap", program=bwrap)
        reasons.append(f"bwrap does not work here ({failure})")
    from infercode.sandbox.landlock import abi_version

    abi = abi_version()
    if abi >= 1:
        return Detected("landlock", landlock_abi=abi, reasons=tuple(reasons))
    reasons.append("the kernel has no Landlock")
    return Detected("none", reasons=tuple(reasons))


def _forced(mechanism: Mechanism) -> Detected:
    reason = (f"forced by {FORCE_ENV}",)
    if mechanism == "bwrap":
        from infercode.sandbox.bwrap import find_bwrap

        return Detected("bwrap", program=find_bwrap() or "bwrap", reasons=reason)
    if mechanism == "landlock":
        from infercode.sandbox.landlock import abi_version

        return Detected("landlock", landlock_abi=abi_version(), reasons=reason)
    if mechanism == "seatbelt":
        from infercode.sandbox.seatbelt import SANDBOX_EXEC

        return Detected("seatbelt", program=SANDBOX_EXEC, reasons=reason)
    return Detected("none", reasons=reason)
