"""A dependency-free progress bar for management commands.

On a terminal it redraws one line (bar, count, rate, ETA); in logs and CI (not a TTY) it prints a
line every 10 % so long runs still show life without flooding the output.
"""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int | None = None, label: str = "", stream=None, width: int = 30):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.count = 0
        self.started = time.monotonic()
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_decile = -1
        self._last_draw = 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def advance(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self.is_tty:
            if now - self._last_draw >= 0.1 or (self.total and self.count >= self.total):
                self._draw(now)
        elif self.total:
            decile = int(10 * self.count / self.total)
            if decile != self._last_decile:
                self._last_decile = decile
                self.stream.write(self._line(now) + "\n")
                self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = self.count / elapsed
        if self.total:
            fraction = min(self.count / self.total, 1.0)
            filled = int(self.width * fraction)
            bar = "#" * filled + "-" * (self.width - filled)
            remaining = (self.total - self.count) / rate if rate else 0
            return (
                f"{self.label} [{bar}] {self.count}/{self.total} "
                f"{fraction:4.0%} {rate:6.1f}/s ETA {remaining:4.0f}s"
            )
        return f"{self.label} {self.count} {rate:6.1f}/s"

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self.stream.write("\r" + self._line(now))
        self.stream.flush()

    def close(self) -> None:
        now = time.monotonic()
        if self.is_tty:
            self._draw(now)
            self.stream.write("\n")
        elif not self.total:
            self.stream.write(self._line(now) + "\n")
        self.stream.flush()
