"""Printing the results as tables, and the summary that checks srcdiff against its targets."""

from __future__ import annotations

import math

METHOD_ORDER = ("primal", "hand", "srcdiff", "autograd", "torch", "jax eager", "jax jit")
TARGETS = {  # name -> limit; every value must be <= its limit
    "geomean srcdiff/hand, array workloads": 1.10,
    "geomean srcdiff/hand, scalar workloads": 1.5,
    "max srcdiff/hand": 1.5,
    "peers faster than srcdiff (workload, peer pairs)": 0,
    "first grad + first call, minus one steady call (max)": 0.030,
    "cached-call overhead of the grad object (max)": 2e-6,
    "import srcdiff": 0.150,
    "srcdiff gradients wrong or failing": 0,
}


def format_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_value(value, unit: str) -> str:
    if value is None:
        return "not measured"
    return {"x": f"{value:.3g}x", "s": format_time(value)}.get(unit, str(value))


def print_header(meta: dict, srcdiff_error: str | None) -> None:
    peers = ", ".join(f"{k} {v or 'n/a'}" for k, v in meta["peers"].items()) or "skipped"
    print(f"srcdiff benchmarks ({'quick' if meta['quick'] else 'full'}): {meta['cpu']}")
    print(f"python {meta['python']}, numpy {meta['numpy']}, one thread; peers: {peers}")
    print(f"times: {meta['statistic']} ({meta['repeats']} repeats, interleaved)")
    if srcdiff_error:
        print(f"srcdiff could not be imported: {srcdiff_error}")


def print_workload(entry: dict) -> None:
    print(f"\n== {entry['name']} [{entry['kind']}] {entry['description']}")
    print(f"  {'method':<10} {'min':>10} {'median':>10} {'vs hand':>8}  status")
    methods = entry["methods"]
    for name in sorted(methods, key=lambda n: METHOD_ORDER.index(n)):
        row = methods[name]
        if "min_s" in row:
            note = row["status"] if name not in ("primal", "hand") else ""
            if "first_call_s" in row:
                note += f", first call (trace + compile) {format_time(row['first_call_s'])}"
            print(
                f"  {name:<10} {format_time(row['min_s']):>10} {format_time(row['median_s']):>10}"
                f" {row['ratio']:>7.2f}x  {note}"
            )
        else:
            error = row.get("error", "")
            print(f"  {name:<10} {'-':>10} {'-':>10} {'-':>8}  {row['status']}: {error[:90]}")


def print_compiler(compiler: dict) -> None:
    print("\n== compiler cost")
    if "error" in compiler:
        print(f"  not measured: {compiler['error']}")
        return
    imported = compiler["import"]
    packages = [(k, v) for k, v in imported["packages_ms"].items() if v >= 1][:5]
    heavy = ", ".join(f"{k} {v:.0f} ms" for k, v in packages)
    print(
        f"  import srcdiff {format_time(imported['srcdiff_s'])} (numpy alone"
        f" {format_time(imported['numpy_s'])}); cumulative by package: {heavy}"
    )
    first = compiler["first_grad"]
    if "error" in first:
        print(f"  first grad not measured: {first['error']}")
    else:
        print(
            "  first srcdiff.grad + call in a fresh process (warm-up function, pays lazy imports):"
            f" {format_time(first['cold_first_s'])}"
        )
        print(
            "  per workload: 1st/2nd overhead = grad() + first call - steady call, for the first"
            " and a second grad(); derive() = compiler.derive alone"
        )
        print(
            f"  {'workload':<12} {'grad()':>9} {'1st call':>9} {'steady':>9} {'1st overhead':>13}"
            f" {'2nd overhead':>13} {'derive()':>9}"
        )
        for name, row in first["workloads"].items():
            if row["status"] != "ok":
                print(f"  {name:<12} {row['status']}: {row['error'][:90]}")
                continue
            print(
                f"  {name:<12} {format_time(row['grad_s']):>9} {format_time(row['first_call_s']):>9}"
                f" {format_time(row['steady_call_s']):>9} {format_time(row['first_overhead_s']):>13}"
                f" {format_time(row['second_overhead_s']):>13} {format_time(row['derive_s']):>9}"
            )
    for name, overhead in compiler["call_overhead"].items():
        if "error" in overhead:
            print(f"  call overhead on {name} not measured: {overhead['error']}")
            continue
        print(
            f"  call overhead on {name}: grad object {format_time(overhead['grad_object_s'])},"
            f" generated function {format_time(overhead['generated_s'])}"
            f" -> {format_time(overhead['overhead_s'])} (generated function: {overhead['via']})"
        )


