"""The module being written: its imports, constants, functions of the user's (copied from their source, with
whatever they need in turn) and the helpers of ``srcdiff.runtime`` the code calls (copied from srcdiff/runtime/ into a
namespace), each name claimed once, so that two things wanting one name is an error rather than a wrong module.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
import types

import numpy as np

from .. import runtime
from .names import _attributes_of, _bound_names, _loaded_names
from .values import (
    _GENERATED,
    ExportError,
    _describe,
    _import_module,
    _is_runtime_object,
    _library_location,
    _literal,
    _same_literal,
)

_MISSING = object()


class _Module:
    """The top-level bindings of the module being written: imports, constants and function definitions."""

    def __init__(self):
        # name -> the object it stands for, to detect two objects wanting one name
        self.values = {}
        self.imports = {}  # name -> import statement
        self.constants = {}  # name -> assignment
        self.runtime = {}  # (module, statement) numbers in srcdiff/runtime/ -> its source
        self.functions = {}  # name -> source of a user function
        self.aliases = {}  # name -> assignment of a second name to a function defined above
        self.runtime_namespaces = []  # the names under which the code reaches srcdiff.runtime
        self.exposed = set()  # runtime names the namespace holds
        self.runtime_defined = set()  # top-level names the copied runtime statements define
        self.runtime_aliases = {}  # name of yours -> the runtime function it stands for
        self._runtime_source = None

    def claim(self, name: str, value) -> bool:
        """Reserve ``name`` for ``value``; False if it already is, ExportError if it holds something else."""
        if name not in self.values:
            self.values[name] = value
            return True
        if self.values[name] is value or _same_literal(self.values[name], value):
            return False
        raise ExportError(
            f"cannot export: the name {name!r} stands for two different things in the code the gradient "
            f"needs ({_describe(self.values[name])} and {_describe(value)})",
            hint="rename one of them",
        )

    def bind(self, name: str, value) -> None:
        """Define ``name`` as ``value`` in the module, with whatever the definition needs in turn."""
        if _is_runtime_object(value):
            if self.claim(name, value):
                self.expose_runtime(value.__name__)
                self.runtime_aliases[name] = value.__name__
            return
        if not self.claim(name, value):
            return
        if value is runtime:
            self.runtime_namespaces.append(name)
        elif isinstance(value, types.ModuleType):
            self.imports[name] = _import_module(name, value)
        elif _library_location(value) is not None:
            module_name, attribute = _library_location(value)
            alias = "" if attribute == name else f" as {name}"
            self.imports[name] = f"from {module_name} import {attribute}{alias}"
        elif isinstance(value, types.FunctionType):
            self._bind_function(name, value)
        else:
            if isinstance(value, (np.ndarray, np.generic)):
                self.bind("np", np)
            self.constants[name] = f"{name} = {_literal(name, value)}"

    def _bind_function(self, name: str, function) -> None:
        if function.__name__ == "<lambda>":
            raise ExportError(
                f"cannot export the lambda {name!r} that the gradient calls",
                hint="define it with def",
            )
        try:
            source = textwrap.dedent(inspect.getsource(function))
        except (OSError, TypeError) as error:
            raise ExportError(
                f"cannot export {name!r}: its source is unavailable ({error})"
            ) from None
        if name != function.__name__:
            self.bind(function.__name__, function)
            self.aliases[name] = f"{name} = {function.__name__}"
            return
        source = _without_srcdiff_decorators(source, function)
        self.functions[name] = source.strip()
        closure = inspect.getclosurevars(function).nonlocals
        for free in sorted(_loaded_names(ast.parse(source))):
            value = closure[free] if free in closure else function.__globals__.get(free, _MISSING)
            if value is _MISSING:
                continue  # a builtin, or a local variable
            self.bind(free, value)
            if value is runtime:
                for attribute in sorted(_attributes_of(free, source)):
                    self.expose_runtime(attribute)

    def expose_runtime(self, name: str) -> None:
        """Make ``runtime.NAME`` reachable as an attribute of the runtime namespace."""
        self.exposed.add(name)
        self._copy_runtime(name)

    def _copy_runtime(self, name: str) -> None:
        if self._runtime_source is None:
            self._runtime_source = _RuntimeSource()
        source = self._runtime_source
        if name not in source.definitions:
            raise ExportError(f"cannot export: srcdiff.runtime has no {name!r} (a srcdiff bug)")
        index = source.definitions[name]
        statement = source.statements[index]
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            self.bind(name, getattr(source.modules[index[0]], name))
        elif index not in self.runtime:
            self.runtime[index] = source.segment(index)
            self.runtime_defined.update(_bound_names(statement))
            for free in sorted(_loaded_names(statement)):
                if free in source.definitions:
                    self._copy_runtime(free)

    def import_lines(self) -> list[str]:
        plain = sorted(line for line in self.imports.values() if line.startswith("import "))
        return plain + sorted(line for line in self.imports.values() if line.startswith("from "))

    def definitions(self) -> list[str]:
        """The module's definitions, as blocks of source text in an order that runs."""
        sections = []
        if self.runtime_namespaces:
            sections.append(self._runtime_section())
        if self.constants:
            constants = "\n".join(self.constants.values())
            sections.append(f"# Values of your globals that the gradient reads.\n{constants}")
        if self.functions:
            functions = "\n\n\n".join(self.functions.values())
            sections.append(f"# Functions of yours that the gradient calls.\n{functions}")
        namespace = self.runtime_namespaces[0] if self.runtime_namespaces else None
        aliases = list(self.aliases.values())
        aliases += [f"{name} = {namespace}.{attr}" for name, attr in self.runtime_aliases.items()]
        if aliases:
            sections.append("\n".join(aliases))
        return sections

    def _runtime_section(self) -> str:
        """The copied runtime helpers, and the namespace(s) through which the code calls them.

        Where one of your names is also the name of a helper, the helpers are defined inside a function, so that
        neither hides the other.
        """
        definitions = "\n\n\n".join(self.runtime[i] for i in sorted(self.runtime))
        fields = ", ".join(f"{name}={name}" for name in sorted(self.exposed))
        first, *others = self.runtime_namespaces
        banner = f"# Helpers copied from srcdiff/runtime/ (srcdiff {_version()})."
        if self.runtime_defined & set(self.values):
            self.claim("_load_runtime", _GENERATED)
            body = textwrap.indent(f"{definitions}\n\nreturn SimpleNamespace({fields})", "    ")
            text = f"{banner}\ndef _load_runtime():\n{body}\n\n\n{first} = _load_runtime()"
        else:
            text = f"{banner}\n{definitions}\n\n\n{first} = SimpleNamespace({fields})"
        return "\n".join([text] + [f"{other} = {first}" for other in others])


