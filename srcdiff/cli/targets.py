"""Finding the function a TARGET names: importing FILE.py or MODULE (its folder first on sys.path, its output
sent to stderr) and looking the function up in it, with a usage error that says what is there instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import re
import sys

from .failures import USAGE, CliError, _import_failure


def _is_file_target(location: str) -> bool:
    return (
        location.endswith(".py")
        or "/" in location
        or os.sep in location
        or (
            not all(part.isidentifier() for part in location.split("."))
            and os.path.exists(location)
        )
    )


def _load(target: str, need_function: bool):
    """Import TARGET; return (module, function or None, the module's file or None)."""
    location, colon, qualname = target.rpartition(":") if ":" in target else (target, "", "")
    if colon and not all(part.isidentifier() for part in qualname.split(".")):
        raise CliError(
            f"bad TARGET {target!r}: expected FILE.py:FUNCTION or MODULE:FUNCTION", USAGE
        )
    is_file = location.endswith(".py") or "/" in location or os.sep in location
    if not is_file and not all(part.isidentifier() for part in location.split(".")):
        is_file = os.path.exists(location)
        if not is_file:
            raise CliError(
                f"bad TARGET {target!r}: expected FILE.py:FUNCTION or MODULE:FUNCTION", USAGE
            )
    if need_function and not colon:
        raise CliError(
            f"TARGET {target!r} names no function: write {location}:FUNCTION "
            f"(srcdiff {location} --list shows its functions)",
            USAGE,
        )
    if not need_function and colon:
        raise CliError(f"--list takes a file or module without :FUNCTION, got {target!r}", USAGE)
    module = _import_file(location) if is_file else _import_module(location)
    if not colon:
        return module, None, getattr(module, "__file__", None)
    return module, _find_function(module, qualname, location), getattr(module, "__file__", None)


def _import_file(path: str):
    """Import the file at ``path`` as Python would, its folder first on sys.path, under a unique name."""
    _require_file(path)
    absolute = os.path.abspath(path)
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(absolute))[0])
    name = f"_srcdiff_target_{stem}_{hashlib.sha1(absolute.encode()).hexdigest()[:8]}"
    loader = importlib.machinery.SourceFileLoader(name, absolute)
    spec = importlib.util.spec_from_file_location(name, absolute, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource finds the module's functions through it
    try:
        with _first_on_path(os.path.dirname(absolute)), contextlib.redirect_stdout(sys.stderr):
            loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        if isinstance(error, KeyboardInterrupt):
            raise
        raise CliError(_import_failure(path, error, absolute)) from error
    return module


def _import_module(name: str):
    """Import the module ``name``, looking in the current folder first, as ``python -m`` would."""
    try:
        with _first_on_path(os.getcwd()), contextlib.redirect_stdout(sys.stderr):
            return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise CliError(
                f"no module named {error.name!r} (and no file {name!r})", USAGE
            ) from error
        raise CliError(_import_failure(name, error, None)) from error
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        raise CliError(_import_failure(name, error, None)) from error


@contextlib.contextmanager
def _first_on_path(folder: str):
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def _functions_of(module) -> list:
    """The functions defined at the top of ``module`` (not imported into it), in source order."""
    functions = [
        value
        for value in vars(module).values()
        if inspect.isfunction(value) and value.__module__ == module.__name__
    ]
    return sorted(functions, key=lambda function: function.__code__.co_firstlineno)


def _find_function(module, qualname: str, origin: str):
    value = module
    for part in qualname.split("."):
        value = getattr(value, part, None)
        if value is None:
            listing = ", ".join(f.__name__ for f in _functions_of(module)) or "none"
            message = f"{origin} has no function {qualname!r} (functions defined there: {listing})"
            raise CliError(message, USAGE)
    if not inspect.isfunction(value) and not inspect.ismethod(value):
        message = f"{origin}:{qualname} is {type(value).__name__!r}, not a function"
        raise CliError(message, USAGE)
    return value


def _require_file(path: str) -> None:
    """A usage error unless ``path`` exists and is not a folder."""
    if not os.path.exists(path):
        raise CliError(f"no such file: {path}", USAGE)
    if os.path.isdir(path):
        raise CliError(f"{path} is a folder, not a Python file", USAGE)
