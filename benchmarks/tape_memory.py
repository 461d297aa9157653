"""How much the tape of a loop keeps, and what the gradient of a loop costs, as the trip count grows.

    python -m benchmarks.tape_memory [--sizes 1000,10000,100000,1000000]

For each trip count N it differentiates four loops: a scalar update (one loop-carried float), a loop that
only accumulates into an outer variable (nothing loop-carried to save), a vector update (a loop-carried
array of 100 floats), and a recurrent layer (``h = tanh(W @ h + x)``, whose ``W @ h`` the backward sweep reads
only for its shape). It prints the peak memory the gradient call allocates beyond its inputs (tracemalloc)
per iteration, and the time of the gradient against the time of the primal.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from benchmarks.threads import pin_environment

pin_environment()

import numpy as np  # noqa: E402

import srcdiff  # noqa: E402


def scalar_update(x, n):
    for i in range(n):
        x = np.sin(x) * 1.01 + 0.1 * x * x
    return x


def accumulate(x, n):
    total = 0.0
    for i in range(n):
        total = total + x * 0.5
    return total


def vector_update(x, n):
    for i in range(n):
        x = np.tanh(x) * 0.9 + 0.01
    return np.sum(x)


_W = np.random.default_rng(0).standard_normal((100, 100)) / 10.0


def recurrent(x, n):
    h = x
    for i in range(n):
        h = np.tanh(_W @ h + x)  # W @ h is read backward only for its shape
    return np.sum(h)


CASES = [
    ("scalar loop-carried float", scalar_update, lambda: 0.3),
    ("accumulation, nothing carried", accumulate, lambda: 0.3),
    ("loop-carried array of 100", vector_update, lambda: np.linspace(-1.0, 1.0, 100)),
    ("recurrent layer of 100 units", recurrent, lambda: np.linspace(-1.0, 1.0, 100)),
]


def peak_bytes(function, *args) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    function(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def best_time(function, *args, repeats=3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000",
                        help="trip counts, comma-separated (default: 10^3 to 10^6)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'loop':<32}{'N':>9}{'tape bytes/iter':>17}{'gradient / primal time':>25}")
    for label, function, make_input in CASES:
        gradient = srcdiff.grad(function)
        gradient(make_input(), 10)  # compile outside the measurement
        for n in sizes:
            x = make_input()
            per_iteration = peak_bytes(gradient, x, n) / n
            ratio = best_time(gradient, x, n) / best_time(function, x, n)
            print(f"{label:<32}{n:>9}{per_iteration:>17.1f}{ratio:>25.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
