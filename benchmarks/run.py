"""The benchmark driver: check every gradient against the hand-written one, time them, report, save."""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import compile_cost, report, timing
from benchmarks.peers import PeerUnsupported, Prepared, load_peers
from benchmarks.threads import limit_thread_pools
from benchmarks.workloads import WORKLOADS, Workload

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"
RTOL, ATOL = 1e-6, 1e-10  # float64 gradients of the same algorithm differ only by summation order


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time srcdiff's gradients against hand-written ones.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="run only these workloads (comma-separated; a prefix such as mse selects all it starts)",
    )
    parser.add_argument(
        "--json", metavar="PATH", type=Path, default=DEFAULT_JSON, help="where to save the results"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip autograd, PyTorch and JAX")
    parser.add_argument("--repeats", type=int, help="timing rounds (default 7, 3 with --quick)")
    options = parser.parse_args(argv)
    options.workloads = select_workloads(parser, options.only)
    return options


def select_workloads(parser: argparse.ArgumentParser, only: list[str] | None) -> list[Workload]:
    if not only:
        return list(WORKLOADS.values())
    wanted = [name.strip() for item in only for name in item.split(",") if name.strip()]
    for name in wanted:
        if not any(w == name or w.startswith(name) for w in WORKLOADS):
            parser.error(f"no workload named {name!r}; choose from {', '.join(WORKLOADS)}")
    return [w for n, w in WORKLOADS.items() if any(n == x or n.startswith(x) for x in wanted)]


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    scale = "quick" if options.quick else "full"
    repeats = options.repeats or (3 if options.quick else 7)
    min_time = 0.01 if options.quick else 0.1
    srcdiff, srcdiff_error = _import_srcdiff()
    peers, peer_versions = ([], {}) if options.no_peers else load_peers()
    pinned = limit_thread_pools()  # after the peers load, so their BLAS is limited too
    results = {
        "meta": _meta(options, scale, repeats, min_time, srcdiff, peer_versions, pinned),
        "workloads": [],
    }
    report.print_header(results["meta"], srcdiff_error)
    for workload in options.workloads:
        entry = run_workload(workload, scale, srcdiff, peers, peer_versions, repeats, min_time)
        report.print_workload(entry)
        results["workloads"].append(entry)
    results["compiler"] = measure_compiler(srcdiff, options.workloads, scale, repeats, min_time)
    report.print_compiler(results["compiler"])
    results["summary"] = report.summarize(results)
    report.print_summary(results["summary"])
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(f"\nresults written to {options.json}")
    return 0


def _import_srcdiff():
    try:
        import srcdiff

        srcdiff.grad, srcdiff.errors.UnsupportedSyntaxError  # a bare namespace package has neither
    except Exception as error:  # the baselines are still timed, and the header says why
        return None, f"{type(error).__name__}: {error}"
    return srcdiff, None


# -------------------------------------------------------------------------------------- workloads


def run_workload(workload, scale, srcdiff, peers, peer_versions, repeats, min_time) -> dict:
    """Verify every method's gradient, then time the ones that agree, interleaved."""
    args = workload.make_args(scale)
    reference = workload.hand(*args)
    methods = {"primal": (workload.primal, args), "hand": (workload.hand, args)}
    rows = {"primal": {"status": "ok"}, "hand": {"status": "ok", "agrees": True}}

    def build_srcdiff() -> Prepared:
        if srcdiff is None:
            raise ImportError("srcdiff is not importable")
        return Prepared(srcdiff.grad(workload.primal, wrt=workload.wrt), args)

    builders = {"srcdiff": build_srcdiff}
    builders.update({peer.name: functools.partial(peer.prepare, workload, args) for peer in peers})
    for name, build in builders.items():
        rows[name], prepared = _verify(name, build, workload, args, reference, srcdiff)
        if rows[name]["status"] == "ok":
            methods[name] = (prepared.fn, prepared.args)
    for name, version in peer_versions.items():
        if version is None:
            rows[name] = {"status": "n/a", "error": "not installed"}
    timed = timing.interleaved(methods, repeats, min_time)
    hand = timed["hand"].min
    for name, result in timed.items():
        rows[name].update(
            min_s=result.min,
            median_s=result.median,
            number=result.number,
            ratio=1.0 if name == "hand" else result.min / hand,
        )
    return {
        "name": workload.name,
        "kind": workload.kind,
        "description": workload.describe(args),
        "methods": rows,
    }


def _verify(name, build, workload, args, reference, srcdiff) -> tuple[dict, Prepared | None]:
    """Build and call one method once: its row (does it match the reference?) and the prepared call."""
    snapshot = [np.copy(a) for a in args]
    try:
        prepared = build()
        got = prepared.fn(*prepared.args)
    except PeerUnsupported as error:
        return {"status": "unsupported", "error": str(error)}, None
    except Exception as error:
        unsupported = srcdiff is not None and isinstance(
            error, srcdiff.errors.UnsupportedSyntaxError
        )
        row = {"status": "unsupported" if unsupported else "error"}
        row["error"] = f"{type(error).__name__}: {error}"
        return row, None
    agrees, max_error = compare(got, reference)
    row = {"status": "ok" if agrees else "wrong", "agrees": agrees, "max_abs_error": max_error}
    if not agrees:
        row["error"] = f"differs from the hand-written gradient, max abs error {max_error:.3g}"
    if prepared.first_call_s is not None:
        row["first_call_s"] = prepared.first_call_s
    if not all(np.array_equal(a, b) for a, b in zip(args, snapshot)):
        row.update(status="wrong", agrees=False, error="modified its inputs in place")
    if row["status"] == "wrong" and name == "srcdiff":
        row["source"] = _generated_source(srcdiff, workload)
    return row, prepared


def compare(got, reference) -> tuple[bool, float]:
    """Whether got matches the reference gradient(s) in structure, shape and value (np.allclose)."""
    got, reference = _as_tuple(got), _as_tuple(reference)
    if len(got) != len(reference):
        return False, float("inf")
    worst = 0.0
    for g, r in zip(got, reference):
        g, r = np.asarray(g, dtype=float), np.asarray(r, dtype=float)
        if g.shape != r.shape or not np.allclose(g, r, rtol=RTOL, atol=ATOL):
            worst = float("inf") if g.shape != r.shape else float(np.max(np.abs(g - r)))
            return False, worst
        worst = max(worst, float(np.max(np.abs(g - r), initial=0.0)))
    return True, worst


def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _generated_source(srcdiff, workload) -> str | None:
    try:
        return srcdiff.source(workload.primal, wrt=workload.wrt)
    except Exception as error:
        return f"<srcdiff.source failed: {type(error).__name__}: {error}>"


# --------------------------------------------------------------------------------------- compiler


def measure_compiler(srcdiff, workloads, scale, repeats, min_time) -> dict:
    """Import time, first/cached grad times (fresh process) and the grad object's call overhead."""
    if srcdiff is None:
        return {"error": "srcdiff is not importable"}
    result = {"import": compile_cost.import_time(repeats)}
    result["first_grad"] = compile_cost.first_grads([w.name for w in workloads])
    # One float-input and one array-input workload: the grad object checks the two differently.
    chosen = [w for w in workloads if w.name in ("cubic", "mse_small")] or workloads[:1]
    result["call_overhead"] = {}
    for workload in chosen:
        try:
            measured = compile_cost.call_overhead(workload, scale, max(repeats, 5), min_time)
        except Exception as error:
            measured = {"error": f"{type(error).__name__}: {error}"}
        result["call_overhead"][workload.name] = measured
    return result


def _meta(options, scale, repeats, min_time, srcdiff, peer_versions, pinned) -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "srcdiff": getattr(srcdiff, "__version__", None),
        "commit": _git_commit(),
        "quick": options.quick,
        "scale": scale,
        "repeats": repeats,
        "min_time_per_repeat_s": min_time,
        "statistic": "min over repeats of the mean time per call; ratios use the min",
        "threads": 1,
        "threadpoolctl": pinned,
        "peers": peer_versions,
        "rtol": RTOL,
        "atol": ATOL,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git_commit() -> str | None:
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=compile_cost.REPO, capture_output=True, text=True
    )
    return completed.stdout.strip() or None if completed.returncode == 0 else None


if __name__ == "__main__":
    sys.exit(main())
