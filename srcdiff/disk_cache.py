"""The on-disk cache of generated derivatives (opt-in), so that a new process reuses the generated code.

Turned on by ``grad(f, cache=True)`` (or a folder), or the SRCDIFF_CACHE_DIR environment variable. Loading an
entry compiles and runs the Python text it holds, so the cache trusts nothing it did not write itself:

- The folder must belong to the current user and be writable by nobody else (srcdiff creates it with mode 0700);
  the default one is per user (``$XDG_CACHE_HOME/srcdiff``, else ``~/.cache/srcdiff``), never a shared one.
- Every file is opened without following symbolic links and without blocking (a FIFO cannot hang the process),
  and must be a regular file of the user's, mode 0600, of bounded size.
- Every entry carries an HMAC-SHA256 under a random key of the user's, kept in the folder (mode 0600); it covers
  the entry's name, so an entry written for one function is never taken for another.
- An entry's name is a digest of what the generated code depends on: the function's identity (module, qualified
  name, resolved file, line) and source, wrt, the options, the rule table, and the versions of srcdiff (with a
  digest of its own source), Python and numpy. The entry records what the code was generated for that only
  shows once it is generated: the identity and source of every function of the user's it differentiated, and
  what each name those functions read denoted (``np.tanh`` or ``np.sin``, this function or that one). Loading
  checks all of it against the running process.

Whatever is wrong with an entry (missing, foreign, truncated, malformed, stale), it is a miss: the derivative is
generated again and the entry rewritten atomically. Nothing here raises; a folder that cannot be used or
written means working without the disk cache, after one warning.
"""

from __future__ import annotations

import ast
import builtins
import errno
import hashlib
import hmac
import inspect
import json
import math
import os
import re
import secrets
import stat
import sys
import textwrap
import threading
import time
import types
import warnings

_FORMAT = 2
_INJECTABLE = {"numpy": "numpy", "math": "math", "srcdiff.runtime": "runtime"}
_MAGIC = b"srcdiff-cache"
_KEY_FILE = "key"
_MAX_ENTRY = 4 << 20  # bytes: generated modules are a few kilobytes
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_NEW = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class CacheWarning(UserWarning):
    """The disk cache ignored a file, or a folder it cannot use."""


_LOCK = threading.Lock()  # guards the sets below
_warned: set = set()  # paths already warned about
_unwritable: set = set()  # folders a write failed in: not tried again in this process
_memo: dict = {}  # rule-table version -> fingerprint; None -> srcdiff's digest


def _reset_after_fork() -> None:
    """In a forked child, srcdiff's locks are new ones: a thread of the parent may have held one when the
    process forked, and that thread does not exist in the child to release it. (Every lock of srcdiff's
    modules, and of the objects they keep at module level, like a cache's ``_lock``.)"""
    makers = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == __package__ or name.startswith(__package__ + ".")):
            continue
        for attribute, value in list(vars(module).items()):
            if type(value) in makers:
                setattr(module, attribute, makers[type(value)]())
            elif (
                not isinstance(value, (type, types.ModuleType))
                and type(getattr(value, "_lock", None)) in makers
            ):
                try:
                    value._lock = makers[type(value._lock)]()
                except (AttributeError, TypeError):
                    pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _warn(path: str, message: str) -> None:
    """Warn about ``path`` once per process."""
    with _LOCK:
        if path in _warned:
            return
        _warned.add(path)
    warnings.warn(f"srcdiff disk cache: {path}: {message}", CacheWarning, stacklevel=4)


# ---- where ---------------------------------------------------------------------------------------------------


