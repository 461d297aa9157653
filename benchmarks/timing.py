"""Interleaved `timeit` measurements: every method is timed once per round, rounds repeat.

Each call is timed as ``fn(a0, a1, ...)`` compiled by timeit, so no method pays for a wrapper that
another does not.
"""

from __future__ import annotations

import dataclasses
import statistics
import timeit
from typing import Callable


@dataclasses.dataclass
class Timed:
    """Seconds per call of one method: one entry per round."""

    number: int
    per_call: list[float]

    @property
    def min(self) -> float:
        return min(self.per_call)

    @property
    def median(self) -> float:
        return statistics.median(self.per_call)


def make_timer(fn: Callable, args: tuple) -> timeit.Timer:
    """A timer of fn(*args) that passes the arguments positionally, without unpacking."""
    names = [f"a{i}" for i in range(len(args))]
    namespace = {"fn": fn, **dict(zip(names, args))}
    return timeit.Timer(f"fn({', '.join(names)})", globals=namespace)


def calibrate(timer: timeit.Timer, min_time: float) -> int:
    """The smallest loop count in 1, 2, 5, 10, 20, ... whose total time reaches min_time."""
    number = 1
    while True:
        for factor in (1, 2, 5):
            if timer.timeit(number * factor) >= min_time:
                return number * factor
        number *= 10


def interleaved(
    methods: dict[str, tuple[Callable, tuple]], repeats: int, min_time: float
) -> dict[str, Timed]:
    """Time every method `repeats` times, one of each per round, rotating who goes first."""
    timers = {name: make_timer(fn, args) for name, (fn, args) in methods.items()}
    numbers = {name: calibrate(timer, min_time) for name, timer in timers.items()}
    results = {name: Timed(numbers[name], []) for name in timers}
    order = list(timers)
    for round_index in range(repeats):
        shift = round_index % len(order)
        for name in order[shift:] + order[:shift]:
            total = timers[name].timeit(numbers[name])
            results[name].per_call.append(total / numbers[name])
    return results
