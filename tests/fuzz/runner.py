"""Run one generated program through srcdiff and classify what happens.

Outcomes:

- ``OK``: the gradient agrees with central finite differences (float64), the value ``value_and_grad`` returns is
  the primal's, forward mode (``srcdiff.jvp``) agrees with reverse mode, and no call changed its inputs;
- ``REFUSED``: srcdiff raised a located ``SrcdiffError`` (filename and line): acceptable;
- ``WRONG``: a gradient, value or tangent that disagrees, a gradient of the wrong shape, or inputs mutated;
- ``CRASH``: any other exception (from srcdiff or from the code it generated), or a time-out;
- ``UNLOCATED``: a ``SrcdiffError`` without a file and line;
- ``SKIP``: not a test of srcdiff: the primal raises, is not a finite scalar, changes its own inputs, or is not
  smooth at the sample point (central differences with two step sizes disagree).
"""

from __future__ import annotations

import copy
import importlib
import itertools
import os
import shutil
import signal
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

import srcdiff
from srcdiff.errors import SrcdiffError
from srcdiff.testing import numerical_gradient

ORDER = ["WRONG", "CRASH", "UNLOCATED", "REFUSED", "OK", "SKIP"]
SRCDIFF_DIR = os.path.dirname(os.path.abspath(srcdiff.__file__))


class FuzzTimeout(BaseException):
    """A program took longer than the time limit (a BaseException, so no ``except Exception`` swallows it)."""


@dataclass
class Outcome:
    kind: str  # one of ORDER
    mode: str = ""  # which check: primal, grad, value, jvp, mutation-grad/-value/-jvp, shape
    error: str = ""  # the exception's type name
    message: str = ""
    origin: str = ""  # where the exception was raised (innermost frame)

    @property
    def signature(self):
        return (self.kind, self.mode, self.error)

    def __str__(self):
        head = self.kind + (f" [{self.mode}]" if self.mode else "") + (f" {self.error}" if self.error else "")
        return head + (f": {self.message}" if self.message else "")


def _origin(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    name = frame.filename
    if name.startswith(SRCDIFF_DIR):
        name = "srcdiff" + name[len(SRCDIFF_DIR):]
    elif "srcdiff" not in name:
        name = os.path.basename(name)
    return f"{name}:{frame.lineno}"


class Workspace:
    """A temporary directory on sys.path where programs are written under fresh module names."""

    _counter = itertools.count()

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="srcdiff-fuzz-")
        sys.path.insert(0, self.dir)
        sys.dont_write_bytecode = True

    def load(self, program):
        """Write the program's modules and import the main one; returns (module, names to unload)."""
        n = next(self._counter)
        tag = f"{os.getpid()}_{n}"
        main_name, helper_name = f"fz_{tag}", f"fzh_{tag}"
        if program.helper is not None:
            with open(os.path.join(self.dir, helper_name + ".py"), "w") as fh:
                fh.write(program.helper)
        with open(os.path.join(self.dir, main_name + ".py"), "w") as fh:
            fh.write(program.main.replace("HELPERMOD", helper_name))
        importlib.invalidate_caches()
        return main_name, helper_name

    def unload(self, names):
        for name in names:
            sys.modules.pop(name, None)
            try:
                os.remove(os.path.join(self.dir, name + ".py"))
            except OSError:
                pass

    def close(self):
        if self.dir in sys.path:
            sys.path.remove(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)


def build_args(program, module):
    args = []
    for kind, value in program.args:
        if kind == "array":
            args.append(np.array(value, dtype=float))
        elif kind == "float":
            args.append(float(value))
        else:
            args.append(eval(value, vars(module)))
    return args


def _same(a, b):
    if callable(a) or callable(b):
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _close(a, b, scale, rtol=1e-4, atol=1e-6):
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.isfinite(a))) and bool(np.allclose(a, b, rtol=rtol, atol=atol * scale))


def _error_outcome(exc, mode):
    if isinstance(exc, FuzzTimeout):
        return Outcome("CRASH", mode, "Timeout", "no answer within the time limit")
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    if isinstance(exc, SrcdiffError):
        if exc.filename is not None and exc.lineno is not None:
            return Outcome("REFUSED", mode, type(exc).__name__, message, _origin(exc))
        return Outcome("UNLOCATED", mode, type(exc).__name__, message, _origin(exc))
    return Outcome("CRASH", mode, type(exc).__name__, message, _origin(exc))


def _fmt(values):
    return "; ".join(np.array2string(np.asarray(v, dtype=float), precision=6, separator=", ").replace("\n", "")
                     for v in values)


