"""Log-in attempts per user name and client address: scrypt slows each guess,
this bounds how many there are. In memory: one console process per host."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginThrottle:
    def __init__(self, max_failures: int = 5, window_s: float = 600):
        self.max_failures, self.window_s = max_failures, window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()   # FastAPI runs plain handlers in a thread pool

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def wait_s(self, user: str, client: str, now: float | None = None) -> float:
        """Seconds until this user may try again from this client (0: now)."""
        now = now or time.time()
        with self._lock:
            q = self._recent((user, client), now)
            return q[0] + self.window_s - now if len(q) >= self.max_failures else 0.0

    def failed(self, user: str, client: str, now: float | None = None) -> None:
        now = now or time.time()
        with self._lock:
            self._recent((user, client), now).append(now)

    def succeeded(self, user: str, client: str) -> None:
        with self._lock:
            self._failures.pop((user, client), None)
