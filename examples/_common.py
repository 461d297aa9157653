"""Plumbing shared by the lessons: command-line options, pictures, progress bars, number formatting.

Nothing here is about derivatives; the lessons keep all the maths in plain sight. Read any lesson first.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

EXAMPLES_DIR = Path(__file__).resolve().parent
DEFAULT_OUTDIR = EXAMPLES_DIR / "output"

# A learner running `python examples/01_derivative.py` from a fresh checkout has not installed srcdiff;
# let the lessons find the package in the repository next to this folder.
try:
    import srcdiff  # noqa: F401
except ImportError:
    sys.path.insert(0, str(EXAMPLES_DIR.parent))

from srcdiff import testing  # noqa: E402  (after the lines above, which find it)


def parse_args(description: str, argv=None, add_options=None) -> argparse.Namespace:
    """The options every lesson understands, plus the lesson's own (added by `add_options(parser)`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--no-plots",
        action="store_true",
        help="draw no pictures (also: environment variable SRCDIFF_NO_PLOTS=1)",
    )
    parser.add_argument(
        "--outdir",
        type=Path,
        default=DEFAULT_OUTDIR,
        help=f"folder for the pictures (default: {DEFAULT_OUTDIR})",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars (they are off anyway when the output is not a terminal)",
    )
    if add_options is not None:
        add_options(parser)
    args = parser.parse_args(argv)
    args.plots = not args.no_plots and os.environ.get("SRCDIFF_NO_PLOTS", "") not in (
        "1",
        "true",
        "yes",
    )
    args.progress = not args.no_progress and sys.stderr.isatty()
    return args


def pyplot():
    """matplotlib.pyplot drawing to files only (the Agg backend: no window, works without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, outdir: Path, name: str) -> Path:
    """Save `fig` as outdir/name, close it, and say where it went."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / name
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    pyplot().close(fig)
    print(f"saved plot: {path}")
    return path


def progress(iterable, description: str, enabled: bool):
    """A tqdm progress bar around `iterable` when enabled and tqdm is installed; else `iterable` itself."""
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=description, leave=False)


def fmt(value) -> str:
    """A number as short, stable text: 10 significant digits, so 6.000000000000001 prints as 6.0."""
    if np.ndim(value) == 0:
        return repr(float(f"{float(value):.10g}"))
    return "(" + ", ".join(fmt(v) for v in np.ravel(value)) + ")"


def show_source(title: str, source_text: str) -> None:
    """Print generated code between two rulers, so it stands out from the numbers."""
    ruler = "-" * 72
    print(f"{title}\n{ruler}\n{source_text.rstrip()}\n{ruler}")


def central_difference(f, x, h=1e-6):
    """Numerical derivative of a function of one number: (f(x + h) - f(x - h)) / 2h.

    These are the central differences srcdiff's own tests use (srcdiff.testing): h grows with |x| beyond 1,
    and the quotient divides by the distance between the rounded floats x + h and x - h, not by 2h.
    """
    return testing.numerical_gradient(f, (x,), eps=h)


def numerical_gradient(f, point, h=1e-6):
    """Central-difference gradient of f(point) with respect to every entry of the array `point`."""
    return testing.numerical_gradient(f, (np.asarray(point, dtype=float),), eps=h)


def make_regression(n_samples=256, noise=0.1, seed=0):
    """The synthetic regression problem of lessons 7 and 8: y = X @ w_true + b_true + noise, 3 features.

    Returns (X, y, w_true, b_true). A fixed seed makes every run draw the same data.
    """
    rng = np.random.default_rng(seed)
    w_true = np.array([2.0, -3.0, 0.5])
    b_true = 1.0
    X = rng.normal(size=(n_samples, len(w_true)))
    y = X @ w_true + b_true + noise * rng.normal(size=n_samples)
    return X, y, w_true, b_true
