"""Errors that cross module boundaries. None of them carries a traceback to the user."""

from __future__ import annotations


class InfercodeError(Exception):
    """Base for errors shown to the user as one line."""


class ConfigError(InfercodeError):
    """Bad flags, environment or config file: exit status 2."""


class ModelError(InfercodeError):
    """A model request failed: HTTP error, broken stream, failed or incomplete response.

    `kind` is a short machine-readable tag (``http``, ``connection``, ``stream``, ``failed``,
    ``incomplete``, ``error_event``, ``stall``, ``deadline``) used by renderers and JSON output.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "error",
        status: int | None = None,
        retry: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        #: Set when sending the same request again may work: the short reason shown to the user
        #: ("connection dropped", "server overloaded"). ``retry_after_s``: the server's wait.
        self.retry = retry
        self.retry_after_s = retry_after_s


class ToolError(InfercodeError):
    """A tool call cannot be carried out; the message goes to the model as the call's output."""