def default_directory() -> str | None:
    """The user's own cache folder: $XDG_CACHE_HOME/srcdiff, else ~/.cache/srcdiff."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG specification ignores a relative path
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "srcdiff")


def disk_directory(setting) -> str | None:
    """The cache folder for a ``cache=`` setting: a path, True for the default, None to ask the environment."""
    if setting is None:
        return os.environ.get("SRCDIFF_CACHE_DIR") or None
    if setting is False:
        return None
    if setting is True:
        return os.environ.get("SRCDIFF_CACHE_DIR") or default_directory()
    return os.fspath(setting)


def _open_directory(directory: str, create: bool) -> int | None:
    """A descriptor of ``directory`` if it is the user's and nobody else may write in it, else None (with a
    warning). Every later operation goes through the descriptor, so the folder checked is the folder used.
    """
    directory = os.path.abspath(directory)
    if create and not os.path.lexists(directory):
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError as error:
            _warn(
                directory,
                f"cannot create the cache folder ({error.strerror}); working without the disk cache",
            )
            return None
    try:
        descriptor = os.open(directory, _DIRECTORY)
    except FileNotFoundError:
        return None
    except OSError as error:
        _warn(
            directory,
            f"cannot open the cache folder ({error.strerror}); working without the disk cache",
        )
        return None
    try:
        info = os.fstat(descriptor)
        problem = None
        if not stat.S_ISDIR(info.st_mode):
            problem = "is not a folder"
        elif info.st_uid != os.geteuid():
            problem = f"belongs to uid {info.st_uid}, not to you (uid {os.geteuid()})"
        elif info.st_mode & 0o022:
            problem = (
                f"is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}; chmod 700 it)"
            )
        if problem is not None:
            _warn(
                directory,
                f"not used as a cache folder: it {problem}; working without the disk cache",
            )
            os.close(descriptor)
            return None
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _read_private(folder: int, name: str, path: str, limit: int) -> bytes | None:
    """The bytes of the file ``name`` in ``folder`` if it is a regular file of the user's, mode 0600, at most
    ``limit`` bytes; None if it is missing. Anything else is ignored, with a warning naming ``path``.
    """
    try:
        descriptor = os.open(name, _FLAGS, dir_fd=folder)
    except FileNotFoundError:
        return None
    except OSError as error:  # ELOOP: a symbolic link
        _warn(path, f"ignored: cannot be opened safely ({error.strerror})")
        return None
    try:
        info = os.fstat(descriptor)
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = "is not a regular file"
        elif info.st_uid != os.geteuid():
            problem = f"belongs to uid {info.st_uid}, not to you"
        elif stat.S_IMODE(info.st_mode) != 0o600:
            problem = f"has mode {stat.S_IMODE(info.st_mode):04o}, not 0600"
        elif info.st_size > limit:
            problem = f"is too large ({info.st_size} bytes)"
        if problem is not None:
            _warn(path, f"ignored: it {problem}")
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            _warn(path, "ignored: it is too large")
            return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _write_private(folder: int, name: str, data: bytes, exclusive: bool = False) -> None:
    """Write ``data`` to ``name`` in ``folder`` atomically (a temporary file, then a rename, or with
    ``exclusive`` a link, which fails if ``name`` exists), mode 0600. The temporary file never outlives a
    failure."""
    temporary = f".tmp-{secrets.token_hex(8)}"
    descriptor = os.open(temporary, _NEW, 0o600, dir_fd=folder)
    placed = False
    try:
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
        finally:
            os.close(descriptor)
        if exclusive:
            os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        else:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            placed = True
    finally:
        if not placed:
            try:
                os.unlink(temporary, dir_fd=folder)
            except OSError:
                pass


def _secret(folder: int, directory: str, create: bool) -> bytes | None:
    """The user's random key for the entries in ``folder``, made on first use (None if there is none)."""
    path = os.path.join(directory, _KEY_FILE)
    for _ in range(2):
        data = _read_private(folder, _KEY_FILE, path, 64)
        if data is not None:
            if len(data) != 64:
                _warn(path, "the cache key is damaged; delete the file to start a new cache")
                return None
            return data
        if not create:
            return None
        try:
            _write_private(folder, _KEY_FILE, secrets.token_hex(32).encode(), exclusive=True)
        except FileExistsError:
            pass  # another process made it first: read theirs
        except OSError as error:
            _note_unwritable(directory, error)
            return None
    return None


