"""What the user trusted a project to run: MCP servers from ``.mcp.json`` (and later hooks).

A repository must not start a process by being opened. Each trust is keyed by the project root,
a kind (``mcp-server``) and a hash of the exact definition: change one byte of what would run
and the user is asked again. Kept in ``trust.json`` in the state dir.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

FILE_NAME = "trust.json"


def content_hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class TrustStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME

    @classmethod
    def default(cls) -> TrustStore:
        from infercode.config.paths import state_dir

        return cls(state_dir())

    def is_trusted(self, root: Path, kind: str, digest: str) -> bool:
        return [str(root), kind, digest] in self._entries()

    def trust(self, root: Path, kind: str, digest: str) -> None:
        entries = self._entries()
        entry = [str(root), kind, digest]
        if entry in entries:
            return
        entries.append(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".trust-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                json.dump({"version": 1, "trusted": entries}, stream, indent=1)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _entries(self) -> list[list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []  # unreadable: nothing is trusted, the user is asked again
        trusted = data.get("trusted") if isinstance(data, dict) else None
        if not isinstance(trusted, list):
            return []
        return [
            list(e)
            for e in trusted
            if isinstance(e, list) and len(e) == 3 and all(isinstance(p, str) for p in e)
        ]
