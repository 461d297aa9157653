"""What checking a derivative's guards costs per call.

Every call of a gradient first checks that what the derivative was compiled from still holds: the function's
code, the helpers it calls, the numpy functions and modules it looked up, the values it folded in, the rule
table's version (see srcdiff/cache.py). This prints, per workload, the number of guards, the time of the check
alone, the time of the generated gradient called directly (no check, no input handling) and through the object
``grad`` returns (check included).

    python -m benchmarks.guard_overhead            # minimum of 7 rounds
    python -m benchmarks.guard_overhead --quick
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

import srcdiff


def cubic(x):
    return x ** 3 + 2 * x


def neuron(w, b, x, y):
    return (1.0 / (1.0 + np.exp(-(w * x + b))) - y) ** 2


def link(v):
    return np.tanh(v) * 2.0


def with_helper(x):
    return np.sum(link(x) ** 2) + np.mean(np.sin(x))


def mse(w, b, X, y):
    return np.mean((w * X + b - y) ** 2)


WORKLOADS = {
    "cubic (float)": (cubic, 0, (1.5,)),
    "neuron (floats)": (neuron, (0, 1), (0.5, -0.2, 1.5, 1.0)),
    "helper + numpy (3 elements)": (with_helper, 0, (np.array([0.1, 0.2, 0.3]),)),
    "mse (n = 100)": (mse, (0, 1), (0.5, 1.0, np.linspace(0.0, 1.0, 100), np.linspace(1.0, 2.0, 100))),
}


def best(function, repeats: int, seconds: float) -> float:
    """The minimum over ``repeats`` rounds of the mean time per call, in seconds."""
    number = 1
    while timeit.timeit(function, number=number) < seconds:
        number *= 2
    return min(timeit.repeat(function, number=number, repeat=repeats)) / number


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of at least 10 ms")
    options = parser.parse_args(argv)
    repeats, seconds = (3, 0.01) if options.quick else (7, 0.1)
    print(f"{'workload':30} {'guards':>6} {'check':>9} {'generated':>10} {'grad':>10} {'overhead':>9}")
    for name, (function, wrt, args) in WORKLOADS.items():
        gradient = srcdiff.grad(function, wrt=wrt)
        gradient(*args)
        state = gradient.srcdiff
        floats = all(type(a) is float for a in args)
        # the generated function the caller itself would call: the variant for floats when every argument is one
        direct = state.compiled
        if floats:
            _, direct, _ = state.compile()
        check = state.check
        times = {
            "check": best(check, repeats, seconds),
            "generated": best(lambda: direct(*args), repeats, seconds),
            "grad": best(lambda: gradient(*args), repeats, seconds),
        }
        print(f"{name:30} {len(check.guards):>6} {times['check'] * 1e9:>7.0f}ns "
              f"{times['generated'] * 1e6:>8.2f}us {times['grad'] * 1e6:>8.2f}us "
              f"{(times['grad'] - times['generated']) * 1e9:>7.0f}ns")


if __name__ == "__main__":
    main()
