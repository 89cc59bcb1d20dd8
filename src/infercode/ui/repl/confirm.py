"""The REPL's approver: the one approval menu (``ui/approval_menu.py``) on the REPL's console.

``pause`` stops the live display before anything is asked. A headless run on a terminal asks
with the same menu (``ui/headless/tty_approver.py``).
"""

from __future__ import annotations

from infercode.ui.approval_menu import MenuApprover


class ConfirmApprover(MenuApprover):
    """``Approver`` for the REPL: the menu on this process's terminal."""