def check(program, module, grad=None, jvp=True):
    """The outcome of one loaded program (without the time limit: see ``run``)."""
    grad = grad or srcdiff.grad
    f = getattr(module, "f", None)
    if not callable(f):
        return Outcome("SKIP", "primal", "", "no function f")
    params = program.params
    positions = [params.index(name) for name in program.wrt]
    try:
        original = build_args(program, module)
    except Exception as exc:
        return Outcome("SKIP", "primal", type(exc).__name__, str(exc)[:200])

    # the primal must run, give a finite scalar, and leave its inputs alone
    try:
        work = build_args(program, module)
        value = f(*work)
        if np.ndim(value) != 0:
            return Outcome("SKIP", "primal", "", f"the value has shape {np.shape(value)}")
        value = float(value)
    except Exception as exc:  # the program itself is at fault, not srcdiff
        return Outcome("SKIP", "primal", type(exc).__name__, str(exc)[:200])
    if not np.isfinite(value):
        return Outcome("SKIP", "primal", "", "non-finite value")
    if not all(_same(a, b) for a, b in zip(work, original)):
        return Outcome("SKIP", "primal", "", "the program changes its own inputs")

    # reverse mode
    work = build_args(program, module)
    try:
        gradient = grad(f, wrt=tuple(program.wrt))(*work)
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return _error_outcome(exc, "grad")
    changed = [name for name, a, b in zip(params, work, original) if not _same(a, b)]
    if changed:
        return Outcome("WRONG", "mutation-grad", "", f"grad changed the caller's input(s) {', '.join(changed)}")
    if not isinstance(gradient, tuple) or len(gradient) != len(positions):
        return Outcome("WRONG", "shape", "",
                       f"expected a tuple of {len(positions)} gradients, got {type(gradient).__name__}")
    for name, g, p in zip(program.wrt, gradient, positions):
        if np.shape(g) != np.shape(original[p]):
            return Outcome("WRONG", "shape", "",
                           f"gradient of {name} has shape {np.shape(g)}, input {np.shape(original[p])}")
    # the reference, only now (an error above needs none): central differences at two step sizes, whose
    # disagreement means a kink near the point
    fine = [numerical_gradient(f, original, p, 1e-6) for p in positions]
    coarse = [numerical_gradient(f, original, p, 1e-4) for p in positions]
    scale = max([1.0] + [float(np.max(np.abs(n))) for n in fine])
    if not all(_close(a, b, scale, rtol=1e-3, atol=1e-5) for a, b in zip(fine, coarse)):
        return Outcome("SKIP", "smoothness", "", "not smooth at the sample point")

    bad = [i for i, (g, n) in enumerate(zip(gradient, fine)) if not _close(g, n, scale)]
    if bad:
        return Outcome("WRONG", "grad", "", "; ".join(
            f"d/d{program.wrt[i]}: srcdiff {_fmt([gradient[i]])} vs numeric {_fmt([fine[i]])}" for i in bad))

    # the value from value_and_grad
    work = build_args(program, module)
    try:
        got, gradient2 = srcdiff.value_and_grad(f, wrt=tuple(program.wrt))(*work)
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return _error_outcome(exc, "value")
    if not all(_same(a, b) for a, b in zip(work, original)):
        return Outcome("WRONG", "mutation-value", "", "value_and_grad changed the caller's inputs")
    if not _close(got, value, 1.0, rtol=1e-9, atol=1e-12):
        return Outcome("WRONG", "value", "", f"value_and_grad gives {got!r}, the function {value!r}")

    if not jvp:
        return Outcome("OK")
    # forward mode against reverse mode (and the numbers) along a random direction
    rng = np.random.default_rng(program.seed + 12345)
    tangents = []
    for i, arg in enumerate(original):
        if i in positions:
            t = rng.standard_normal(np.shape(arg))
            tangents.append(float(t) if np.ndim(arg) == 0 else t)
        else:
            tangents.append(None)
    expected = sum(float(np.sum(np.asarray(n) * tangents[p])) for n, p in zip(fine, positions))
    work = build_args(program, module)
    try:
        out, tangent = srcdiff.jvp(f, work, tangents)
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return _error_outcome(exc, "jvp")
    if not all(_same(a, b) for a, b in zip(work, original)):
        return Outcome("WRONG", "mutation-jvp", "", "jvp changed the caller's inputs")
    if not _close(out, value, 1.0, rtol=1e-9, atol=1e-12):
        return Outcome("WRONG", "jvp", "", f"jvp value {out!r}, the function {value!r}")
    reverse = sum(float(np.sum(np.asarray(g) * tangents[p])) for g, p in zip(gradient, positions))
    if np.ndim(tangent) != 0:
        return Outcome("WRONG", "jvp", "", f"jvp tangent of shape {np.shape(tangent)} for a scalar output")
    tangent = float(tangent)
    if not _close(tangent, expected, scale * 3) or not np.isclose(tangent, reverse, rtol=1e-6, atol=1e-9 * scale):
        return Outcome("WRONG", "jvp", "", f"jvp tangent {tangent!r}, reverse mode {reverse!r}, numeric {expected!r}")
    return Outcome("OK")


def _alarm(signum, frame):
    raise FuzzTimeout()


def run(program, workspace: Workspace, timeout: float = 20.0, grad=None, jvp=True) -> Outcome:
    """Load, check and unload one program, within ``timeout`` seconds."""
    main_name, helper_name = workspace.load(program)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                module = importlib.import_module(main_name)
            except Exception as exc:
                return Outcome("SKIP", "import", type(exc).__name__, str(exc)[:200])
            return check(program, module, grad=grad, jvp=jvp)
    except FuzzTimeout:
        return Outcome("CRASH", "timeout", "Timeout", f"no answer within {timeout} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        workspace.unload([main_name, helper_name])


def with_source(program, main=None, helper=None, wrt=None):
    """A copy of ``program`` with other texts or another wrt."""
    other = copy.copy(program)
    if main is not None:
        other.main = main
    if helper is not None:
        other.helper = helper if helper != "" else None
    if wrt is not None:
        other.wrt = tuple(wrt)
    return other
