"""python -m tests.fuzz: generate programs, check srcdiff on each, minimise and save the failures.

    python -m tests.fuzz --programs 2000 --seed 0 [--profile all|basic|control|mutation|calls|ci] [--minutes 30]

prints counts per construct and per outcome, then each distinct minimised failure, and writes each one as a
standalone reproducer to --out (default /tmp/srcdiff-fuzz/), with summary.json.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import os
import sys
import time

from .generator import CONSTRUCTS, PROFILES, generate
from .minimize import minimize, reproducer
from .runner import ORDER, Workspace, run

FAILURES = ("WRONG", "CRASH", "UNLOCATED")


def profile_constructs(name: str):
    if name == "ci":
        from tests.test_fuzz import CI_PROFILE  # noqa: PLC0415  (only this profile needs the test module)

        return CI_PROFILE
    if name in PROFILES:
        return PROFILES[name]
    constructs = tuple(name.split(","))
    unknown = [c for c in constructs if c not in CONSTRUCTS]
    if unknown:
        raise SystemExit(f"unknown profile or construct(s): {', '.join(unknown)}; profiles: {', '.join(PROFILES)}, "
                         f"constructs: {', '.join(CONSTRUCTS)}")
    return constructs


def table(results) -> str:
    """Counts per construct (rows) and outcome (columns)."""
    per = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    for program, outcome in results:
        total[outcome.kind] += 1
        for construct in program.constructs:
            per[construct][outcome.kind] += 1
    columns = [k for k in ORDER if any(per[c][k] for c in per) or total[k]]
    width = max([len(c) for c in per] + [len("all programs")])
    lines = [f"{'construct':<{width}} " + " ".join(f"{k:>9}" for k in columns)]
    for construct in sorted(per, key=lambda c: list(CONSTRUCTS).index(c)):
        lines.append(f"{construct:<{width}} " + " ".join(f"{per[construct][k]:>9}" for k in columns))
    lines.append(f"{'all programs':<{width}} " + " ".join(f"{total[k]:>9}" for k in columns))
    return "\n".join(lines)


def group_key(program, outcome):
    """Failures of one key are probably one mechanism: minimise a few of each."""
    origin = outcome.origin
    if origin.startswith("<srcdiff"):
        origin = "generated code"
    elif outcome.kind == "CRASH":
        origin = origin.rsplit(":", 1)[0]
    return outcome.signature + (origin, "" if outcome.kind != "WRONG" else ",".join(program.constructs))


def normalized(program) -> str:
    """The minimised program with its names and constants made anonymous, to spot repeats of one mechanism."""
    names = {}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id not in ("np", "f", "x", "s", "M", "r", "H"):
                node.id = names.setdefault(node.id, f"n{len(names)}")
            return node

        def visit_Constant(self, node):
            if isinstance(node.value, float):
                node.value = 0.5
            return node

    try:
        tree = Rename().visit(ast.parse(program.main))
    except SyntaxError:
        return program.main
    return ast.dump(tree) + (program.helper or "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="all", help="all, basic, control, mutation, calls, ci, or constructs "
                                                         "separated by commas")
    parser.add_argument("--minutes", type=float, default=None, help="stop generating after this long")
    parser.add_argument("--out", default="/tmp/srcdiff-fuzz/")
    parser.add_argument("--per-group", type=int, default=3, help="failures minimised per (outcome, check, error)")
    parser.add_argument("--max-minimize", type=int, default=80, help="failures minimised in all")
    parser.add_argument("--minimize-seconds", type=float, default=60.0, help="budget per failure")
    parser.add_argument("--no-minimize", action="store_true")
    parser.add_argument("--no-jvp", action="store_true", help="skip the forward-mode comparison")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure as it is found")
    options = parser.parse_args(argv)

    constructs = profile_constructs(options.profile)
    os.makedirs(options.out, exist_ok=True)
    workspace = Workspace()
    start = time.time()
    results, failures = [], []
    try:
        for seed in range(options.seed, options.seed + options.programs):
            if options.minutes is not None and time.time() - start > options.minutes * 60:
                break
            program = generate(seed, constructs)
            outcome = run(program, workspace, jvp=not options.no_jvp)
            results.append((program, outcome))
            if outcome.kind in FAILURES:
                failures.append((program, outcome))
                if options.verbose:
                    print(f"seed {seed}: {outcome}  [{', '.join(program.constructs)}]", flush=True)
            if len(results) % 200 == 0:
                counts = collections.Counter(o.kind for _, o in results)
                print(f"... {len(results)} programs in {time.time() - start:.0f} s: {dict(counts)}", file=sys.stderr,
                      flush=True)
        elapsed = time.time() - start
        print(f"{len(results)} programs (seeds {options.seed}..{options.seed + len(results) - 1}, profile "
              f"{options.profile}) in {elapsed:.0f} s\n")
        print(table(results))
        checks = collections.Counter(f"{o.kind} {o.mode}" + (f" {o.error}" if o.error else "")
                                     for _, o in results if o.kind in FAILURES)
        if checks:
            print("\nfailures by check: " + ", ".join(f"{k} x{n}" for k, n in checks.most_common()))
        refusals = collections.Counter(f"{o.mode}: {o.error}" for _, o in results if o.kind == "REFUSED")
        if refusals:
            print("\nrefusals: " + ", ".join(f"{k} x{n}" for k, n in refusals.most_common()))
        skips = collections.Counter(f"{o.mode} {o.error}".strip() for _, o in results if o.kind == "SKIP")
        if skips:
            print("skipped: " + ", ".join(f"{k} x{n}" for k, n in skips.most_common()))

        summary = {"programs": len(results), "seconds": elapsed, "profile": options.profile,
                   "counts": collections.Counter(o.kind for _, o in results), "failures": []}
        groups = collections.defaultdict(list)
        for program, outcome in failures:
            groups[group_key(program, outcome)].append((program, outcome))
        if failures:
            print(f"\n{len(failures)} failures in {len(groups)} groups")
        seen = set()
        number = attempts = 0
        for key, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            for program, outcome in members[:options.per_group]:
                attempts += 1
                if attempts > options.max_minimize:
                    break
                if not options.no_minimize:
                    program, outcome = minimize(program, outcome, workspace, options.minimize_seconds)
                text = normalized(program)
                if text in seen:
                    continue
                seen.add(text)
                number += 1
                name = f"fail_{number:03d}_{outcome.kind.lower()}_{outcome.mode}"
                path = os.path.join(options.out, name + ".py")
                with open(path, "w") as fh:
                    fh.write(reproducer(program, outcome, name))
                summary["failures"].append({"file": path, "seed": program.seed, "group_size": len(members),
                                            "outcome": str(outcome), "origin": outcome.origin,
                                            "constructs": program.constructs, "wrt": program.wrt,
                                            "main": program.main, "helper": program.helper})
                print(f"\n--- {name} (seed {program.seed}, {len(members)} in its group): {outcome}")
                if outcome.origin:
                    print(f"    raised at {outcome.origin}")
                print(f"    wrt={program.wrt}")
                print(program.main.rstrip())
                if program.helper:
                    print("    # helper module HELPERMOD:\n" + program.helper.rstrip())
        with open(os.path.join(options.out, "summary.json"), "w") as fh:
            json.dump(summary, fh, indent=1, default=list)
    finally:
        workspace.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
