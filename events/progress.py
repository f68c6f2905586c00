"""A one-line progress indicator on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts work and redraws at most a few times a second; silent when not a TTY."""

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.25) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = self._stream.isatty()
        self._label = label
        self._interval = interval
        self._start = self._last = time.monotonic()
        self.count = 0

    def advance(self, n: int, note: str = "") -> None:
        self.count += n
        if not self._enabled:
            return
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._draw(now, note)

    def done(self) -> None:
        if self._enabled:
            self._draw(time.monotonic(), "")
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self, now: float, note: str) -> None:
        rate = self.count / max(now - self._start, 1e-9)
        suffix = f"  {note}" if note else ""
        self._stream.write(f"\r{self._label}: {self.count:,} ({rate:,.0f}/s){suffix}\x1b[K")
        self._stream.flush()
