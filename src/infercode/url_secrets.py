"""Base URLs in messages without the secrets they can carry.

A base URL may hold credentials: ``https://user:pass@host/v1`` (basic auth for a proxy) or
``https://host/v1?key=...`` (gateways that take the key as a parameter). Error messages and the
JSON output name the URL so the user knows which endpoint failed; they show it with the user,
password and every query value replaced by ``***``, so a pasted error or a CI log leaks nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"


def masked_url(url: str) -> str:
    """``url`` with its user, password, query values and fragment replaced by ``***``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # not a URL we can take apart: show nothing of it that could be secret
        return MASK
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6
    if port is not None:
        host = f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        host = f"{MASK}:{MASK}@{host}" if parts.password is not None else f"{MASK}@{host}"
    query = "&".join(
        f"{quote(name, safe='')}={MASK}"
        for name, _ in parse_qsl(parts.query, keep_blank_values=True)
    )
    if parts.query and not query:
        query = MASK
    return urlunsplit((parts.scheme, host, parts.path, query, MASK if parts.fragment else ""))
