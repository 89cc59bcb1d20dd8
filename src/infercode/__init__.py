"""infercode: a terminal coding agent for the Infercom Responses API."""

__version__ = "0.1.0"