_STALE = 600  # seconds after which a temporary file is one a killed process left behind


def _sweep(folder: int) -> None:
    """Remove the temporary files that processes killed while writing left in ``folder``."""
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".tmp-"):
                    info = entry.stat(follow_symlinks=False)
                    if now - info.st_mtime > _STALE and info.st_uid == os.geteuid():
                        os.unlink(entry.name, dir_fd=folder)
    except OSError:
        pass


# errors that say the folder cannot take files (full, read-only, over quota or a size limit)
_FOLDER_ERRORS = {
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM", "EIO")
    if hasattr(errno, name)
}


def _note_unwritable(directory: str, error: OSError) -> None:
    with _LOCK:
        _unwritable.add(directory)
    _warn(
        directory,
        f"cannot write in the cache folder ({error.strerror or error}); generated code is not "
        "kept on disk",
    )


# ---- what an entry depends on --------------------------------------------------------------------------------


def _srcdiff_digest() -> str:
    """srcdiff's version and a digest of its own source files: a changed srcdiff generates code anew."""
    if None not in _memo:
        from . import __version__

        digest = hashlib.sha256(__version__.encode())
        root = os.path.dirname(os.path.abspath(__file__))
        for folder, subfolders, files in sorted(os.walk(root)):
            subfolders.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    digest.update(os.path.relpath(os.path.join(folder, name), root).encode())
                    try:
                        with open(os.path.join(folder, name), "rb") as handle:
                            digest.update(handle.read())
                    except OSError:
                        pass
        _memo[None] = digest.hexdigest()
    return _memo[None]


def _callable_name(value) -> str:
    return f"{getattr(value, '__module__', None)}.{getattr(value, '__qualname__', getattr(value, '__name__', '?'))}"


def _rules_fingerprint() -> str:
    """A digest of the rule table: for each rule its primal, and the identity (and, for rules of the user's,
    the source) of its reverse and forward rules."""
    from .rules import registry

    version = registry.version()
    if version in _memo:
        return _memo[version]
    own = __package__ + "."
    parts = []
    for rule in list(registry._RULES.values()):
        functions = [rule.vjp]
        if rule.forward is not None and rule.forward[0] == "rule":
            functions.append(rule.forward[1])
        texts = []
        for function in functions:
            if function is None:
                texts.append("-")
                continue
            text = _callable_name(function)
            if not (getattr(function, "__module__", None) or "").startswith(
                own
            ):  # srcdiff's: its digest
                try:
                    text += ":" + inspect.getsource(function)
                except (OSError, TypeError):
                    text += ":" + repr(function)
            texts.append(text)
        forward = rule.forward[0] if rule.forward is not None else "-"
        part = f"{_library_name(rule.primal) or rule.name}|{forward}|{'|'.join(texts)}"
        # without the addresses in reprs like <numpy...CClass object at 0x7f...>: they differ between processes
        parts.append(re.sub(r" at 0x[0-9a-fA-F]+", "", part))
    fingerprint = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()
    _memo[version] = fingerprint
    return fingerprint


def _library_name(value) -> str | None:
    """``numpy.tanh``, ``numpy.linalg.norm``, ``math.exp``, ``builtins.abs`` for those objects, else None."""
    import numpy

    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    for prefix, module in (
        ("numpy", numpy),
        ("numpy.linalg", numpy.linalg),
        ("math", math),
        ("builtins", builtins),
    ):
        try:
            if getattr(module, name, None) is value:
                return f"{prefix}.{name}"
        except Exception:
            return None
    return None