def geometric_mean(values: list[float]) -> float | None:
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def summarize(results: dict) -> dict:
    """srcdiff/hand ratios, peer comparisons, compiler costs, and each target met or missed."""
    ratios, failing, losses, peer_timings = {}, {}, [], 0
    for workload in results["workloads"]:
        methods = workload["methods"]
        mine = methods["srcdiff"]
        if mine["status"] != "ok":
            failing[workload["name"]] = mine["status"]
            continue
        ratios[workload["name"]] = (workload["kind"], mine["ratio"])
        for name, row in methods.items():
            if name not in ("primal", "hand", "srcdiff") and "min_s" in row:
                peer_timings += 1
                if row["min_s"] <= mine["min_s"]:
                    losses.append(f"{workload['name']}: {name} {mine['min_s'] / row['min_s']:.2f}x")
    by_kind = {
        kind: geometric_mean([r for k, r in ratios.values() if k == kind])
        for kind in ("array", "scalar")
    }
    worst = max(ratios.items(), key=lambda item: item[1][1], default=None)
    compiler = results["compiler"]
    first = compiler.get("first_grad", {}).get("workloads", {})
    first_overheads = [r["first_overhead_s"] for r in first.values() if r["status"] == "ok"]
    overheads = [
        r["overhead_s"] for r in compiler.get("call_overhead", {}).values() if "error" not in r
    ]
    values = {
        "geomean srcdiff/hand, array workloads": (by_kind["array"], "x"),
        "geomean srcdiff/hand, scalar workloads": (by_kind["scalar"], "x"),
        "max srcdiff/hand": (worst[1][1] if worst else None, "x"),
        "peers faster than srcdiff (workload, peer pairs)": (
            len(losses) if peer_timings else None,
            "count",
        ),
        "first grad + first call, minus one steady call (max)": (
            max(first_overheads, default=None),
            "s",
        ),
        "cached-call overhead of the grad object (max)": (
            max(overheads, default=None),
            "s",
        ),
        "import srcdiff": (compiler.get("import", {}).get("srcdiff_s"), "s"),
        "srcdiff gradients wrong or failing": (
            sum(s in ("wrong", "error") for s in failing.values()),
            "count",
        ),
    }
    targets = [
        {
            "name": name,
            "value": value,
            "limit": TARGETS[name],
            "unit": unit,
            "met": None if value is None else value <= TARGETS[name],
        }
        for name, (value, unit) in values.items()
    ]
    return {
        "ratios": {name: ratio for name, (kind, ratio) in ratios.items()},
        "geomean_array": by_kind["array"],
        "geomean_scalar": by_kind["scalar"],
        "max_ratio": worst[1][1] if worst else None,
        "max_ratio_workload": worst[0] if worst else None,
        "not_ok": failing,
        "peer_wins": losses,
        "targets": targets,
    }


def print_summary(summary: dict) -> None:
    print("\n== summary (srcdiff time / hand-written time)")
    print("  " + ", ".join(f"{k} {v:.2f}x" for k, v in summary["ratios"].items()))
    if summary["max_ratio_workload"]:
        print(f"  worst: {summary['max_ratio_workload']} {summary['max_ratio']:.2f}x")
    if summary["not_ok"]:
        print("  not timed: " + ", ".join(f"{k} ({v})" for k, v in summary["not_ok"].items()))
    if summary["peer_wins"]:
        print("  peers faster than srcdiff (srcdiff/peer): " + "; ".join(summary["peer_wins"]))
    for target in summary["targets"]:
        mark = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        value = format_value(target["value"], target["unit"])
        limit = format_value(target["limit"], target["unit"])
        print(f"  [{mark:^6}] {target['name']}: {value} (target <= {limit})")
