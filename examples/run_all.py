"""Run every lesson in teaching order and report which ones passed.

    python examples/run_all.py --no-plots          all lessons, no pictures
    python examples/run_all.py                     pictures go to examples/output/
    python examples/run_all.py 01 07               only the lessons whose file names start with 01 or 07

Every other option (--no-plots, --outdir DIR, --no-progress) is handed to each lesson. Exits non-zero if any
lesson failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import traceback
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent


def lesson_paths():
    """The lesson scripts, in teaching order: every examples/NN_name.py."""
    return sorted(path for path in EXAMPLES_DIR.glob("[0-9][0-9]_*.py"))


def load_lesson(path: Path):
    """Import a lesson file as a module (its name starts with a digit, so `import` cannot)."""
    if str(EXAMPLES_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLES_DIR))  # the lessons import _common
    name = "srcdiff_example_" + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # srcdiff and inspect find a function's module here
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "only", nargs="*", help="run only lessons whose file names start with these"
    )
    parser.add_argument("--no-plots", action="store_true", help="draw no pictures")
    parser.add_argument("--outdir", help="folder for the pictures")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    lesson_argv = (["--no-plots"] if args.no_plots else []) + (
        ["--no-progress"] if args.no_progress else []
    )
    if args.outdir:
        lesson_argv += ["--outdir", args.outdir]

    failed = []
    paths = [p for p in lesson_paths() if not args.only or p.name.startswith(tuple(args.only))]
    for path in paths:
        print(f"\n=== {path.name} ===", flush=True)
        started = time.perf_counter()
        try:
            load_lesson(path).main(lesson_argv)
        except Exception:  # report and go on: one broken lesson should not hide the others
            traceback.print_exc()
            failed.append(path.name)
            status = "FAILED"
        else:
            status = "ok"
        print(f"=== {path.name}: {status} in {time.perf_counter() - started:.1f} s ===", flush=True)

    print(f"\n{len(paths) - len(failed)} of {len(paths)} lessons ran")
    for name in failed:
        print(f"failed: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