def _identity(function) -> list | None:
    """What names a function of the user's and what it does: module, qualified name, resolved file, first
    line, and digests of its source and of its code; None where there is no source."""
    if not isinstance(function, types.FunctionType):
        return None
    try:
        source = inspect.getsource(function)
        filename = inspect.getsourcefile(function) or function.__code__.co_filename
    except (OSError, TypeError):
        return None
    # the source as the file reads now, and the code that runs (they differ when the file was edited since)
    return [
        "function",
        function.__module__,
        function.__qualname__,
        os.path.realpath(filename),
        function.__code__.co_firstlineno,
        hashlib.sha256(source.encode()).hexdigest(),
        _code_digest(function.__code__),
    ]


def _fingerprint(value) -> list | None:
    """What the generated code assumed about the value of a name it read; None for a value that cannot be
    recognised in another process (a callable object, a function without source)."""
    if inspect.ismodule(value):
        return ["module", value.__name__]
    library = _library_name(value)
    if library is not None:
        return ["library", library]
    if isinstance(value, types.FunctionType):
        return _identity(value)
    if isinstance(value, type):
        return ["class", value.__module__, value.__qualname__]
    if isinstance(value, types.BuiltinFunctionType):
        return ["builtin", _callable_name(value)]
    if callable(value):
        return None
    return ["value", type(value).__module__, type(value).__qualname__]


_MISSING = object()


