"""A background job that runs on request in a thread of its own; a request while it runs
makes it go round once more (the embedders after imports: every change gets picked up, and
never two runs at once)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class RerunningJob:
    def __init__(self, name: str, run_once: Callable[[], bool]) -> None:
        """``run_once`` does one round; it returns False to stop going round (for instance
        after an error it has logged)."""
        self.name = name
        self._run_once = run_once
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def request(self) -> None:
        with self._lock:
            self._again = True
            if self.running:
                return
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    return
                self._again = False
            if not self._run_once():
                return

    def join(self, timeout: float) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout=timeout)
