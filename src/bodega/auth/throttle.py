"""Rate limiting of failed sign-ins, per client address and per (address, user).

Counting per address stops a client from guessing across many accounts; counting per
(address, user) stops guessing one password without letting a stranger lock a user out
everywhere (the user's other addresses are unaffected). Pure: the clock is passed in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bodega.domain.errors import BodegaError


class TooManyAttempts(BodegaError):
    code = "too-many-attempts"

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


@dataclass
class LoginThrottle:
    clock: Callable[[], float]
    window: float = 60.0
    per_user: int = 5
    per_address: int = 30
    max_keys: int = 100_000
    _failures: dict[tuple[str, str | None], deque[float]] = field(default_factory=dict)

    def check(self, address: str, user: str) -> None:
        """Raises TooManyAttempts while either limit is reached."""
        now = self.clock()
        for key, limit in (((address, user), self.per_user), ((address, None), self.per_address)):
            times = self._recent(key, now)
            if len(times) >= limit:
                retry = int(times[0] + self.window - now) + 1
                raise TooManyAttempts(
                    f"too many failed sign-ins from {address}",
                    retry_after=retry,
                    hint=f"try again in {retry} s",
                )

    def failed(self, address: str, user: str) -> None:
        now = self.clock()
        if len(self._failures) >= self.max_keys:
            self._failures.clear()  # bounded memory beats exact counts under a flood
        for key in ((address, user), (address, None)):
            self._recent(key, now).append(now)

    def succeeded(self, address: str, user: str) -> None:
        self._failures.pop((address, user), None)

    def _recent(self, key: tuple[str, str | None], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