def _chains(function) -> list | None:
    """The names (and dotted chains like ``np.linalg.norm``) the source of ``function`` reads from outside
    itself, in order, or None without source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            local.add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
        elif (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node is not tree.body[0]
        ):
            local.add(node.name)
    chains = []
    for node in ast.walk(tree):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            chain = ".".join([node.id] + parts[::-1])
            if chain not in chains:
                chains.append(chain)
    return chains


def _resolve(function, chain: str):
    """What ``chain`` denotes when ``function`` runs: its closure, then its module, then the builtins."""
    first, *rest = chain.split(".")
    value = _MISSING
    code = function.__code__
    if first in code.co_freevars and function.__closure__:
        try:
            value = function.__closure__[code.co_freevars.index(first)].cell_contents
        except ValueError:
            return _MISSING
    elif first in function.__globals__:
        value = function.__globals__[first]
    elif hasattr(builtins, first):
        value = getattr(builtins, first)
    for attribute in rest:
        if value is _MISSING:
            break
        try:
            value = (
                inspect.getattr_static(value, attribute)
                if not inspect.ismodule(value)
                else getattr(value, attribute, _MISSING)
            )
        except AttributeError:
            value = _MISSING
    return value


def _environment(function, extra=()) -> dict | None:
    """chain -> fingerprint of what it denotes now, for every name the source of ``function`` reads (and the
    names in ``extra``); None if one of them cannot be recognised in another process."""
    chains = _chains(function)
    if chains is None:
        return None
    chains += [name for name in extra if name not in chains]
    environment = {}
    for chain in chains:
        value = _resolve(function, chain)
        if value is _MISSING:
            environment[chain] = None
            continue
        fingerprint = _fingerprint(value)
        if fingerprint is None:
            return None
        environment[chain] = fingerprint
    return environment


def _disk_key(function, wrt: tuple, options: tuple) -> str | None:
    """The name of the entry for (function, wrt, options) in this srcdiff, Python, numpy and rule table."""
    import numpy

    identity = _identity(function)
    if identity is None:
        return None
    material = repr(
        (
            _FORMAT,
            _srcdiff_digest(),
            sys.implementation.cache_tag,
            sys.version_info[:3],
            numpy.__version__,
            identity,
            wrt,
            options,
            _rules_fingerprint(),
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()


class _Attributes:
    """A guard namespace: the attributes of an object (where parsing has no AttributeOf of its own)."""

    __slots__ = ("target",)

    def __init__(self, target):
        self.target = target

    def get(self, name, default=None):
        return getattr(self.target, name, default)


def _attributes(target):
    from . import parsing

    return getattr(parsing, "AttributeOf", _Attributes)(target)


def _code_digest(code) -> str:
    """A digest of a code object that is the same in every process running the same Python."""
    digest = hashlib.sha256()
    for attribute in (
        "co_argcount",
        "co_posonlyargcount",
        "co_kwonlyargcount",
        "co_flags",
        "co_code",
        "co_names",
        "co_varnames",
        "co_freevars",
        "co_cellvars",
        "co_filename",
        "co_name",
        "co_firstlineno",
    ):
        digest.update(repr(getattr(code, attribute, None)).encode() + b"\0")
    for constant in code.co_consts:
        digest.update(_constant_text(constant).encode() + b"\0")
    return digest.hexdigest()


def _constant_text(constant) -> str:
    """A constant of a code object as text that does not depend on the process (a frozenset's order does)."""
    if isinstance(constant, types.CodeType):
        return "code:" + _code_digest(constant)
    if isinstance(constant, tuple):
        return "(" + ",".join(_constant_text(item) for item in constant) + ")"
    if isinstance(constant, frozenset):
        return "frozenset(" + ",".join(sorted(_constant_text(item) for item in constant)) + ")"
    return f"{type(constant).__name__}:{constant!r}"


_CONSTANTS = (bool, int, float, complex, str, bytes, type(None), type(Ellipsis))


def _value_fingerprint(value) -> list | None:
    """What a guard assumed of a value: its identity, or for constants (a default folded in) the value
    itself. None where the value cannot be recognised in another process."""
    from .parsing import MISSING

    if value is MISSING:
        return ["missing"]
    if isinstance(value, _CONSTANTS):
        return ["constant", type(value).__name__, repr(value)]
    if isinstance(value, (tuple, frozenset)):
        items = [_value_fingerprint(item) for item in value]
        if None in items:
            return None
        return [
            type(value).__name__,
            sorted(items, key=repr) if isinstance(value, frozenset) else items,
        ]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return None
        items = [[key, _value_fingerprint(item)] for key, item in sorted(value.items())]
        return None if any(item is None for _, item in items) else ["dict", items]
    if isinstance(value, types.CodeType):
        return ["code", _code_digest(value)]
    if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":
        return ["array", value.dtype.str, list(value.shape)]
    return _fingerprint(value)


def _module_named(namespace) -> str | None:
    """The name of the module whose globals ``namespace`` is, if it is one."""
    name = namespace.get("__name__") if isinstance(namespace, dict) else None
    module = sys.modules.get(name) if isinstance(name, str) else None
    return name if module is not None and vars(module) is namespace else None


def _object_path(target) -> list | None:
    """``[module, qualname]`` by which ``target`` is reached from its module, if it is."""
    module_name, qualname = getattr(target, "__module__", None), getattr(
        target, "__qualname__", None
    )
    if not isinstance(module_name, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    value = sys.modules.get(module_name)
    for part in qualname.split("."):
        value = getattr(value, part, None)
    return [module_name, qualname] if value is target and value is not None else None


def _locate(function, namespace, name) -> list | None:
    """A guard's namespace and name as something another process can find again (relative to
    ``function``); [] for a guard to leave out; None where there is no such thing."""
    from . import cache

    code = function.__code__
    if namespace is None:
        return [] if name is None else None
    if isinstance(namespace, list):  # the rule table's version: the entry's name covers the table
        return []
    if isinstance(
        namespace, str
    ):  # relative to the function itself (cache.ROOT_CELL, ROOT_ATTRIBUTE)
        if (
            namespace == getattr(cache, "ROOT_CELL", None)
            and isinstance(name, int)
            and 0 <= name < len(code.co_freevars)
        ):
            return ["cell", code.co_freevars[name]]
        if namespace == getattr(cache, "ROOT_ATTRIBUTE", None) and isinstance(name, str):
            return ["self", name]
        return None
    if isinstance(namespace, types.CellType):
        cells = list(function.__closure__ or ())
        for index, cell in enumerate(cells):
            if cell is namespace:
                return ["cell", code.co_freevars[index]]
        return None
    if not isinstance(name, str):
        return None
    if isinstance(namespace, dict):
        if namespace is function.__globals__:
            return ["global", name]
        if namespace is vars(builtins):
            return ["builtin", name]
        module = _module_named(namespace)
        return ["module", module, name] if module is not None else None
    target = getattr(namespace, "target", _MISSING)
    if target is function:
        return ["self", name]
    path = _object_path(target) if target is not _MISSING else None
    return ["object", *path, name] if path is not None else None


def _find(function, location: list):
    """The guard ``(namespace, name)`` a location (see ``_locate``) stands for in this process, or None."""
    kind, *rest = location
    if kind == "global":
        return function.__globals__, rest[0]
    if kind == "builtin":
        return vars(builtins), rest[0]
    if kind == "module":
        module = sys.modules.get(rest[0])
        return (vars(module), rest[1]) if module is not None else None
    if kind == "cell":
        code = function.__code__
        if rest[0] not in code.co_freevars or not function.__closure__:
            return None
        return function.__closure__[code.co_freevars.index(rest[0])], None
    if kind == "self":
        return _attributes(function), rest[0]
    if kind == "object":
        value = sys.modules.get(rest[0])
        for part in rest[1].split("."):
            value = getattr(value, part, None)
        return (_attributes(value), rest[2]) if value is not None else None
    return None


def _current(namespace, name):
    from .parsing import MISSING

    if isinstance(namespace, types.CellType):
        try:
            return namespace.cell_contents
        except ValueError:
            return MISSING
    return namespace.get(name, MISSING)


def _dependencies(function, derivative) -> dict | None:
    """What the generated code was made for, beyond the entry's name: what each name the function reads
    denotes, and every assumption the compiler recorded (the functions of the user's it differentiated,
    with what their names denote, the lookups it made, the defaults it folded in). None where something
    cannot be recognised in another process."""
    # the names the source reads, and those the generated code itself reads at run time
    environment = _environment(function, sorted(derivative.free_globals))
    if environment is None:
        return None
    guards, seen = [], set()
    for namespace, name, value in list(derivative.guards) + list(
        getattr(derivative, "assumptions", None) or ()
    ):
        location = _locate(function, namespace, name)
        if location is None:
            return None
        if not location or repr(location) in seen:
            continue
        seen.add(repr(location))
        fingerprint = _value_fingerprint(value)
        if fingerprint is None:
            return None
        callee_environment = None
        if (
            fingerprint[0] == "function" and value is not function
        ):  # one of the user's: what it reads too
            callee_environment = _environment(value)
            if callee_environment is None:
                return None
        guards.append({"where": location, "what": fingerprint, "reads": callee_environment})
    return {"environment": environment, "guards": guards}


def _dependencies_hold(function, recorded: dict) -> list | None:
    """The guards for the in-memory cache if everything recorded still holds in this process, else None."""
    if _environment(function, list(recorded["environment"])) != recorded["environment"]:
        return None
    guards = []
    for guard in recorded["guards"]:
        found = _find(function, guard["where"])
        if found is None:
            return None
        namespace, name = found
        current = _current(namespace, name)
        if _value_fingerprint(current) != guard["what"]:
            return None
        if (
            guard["reads"] is not None
            and _environment(current, list(guard["reads"])) != guard["reads"]
        ):
            return None
        guards.append((namespace, name, current))
    return guards


# ---- entries -------------------------------------------------------------------------------------------------


def _mac(secret: bytes, digest: str, body: bytes) -> str:
    return hmac.new(
        secret, _MAGIC + b"\0%d\0" % _FORMAT + digest.encode() + b"\0" + body, hashlib.sha256
    ).hexdigest()


def _seal(secret: bytes, digest: str, body: bytes) -> bytes:
    return _MAGIC + b" %d %s\n" % (_FORMAT, _mac(secret, digest, body).encode()) + body


def _unseal(secret: bytes, digest: str, data: bytes) -> bytes | None:
    """The body of an entry if it is sealed with ``secret`` for ``digest`` in this format, else None."""
    header, newline, body = data.partition(b"\n")
    parts = header.split(b" ")
    if not newline or len(parts) != 3 or parts[0] != _MAGIC or parts[1] != b"%d" % _FORMAT:
        return None
    if not hmac.compare_digest(parts[2], _mac(secret, digest, body).encode()):
        return None
    return body


def _injected_kind(value) -> str | None:
    """How an entry names an object the generated code reaches as a closure variable: ``numpy``, ``math`` or
    ``runtime`` for those modules, ``=numpy.linalg.solve`` for a function of numpy, math, the builtins or
    srcdiff itself; None for anything else (the entry is not written)."""
    if inspect.ismodule(value):
        return _INJECTABLE.get(value.__name__)
    library = _library_name(value)
    if (
        library is None
    ):  # a function of srcdiff's own (a rule's helper): its digest is in the entry's name
        module, name = getattr(value, "__module__", None), getattr(value, "__name__", None)
        if (
            isinstance(module, str)
            and module.startswith(__package__ + ".")
            and isinstance(name, str)
            and getattr(sys.modules.get(module), name, None) is value
        ):
            library = f"{module}.{name}"
    return "=" + library if library is not None else None


def _injected_value(kind):
    """The object an injected kind stands for in this process, or None for a kind srcdiff does not know."""
    import numpy

    from . import runtime

    if not isinstance(kind, str):
        return None
    modules = {"numpy": numpy, "math": math, "runtime": runtime}
    if kind in modules:
        return modules[kind]
    roots = {"numpy": numpy, "numpy.linalg": numpy.linalg, "math": math, "builtins": builtins}
    root, _, name = kind[1:].rpartition(".")
    if root.startswith(__package__ + ".") and sys.modules.get(root) is not None:
        roots[root] = sys.modules[root]
    if not kind.startswith("=") or root not in roots or not name.isidentifier():
        return None
    value = getattr(roots[root], name, None)
    return value if value is not None and not inspect.ismodule(value) else None


def _is_name(value) -> bool:
    return isinstance(value, str) and value.isidentifier()


def _well_formed(record) -> bool:
    """Whether ``record`` has every field of an entry, of the right type."""
    if not isinstance(record, dict):
        return False
    try:
        return (
            record["format"] == _FORMAT
            and isinstance(record["key"], str)
            and isinstance(record["source"], str)
            and _is_name(record["entry"])
            and (record["floats_entry"] is None or _is_name(record["floats_entry"]))
            and isinstance(record["filename"], str)
            and record["filename"].startswith("<srcdiff")
            and isinstance(record["injected"], dict)
            and all(
                _is_name(k) and _injected_value(v) is not None
                for k, v in record["injected"].items()
            )
            and isinstance(record["free_vars"], list)
            and all(_is_name(v) for v in record["free_vars"])
            and isinstance(record["dependencies"], dict)
            and isinstance(record["dependencies"].get("environment"), dict)
            and isinstance(record["dependencies"].get("guards"), list)
            and all(
                isinstance(g, dict)
                and isinstance(g.get("where"), list)
                and g["where"]
                and all(isinstance(part, str) for part in g["where"])
                and (g.get("reads") is None or isinstance(g["reads"], dict))
                for g in record["dependencies"]["guards"]
            )
        )
    except (KeyError, TypeError):
        return False


def load(directory: str, function, wrt: tuple, options: tuple):
    """The derivative stored for ``function``, or None: missing, foreign, damaged, or made for other code."""
    try:
        return _load(directory, function, wrt, options)
    except Exception:  # a cache never breaks the computation it speeds up
        return None


def _load(directory, function, wrt, options):
    from . import loader
    from .compiler import Derivative

    digest = _disk_key(function, wrt, options)
    if digest is None:
        return None
    directory = os.path.abspath(directory)
    folder = _open_directory(directory, create=False)
    if folder is None:
        return None
    try:
        secret = _secret(folder, directory, create=False)
        if secret is None:
            return None
        path = os.path.join(directory, digest + ".json")
        data = _read_private(folder, digest + ".json", path, _MAX_ENTRY)
    finally:
        os.close(folder)
    if data is None:
        return None
    body = _unseal(secret, digest, data)
    if body is None:
        _warn(
            path, "ignored: srcdiff did not write it for this function (damaged, or from elsewhere)"
        )
        return None
    try:
        record = json.loads(body.decode("utf-8"))
    except ValueError:
        return None
    if (
        not _well_formed(record)
        or record["key"] != digest
        or record["free_vars"] != list(function.__code__.co_freevars)
    ):
        return None
    guards = _dependencies_hold(function, record["dependencies"])
    if guards is None:
        return None
    derivative = Derivative(
        source=record["source"],
        entry=record["entry"],
        free_globals={},
        runtime_names=set(),
        injected={name: _injected_value(kind) for name, kind in record["injected"].items()},
        free_vars=tuple(record["free_vars"]),
        stages={"optimized": record["source"]},
        filename=record["filename"],
        guards=guards,
        floats_entry=record["floats_entry"],
    )
    if not any(guard[1] == "__code__" and guard[2] is function.__code__ for guard in guards):
        guards.append((_attributes(function), "__code__", function.__code__))
    from . import cache

    if hasattr(derivative, "assumptions") and hasattr(cache, "relative"):
        # relative to the function (its closure cells, its attributes): then an entry kept in memory for this
        # code is checked against each function object made from it, not against this one's cells
        derivative.assumptions = cache.relative(guards, function)
    # the text must compile and define the functions it names (else the caller would fail on it)
    names = (derivative.entry, derivative.floats_entry or derivative.entry)
    compiled = loader.compile_entry(
        derivative.source, derivative.filename, names, derivative.injected, derivative.free_vars
    )
    if not all(isinstance(f, types.FunctionType) for f in compiled):
        return None
    return derivative


def store(directory: str, function, wrt: tuple, options: tuple, derivative) -> bool:
    """Write ``derivative`` for ``function`` atomically; False where it cannot be recognised in a new process
    (a rule of the user's the code calls, a helper from a closure), or the folder cannot be written.
    """
    try:
        return _store(directory, function, wrt, options, derivative)
    except Exception:
        return False


def _store(directory, function, wrt, options, derivative) -> bool:
    directory = os.path.abspath(directory)
    with _LOCK:
        if directory in _unwritable:
            return False
    digest = _disk_key(function, wrt, options)
    if digest is None:
        return False
    injected = {}
    for name, value in derivative.injected.items():
        kind = _injected_kind(value)
        if kind is None:
            return False
        injected[name] = kind
    dependencies = _dependencies(function, derivative)
    if dependencies is None:
        return False
    record = {
        "format": _FORMAT,
        "key": digest,
        "source": derivative.source,
        "entry": derivative.entry,
        "floats_entry": derivative.floats_entry,
        "filename": derivative.filename,
        "injected": injected,
        "free_vars": list(derivative.free_vars),
        "dependencies": dependencies,
    }
    body = json.dumps(record).encode("utf-8")
    folder = _open_directory(directory, create=True)
    if folder is None:
        return False
    try:
        secret = _secret(folder, directory, create=True)
        if secret is None:
            return False
        _sweep(folder)
        try:
            _write_private(folder, digest + ".json", _seal(secret, digest, body))
        except OSError as error:
            if error.errno in _FOLDER_ERRORS:
                _note_unwritable(directory, error)
            return False  # else something in the entry's place (a folder): left alone
    finally:
        os.close(folder)
    return True
