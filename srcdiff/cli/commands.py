"""The commands: ``srcdiff [options] TARGET`` prints (or with ``-o`` exports, with ``--list`` lists) the generated
code, and ``srcdiff check`` compares the gradient with finite differences at one point.
"""

from __future__ import annotations

import inspect

import numpy as np

import srcdiff

from ..errors import SrcdiffError
from ..export import export_module
from .arguments import _parse_point, _parse_wrt
from .failures import FAILURE, USAGE, CliError, _user_frame
from .listing import _list, _list_file
from .output import _print, _refuse_to_overwrite, _write_atomically
from .targets import _is_file_target, _load


def _dump(args) -> int:
    wrt = _parse_wrt(args.wrt)
    if args.list and ":" not in args.target and _is_file_target(args.target):
        return _list_file(args.target)
    module, function, path = _load(args.target, need_function=not args.list)
    if args.list:
        return _list(module, args.target, wrt)
    if args.output:
        if args.stage:
            raise CliError("--stage and --output cannot be used together", USAGE)
        if args.mode != "reverse" or args.order != 1:
            raise CliError("--output writes the gradient (reverse mode, first order) only", USAGE)
        if args.output != "-":
            _refuse_to_overwrite(args.output, path)
        origin = args.target.rpartition(":")[0]
        text = export_module(function, wrt, origin=origin, format=not args.no_format)
        if args.output == "-":
            _print(text)
        else:
            _write_atomically(args.output, text, path)
        return 0
    stage = {"stage": args.stage} if args.stage else {}
    if args.order == 2 and args.mode == "forward":
        raise CliError(
            "--order 2 is forward mode over the reverse-mode gradient: drop --mode forward", USAGE
        )
    mode = "hvp" if args.order == 2 else args.mode
    _print(srcdiff.source(function, wrt, format=not args.no_format, mode=mode, **stage))
    return 0


def _check(args) -> int:
    from .. import testing

    wrt = _parse_wrt(args.wrt)
    point = _parse_point(args.args)
    _, function, _ = _load(args.target, need_function=True)
    signature = inspect.signature(function)
    try:
        signature.bind(*point)
    except TypeError as error:
        message = f"{function.__name__}{signature} cannot take {len(point)} argument(s): {error}"
        raise CliError(message, USAGE) from None
    try:
        result = testing.check_grad(function, *point, wrt=wrt, eps=args.eps)
    except SrcdiffError:
        raise
    except Exception as error:
        where = _user_frame(error, function.__code__.co_filename)
        message = f"{where}evaluating {function.__name__} failed: {type(error).__name__}: {error}"
        raise CliError(message) from error

    names = list(signature.parameters)
    wanted = wrt if isinstance(wrt, tuple) else (wrt,)
    # one gradient per input in wanted (check_grad may give a single one bare)
    analytic = result.analytic if isinstance(result.analytic, tuple) else (result.analytic,)
    numeric = result.numeric if isinstance(result.numeric, tuple) else (result.numeric,)
    shown = ", ".join(f"{name}={_show(value)}" for name, value in zip(names, point))
    print(f"gradient of {function.__name__} at {shown}")
    for w, a, n in zip(wanted, analytic, numeric):
        print(f"with respect to {names[w] if isinstance(w, int) else w}:")
        print(f"  analytic   {_show(a)}")
        print(f"  numerical  {_show(n)}")
    print(f"worst error: {result.max_abs_error:.3g} absolute, {result.max_rel_error:.3g} relative")
    if result.ok:
        print("OK: the analytic and numerical gradients agree")
        return 0
    print("FAIL: the analytic and numerical gradients disagree")
    return FAILURE


def _show(value) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(array.item())
    return np.array2string(array, precision=10, separator=", ", max_line_width=100)