class _RuntimeSource:
    """srcdiff/runtime/, parsed: which top-level statement of which of its modules defines each name.

    A statement is known by (module number, statement number): the package's ``__init__`` first, then its modules
    by name. A name one module imports from another (``from .broadcasting import unbroadcast``) is defined where
    that one defines it.
    """

    def __init__(self):
        names = sorted(info.name for info in pkgutil.iter_modules(runtime.__path__))
        self.modules = [runtime] + [
            importlib.import_module(f"{runtime.__name__}.{n}") for n in names
        ]
        self.statements = {}  # (module number, statement number) -> statement
        self.lines = []  # module number -> the lines of its source
        self.definitions = {}
        for number, module in enumerate(self.modules):
            text = inspect.getsource(module)
            self.lines.append(text.splitlines())
            for index, statement in enumerate(ast.parse(text).body):
                if isinstance(statement, ast.ImportFrom) and statement.level > 0:
                    continue  # from a sibling module, which defines the names
                self.statements[number, index] = statement
                for name in _bound_names(statement):
                    self.definitions[name] = (number, index)

    def segment(self, key: tuple) -> str:
        """The text of statement ``key`` as written, decorators included."""
        statement = self.statements[key]
        first = min(
            [statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])]
        )
        return "\n".join(self.lines[key[0]][first - 1 : statement.end_lineno])


def _without_srcdiff_decorators(source: str, function) -> str:
    """``source`` less its srcdiff decorators: ``@srcdiff.defvjp(f)`` registers a rule, changing nothing."""
    node = ast.parse(source).body[0]
    dropped = set()
    for decorator in getattr(node, "decorator_list", []):
        root = decorator
        while isinstance(root, (ast.Call, ast.Attribute)):
            root = root.func if isinstance(root, ast.Call) else root.value
        value = function.__globals__.get(root.id) if isinstance(root, ast.Name) else None
        module = (
            value.__name__
            if isinstance(value, types.ModuleType)
            else getattr(value, "__module__", "")
        )
        if isinstance(module, str) and module.partition(".")[0] == "srcdiff":
            dropped.update(range(decorator.lineno - 1, decorator.end_lineno))
    return "\n".join(line for i, line in enumerate(source.splitlines()) if i not in dropped)


def _version() -> str:
    import srcdiff

    return srcdiff.__version__
