"""The emulator's clock: one notion of "now" for everything that waits on time.

AWS's time rules are long: a stream record may be retried for up to a week
(MaximumRecordAgeInSeconds 60..604800), a stream keeps records for 24 hours, TTL deletes
items some time after their epoch. The emulator validates these values exactly as AWS
does, so a test or a learner who wants to see them act needs time to pass faster instead.
Every part of the emulator that compares with the time of day or waits for a span of
AWS time reads it here:

- stream record arrival times, record ages and the 24-hour retention (streams,
  stream_mappings);
- the mapping poller's batching window and retry back-off (stream_mappings);
- TTL expiry (ttl_sweeper).

Two controls, both emulator-wide:

- speed: emulated seconds per real second (EMULATOR_CLOCK_SPEED, default 1). At 60, a
  MaximumRecordAgeInSeconds of 60 passes in one real second. Real-time knobs such as the
  poll interval and the TTL sweep interval stay in real seconds.
- advance(seconds): jump forward at once (POST /_emulator/clock {"advance_seconds": N}),
  for tests that need "a minute later" without waiting for it.

A reset of the emulator's state (POST /moto-api/reset) puts the clock back to real time at
the configured speed. Time never runs backwards between resets.

Times are floats: `now()` in epoch seconds, `monotonic()` in seconds from an arbitrary
origin, both in emulated time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

SPEED_VARIABLE = "EMULATOR_CLOCK_SPEED"
# How long a sleeper waits in real time before it looks again (so an advance wakes it).
_MAX_REAL_WAIT = 0.05


@dataclass(frozen=True)
class _Anchor:
    real_monotonic: float  # time.monotonic() when the anchor was set
    emulated_monotonic: float  # emulated monotonic time at that moment
    epoch_offset: float  # emulated epoch = emulated monotonic + this
    speed: float


class Clock:
    """Emulated time: real time scaled by `speed`, plus whatever `advance` added."""

    def __init__(self, speed: float = 1.0):
        self._lock = threading.Lock()
        self._anchor = self._fresh_anchor(speed)
        # Called before `advance` or `set_speed` moves time, so that what happened before
        # is stamped with the time it happened (the data plane reads its streams here).
        self.before_change: list[Callable[[], None]] = []

    def _changing(self) -> None:
        for callback in list(self.before_change):
            callback()

    @staticmethod
    def _fresh_anchor(speed: float) -> _Anchor:
        if not speed > 0:
            raise ValueError(f"clock speed must be a positive number, not {speed!r}")
        real = time.monotonic()
        return _Anchor(real, real, time.time() - real, float(speed))

    # -- reading (lock-free: the anchor is replaced whole, never mutated)

    def monotonic(self) -> float:
        """Emulated seconds from an arbitrary origin; never goes back between resets."""
        anchor = self._anchor
        return anchor.emulated_monotonic + (time.monotonic() - anchor.real_monotonic) * anchor.speed

    def now(self) -> float:
        """Emulated epoch seconds (what `time.time()` would say if time ran this way)."""
        anchor = self._anchor
        elapsed = (time.monotonic() - anchor.real_monotonic) * anchor.speed
        return anchor.emulated_monotonic + elapsed + anchor.epoch_offset

    @property
    def speed(self) -> float:
        return self._anchor.speed

    # -- controls

    def set_speed(self, speed: float) -> None:
        """Run at `speed` emulated seconds per real second from now on (ValueError if <= 0)."""
        if not speed > 0:
            raise ValueError(f"clock speed must be a positive number, not {speed!r}")
        self._changing()
        with self._lock:
            old = self._anchor
            real = time.monotonic()
            emulated = old.emulated_monotonic + (real - old.real_monotonic) * old.speed
            self._anchor = _Anchor(real, emulated, old.epoch_offset, float(speed))

    def advance(self, seconds: float) -> None:
        """Jump `seconds` (>= 0) forward at once; sleepers wake and see the new time."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; cannot advance by {seconds}")
        self._changing()
        with self._lock:
            old = self._anchor
            self._anchor = _Anchor(
                old.real_monotonic, old.emulated_monotonic + seconds, old.epoch_offset, old.speed
            )

    def reset(self, speed: float | None = None) -> None:
        """Back to real time (at `speed`, or the current speed)."""
        with self._lock:
            self._anchor = self._fresh_anchor(self.speed if speed is None else speed)

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait `seconds` of emulated time; returns True early if `stop` is set."""
        deadline = self.monotonic() + seconds
        while True:
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                return False
            wait = min(remaining / self.speed, _MAX_REAL_WAIT)
            if stop is not None:
                if stop.wait(wait):
                    return True
            else:
                time.sleep(wait)

    def describe(self) -> dict[str, float]:
        """What GET /_emulator/clock answers: emulated now, speed, and lead over real time."""
        now = self.now()
        return {"now": now, "speed": self.speed, "ahead_seconds": round(now - time.time(), 3)}


# The emulator's one clock: the server sets and moves it (`emulator_clock`); other
# modules read AWS time through now(), monotonic() and sleep(), never time.time().
emulator_clock = Clock()
now = emulator_clock.now
monotonic = emulator_clock.monotonic
sleep = emulator_clock.sleep
