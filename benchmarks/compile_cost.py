"""The cost of srcdiff itself: import time, first and cached `grad` calls, per-call overhead.

First-grad times are measured in a fresh process (``python -m benchmarks.compile_cost NAME...``
prints JSON) so that no in-memory cache from the main run can hide them; srcdiff.cache.clear(), when it
exists, runs before each workload, since several workloads share one primal.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import timing
from benchmarks.workloads import WORKLOADS, Workload, _warmup

REPO = Path(__file__).resolve().parent.parent


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _python(*arguments: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=REPO,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=not capture,
    )


# ----------------------------------------------------------------------------------- import time


def import_time(repeats: int) -> dict:
    """Wall time of `python -c "import srcdiff"` minus `python -c pass`, min over fresh processes."""
    statements = {"python": "pass", "numpy": "import numpy", "srcdiff": "import srcdiff"}
    best = dict.fromkeys(statements, math.inf)
    for _ in range(repeats):
        for name, statement in statements.items():
            start = time.perf_counter()
            _python("-c", statement)
            best[name] = min(best[name], time.perf_counter() - start)
    return {
        "srcdiff_s": best["srcdiff"] - best["python"],
        "numpy_s": best["numpy"] - best["python"],
        "packages_ms": _import_breakdown(),
    }


def _import_breakdown() -> dict[str, float]:
    """Cumulative import time (ms) of srcdiff and of each non-stdlib package it imports."""
    report = _python("-X", "importtime", "-c", "import srcdiff", capture=True).stderr
    entries = []  # (depth, name, cumulative ms), children listed before their parent
    for line in report.splitlines():
        fields = line.split("|")
        if line.startswith("import time:") and len(fields) == 3 and fields[1].strip().isdigit():
            name = fields[2].rstrip()
            entries.append((len(name) - len(name.lstrip()), name.strip(), int(fields[1]) / 1000))
    tops = [i for i, (depth, name, _) in enumerate(entries) if name == "srcdiff"]
    if not tops:
        return {}
    top = tops[-1]
    first = top
    while first > 0 and entries[first - 1][0] > entries[top][0]:
        first -= 1
    packages = {}
    for depth, name, cumulative in entries[first : top + 1]:
        if "." not in name and name not in sys.stdlib_module_names and not name.startswith("_"):
            packages[name] = max(packages.get(name, 0.0), cumulative)
    return dict(sorted(packages.items(), key=lambda item: -item[1]))


# ------------------------------------------------------------------------------------ first grad


def first_grads(names: list[str]) -> dict:
    """Run measure_first_grads in a fresh process and return its results."""
    completed = _python("-m", "benchmarks.compile_cost", *names, capture=True)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure_first_grads(names: list[str]) -> dict:
    """Time grad() plus first call, then again (a cache hit if srcdiff caches), per workload."""
    start = time.perf_counter()
    import srcdiff

    result = {"import_in_process_s": time.perf_counter() - start, "workloads": {}}
    start = time.perf_counter()
    srcdiff.grad(_warmup)(0.5)
    result["cold_first_s"] = time.perf_counter() - start
    clear = getattr(getattr(srcdiff, "cache", None), "clear", None)
    result["cache_cleared"] = clear is not None
    for name in names:
        if clear is not None:  # workloads may share a primal (the mse sizes): make each one fresh
            clear()
        result["workloads"][name] = _first_grad(srcdiff, WORKLOADS[name])
    return result


def _first_grad(srcdiff, workload: Workload) -> dict:
    # Small inputs: first-touch page faults of large temporaries would otherwise dwarf the compiler.
    args = workload.make_args("test")
    try:
        times = [time.perf_counter()]
        gradient = srcdiff.grad(workload.primal, wrt=workload.wrt)
        times.append(time.perf_counter())
        gradient(*args)
        times.append(time.perf_counter())
        again = srcdiff.grad(workload.primal, wrt=workload.wrt)
        again(*args)
        times.append(time.perf_counter())
    except srcdiff.errors.UnsupportedSyntaxError as error:
        return {"status": "unsupported", "error": str(error).splitlines()[0]}
    except Exception as error:  # report, do not stop: the other workloads still get measured
        return {"status": "error", "error": f"{type(error).__name__}: {error}".splitlines()[0]}
    steady = min(timing.make_timer(gradient, args).repeat(repeat=5, number=1))
    start = time.perf_counter()
    srcdiff.compiler.derive(workload.primal, wrt=workload.wrt)  # the pipeline alone, uncached
    derive = time.perf_counter() - start
    first, second = times[2] - times[0], times[3] - times[2]
    return {
        "status": "ok",
        "grad_s": times[1] - times[0],
        "first_call_s": times[2] - times[1],
        "first_s": first,
        "second_s": second,
        "steady_call_s": steady,
        "derive_s": derive,
        "first_overhead_s": max(first - steady, 0.0),
        "second_overhead_s": max(second - steady, 0.0),
    }


# ------------------------------------------------------------------------------ call overhead


def call_overhead(workload: Workload, scale: str, repeats: int, min_time: float) -> dict:
    """Per-call time of the object srcdiff.grad returns minus that of the generated function."""
    import srcdiff

    args = workload.make_args(scale)
    gradient = srcdiff.grad(workload.primal, wrt=workload.wrt)
    expected = gradient(*args)
    direct, via = _generated_function(srcdiff, gradient, workload, args, expected)
    times = timing.interleaved(
        {"grad object": (gradient, args), "generated": (direct, args)}, repeats, min_time
    )
    return {
        "via": via,
        "grad_object_s": times["grad object"].min,
        "generated_s": times["generated"].min,
        "overhead_s": times["grad object"].min - times["generated"].min,
    }


def _generated_function(srcdiff, gradient, workload: Workload, args: tuple, expected):
    """The generated gradient function itself: an attribute of gradient, else compiled from derive()."""
    for attribute in ("generated", "__wrapped__"):
        candidate = getattr(gradient, attribute, None)
        if callable(candidate) and candidate is not workload.primal:
            if _same(candidate(*args), expected):
                return candidate, f"grad(...).{attribute}"
    derivative = srcdiff.compiler.derive(workload.primal, wrt=workload.wrt)
    namespace = {"np": np, "_rt": srcdiff.runtime, **derivative.free_globals}
    exec(compile(derivative.source, f"<srcdiff {workload.name}>", "exec"), namespace)
    direct = namespace[derivative.entry]
    if not _same(direct(*args), expected):
        raise RuntimeError("the function compiled from compiler.derive disagrees with grad()")
    return direct, "compiler.derive source (grad object exposes no generated function)"


def _same(a, b) -> bool:
    a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


if __name__ == "__main__":
    print(json.dumps(measure_first_grads(sys.argv[1:])))
