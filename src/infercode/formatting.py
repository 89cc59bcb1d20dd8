"""Numbers as people read them, the same in every front-end: tokens, ages, sizes."""

from __future__ import annotations


def format_tokens(count: int) -> str:
    """``999``, ``12.3k``, ``160k``, ``1.2M``."""
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count / 1000:.1f}k".replace(".0k", "k")
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M".replace(".0M", "M")


def age(seconds: float) -> str:
    """``45s ago``, ``12m ago``, ``3h ago``, ``5d ago``."""
    seconds = max(seconds, 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"


def size_text(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.0f} KB"
