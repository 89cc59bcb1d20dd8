"""A model client whose openai import and client are built in a background thread.

``import openai`` costs ~0.5 s: the REPL starts this once its prompt is drawn, while the user
types, so the first message does not wait for it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from infercode.config.settings import Settings
from infercode.engine.model import ModelRequest, ModelStream
from infercode.errors import ModelError

if TYPE_CHECKING:
    from infercode.api.client import OpenAIModel


class LazyModel:
    """``ModelClient`` whose openai import and client happen in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._thread: threading.Thread | None = None
        self._model: OpenAIModel | None = None
        self._error: Exception | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, name="load-openai", daemon=True)
                self._thread.start()

    def _load(self) -> None:
        try:
            from infercode.api.client import OpenAIModel

            self._model = OpenAIModel(self._settings)
        except Exception as error:  # reported on first use, on the main thread
            self._error = error

    def get(self) -> OpenAIModel:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._model is None:
            raise ModelError(f"cannot set up the API client: {self._error}", kind="connection")
        return self._model

    def stream(self, request: ModelRequest) -> ModelStream:
        return self.get().stream(request)

    def list_models(self) -> list[str]:
        return self.get().list_models()
