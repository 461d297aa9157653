"""Read a function's source, parse it, and resolve the names it refers to.

The parsed tree keeps the line numbers of the user's file, so every later error can point at the user's line.
"""

from __future__ import annotations

import __future__

import ast
import builtins
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field

from .errors import SourceUnavailableError, UnsupportedSyntaxError

MISSING = object()


@dataclass
class ParsedFunction:
    """A user function with its syntax tree and the namespaces its names live in."""

    function: object
    node: ast.FunctionDef
    source: str  # the dedented source of the function alone
    filename: str
    closure: dict  # free variable name -> value
    # where resolve() records what each name it looked up denoted: (namespace, name, value) triples that
    # generated code assumes (see cache.py); set by the compilation that uses this function
    recorder: list | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def globals(self) -> dict:
        return self.function.__globals__

    def resolve(self, node: ast.AST):
        """The value a Name or dotted Attribute chain refers to when the function runs, or MISSING.

        A name the function binds itself (a parameter, an assigned variable) is a local: it denotes nothing
        before the function runs, whatever a global or closure variable of the same name holds. Each lookup
        is recorded (``recorder``), so that code generated from its answer is used only while it holds.
        """
        if isinstance(node, ast.Name):
            if node.id in self.locals:
                return MISSING
            code = self.function.__code__
            if node.id in self.closure and node.id in code.co_freevars:
                cell = self.function.__closure__[code.co_freevars.index(node.id)]
                value = self.closure[node.id]
                self._record(cell, None, self._expected(value))
                return value
            value = self.globals.get(node.id, MISSING)
            self._record(self.globals, node.id, self._expected(value))
            if value is MISSING:
                value = vars(builtins).get(node.id, MISSING)
                self._record(vars(builtins), node.id, value)
            return value
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is MISSING:
                return MISSING
            value = getattr(base, node.attr, MISSING)
            if self.recorder is not None:
                self.recorder.extend(attribute_guards(base, node.attr, value))
            return value
        return MISSING

    # where a name's value is folded into generated code (a callee's globals, see compiler._localize_free_names),
    # the guard is on the value itself; elsewhere a name that holds data (an array, a list) is read when the
    # derivative runs, and only its type told the compiler anything
    exact: bool = field(default=False, repr=False, compare=False)

    def _expected(self, value):
        return value if self.exact or not is_data(value) else TypeIs(type(value))

    @property
    def locals(self) -> frozenset:
        """The names the function binds: its parameters and every name it assigns."""
        if self._locals is None or self._locals_of is not self.node:
            self._locals = frozenset(
                {a.arg for a in ast.walk(self.node.args) if isinstance(a, ast.arg)}
                | {
                    n.id
                    for n in ast.walk(self.node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
            )
            self._locals_of = self.node
        return self._locals

    _locals: frozenset | None = None
    _locals_of: object = None

    def _record(self, namespace, name, value) -> None:
        if self.recorder is not None:
            self.recorder.append((namespace, name, value))

    def line(self, lineno: int | None) -> str | None:
        if lineno is None:
            return None
        return linecache.getline(self.filename, lineno) or None

    def error(self, cls, message: str, node: ast.AST | None = None, hint: str | None = None):
        """An exception of class ``cls`` located at ``node`` in the user's file."""
        lineno = getattr(node, "lineno", None) if node is not None else self.node.lineno
        col = getattr(node, "col_offset", None) if node is not None else None
        source_line = self.line(lineno)
        if col is not None:
            col += (
                self._indent_removed
            )  # the column in the file, whose lines were dedented for parsing
        return cls(
            message,
            filename=self.filename,
            lineno=lineno,
            col=col,
            source_line=source_line,
            hint=hint,
        )

    _indent_removed: int = 0


class AttributeOf:
    """A namespace for guards: the attributes of an object that is not a module (a class, a function)."""

    __slots__ = ("target",)

    def __init__(self, target):
        self.target = target

    def get(self, name, default=None):
        return getattr(self.target, name, default)

    def __repr__(self):
        return f"AttributeOf({self.target!r})"


def namespace_of(value):
    """Where the attributes of ``value`` live, for guards: a module's dict, or an AttributeOf."""
    if isinstance(value, types.ModuleType):
        return vars(value)
    return AttributeOf(value)


class TypeIs:
    """A guard's expected value where only the type of the value matters (data read when the code runs)."""

    __slots__ = ("type",)

    def __init__(self, cls):
        self.type = cls

    def __repr__(self):
        return f"TypeIs({self.type.__name__})"


_IMMUTABLE = (bool, int, float, complex, str, bytes, tuple, frozenset, type(None), range, slice)


def is_data(value) -> bool:
    """A value the compiler cannot have folded in by identity: not a module, class, function or other callable,
    nor a number, string or tuple (which generated code may hold as a constant)."""
    return not (
        value is MISSING
        or isinstance(value, (types.ModuleType, type) + _IMMUTABLE)
        or callable(value)
    )


def attribute_guards(base, name: str, value) -> list:
    """Guards that ``base.name`` still denotes ``value``: on the module's dict for a module; on the dicts of the
    classes along the method resolution order for a class or an instance (whose attributes may be computed
    afresh at each access, as ``array.T`` or a bound method are), with the instance's own dict."""
    if isinstance(base, types.ModuleType):
        return [(vars(base), name, value if not is_data(value) else TypeIs(type(value)))]
    guards = []
    if not isinstance(base, type):
        instance_dict = getattr(base, "__dict__", None)
        if isinstance(
            instance_dict, dict
        ):  # and the classes below: a data descriptor there would win
            found = instance_dict.get(name, MISSING)
            guards.append(
                (instance_dict, name, found if not is_data(found) else TypeIs(type(found)))
            )
        owner = type(base)
    else:
        owner = base
    for cls in getattr(owner, "__mro__", (owner,)):
        namespace = vars(cls)
        if name in namespace:
            found = namespace[name]
            guards.append((namespace, name, found if not is_data(found) else TypeIs(type(found))))
            return guards
        guards.append((namespace, name, MISSING))
    if isinstance(base, type):  # a metaclass attribute, or none: the attribute as getattr finds it
        return guards + [(AttributeOf(base), name, value)]
    return guards


def require_code(function):
    """The code object of a Python function; a clear error for builtins and C functions."""
    code = getattr(function, "__code__", None)
    if code is None:
        name = getattr(function, "__name__", repr(function))
        raise SourceUnavailableError(
            f"cannot differentiate {name}: it is not a Python function (a builtin or C function "
            "has no source to transform)",
            hint=f"to use it inside a differentiated function, register an adjoint rule for it with "
            f"srcdiff.defvjp({name})",
        )
    return code


def parse_function(function) -> ParsedFunction:
    """Parse ``function``'s source into a FunctionDef whose line numbers are those of its file.

    The source is that of ``function``'s own code object (a decorator's wrapper is its own code, not the function
    it wraps), and it is checked to compile to that code object: a file edited after it was imported, or a
    lambda that shares its line with others, cannot make srcdiff differentiate code that does not run.
    """
    name = getattr(function, "__name__", repr(function))
    code = require_code(function)
    filename = code.co_filename
    try:
        # the code object, not the function: inspect follows __wrapped__ to the undecorated function's source
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of {name} ({filename}): {exc}",
            filename=filename,
            lineno=code.co_firstlineno,
            hint="srcdiff transforms source code: define the function in a file (not at an interactive "
            "prompt or with exec), or register its adjoint with srcdiff.defvjp",
        ) from None
    raw = "".join(lines)
    source = textwrap.dedent(raw)
    indent_removed = len(raw.splitlines()[0]) - len(source.splitlines()[0]) if raw.strip() else 0
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    # the code's own name: a wrapper made with functools.wraps carries the wrapped function's __name__
    node = _find_definition(tree, function, code.co_name) if tree is not None else None
    if node is not None:
        ast.increment_lineno(node, max(first_line, 1) - 1)
        if _matching(code, [node], filename, _qualname(function)) != [node]:
            raise _stale_source_error(name, filename, first_line)
        owner = _qualname(function).split(".")
        if len(owner) >= 2 and owner[-2] != "<locals>":
            _mangle(node, owner[-2])  # a method: its private names as Python compiled them
    elif code.co_name == "<lambda>":
        node = _lambda_definition(raw, function, max(first_line, 1))
    if node is None:
        raise SourceUnavailableError(
            f"cannot find the definition of {name} in its source",
            filename=filename,
            lineno=first_line,
            hint="define the function with def in a file",
        )
    node.decorator_list = []
    closure = {}
    if function.__closure__:
        for var, cell in zip(code.co_freevars, function.__closure__):
            try:
                closure[var] = cell.cell_contents
            except ValueError:  # an empty cell: a variable not yet assigned in the enclosing scope
                pass
    parsed = ParsedFunction(function, node, ast.unparse(node), filename, closure)
    parsed._indent_removed = indent_removed
    _rename_reserved(parsed)
    return parsed


def _qualname(function) -> str:
    return (
        getattr(function.__code__, "co_qualname", None)
        or getattr(function, "__qualname__", None)
        or function.__code__.co_name
    )


def _mangle(node: ast.AST, class_name: str) -> None:
    """Private names (``self.__k``) as the compiler writes them in a class (``self._Model__k``), for generated
    code, which is not compiled in the class."""
    stem = class_name.lstrip("_")
    if not stem:
        return

    def mangled(identifier: str) -> str:
        if identifier.startswith("__") and not identifier.endswith("__") and "." not in identifier:
            return f"_{stem}{identifier}"
        return identifier

    for child in ast.walk(node):
        if isinstance(child, ast.Attribute):
            child.attr = mangled(child.attr)
        elif isinstance(child, ast.Name):
            child.id = mangled(child.id)
        elif isinstance(child, ast.arg):
            child.arg = mangled(child.arg)


def _stale_source_error(name, filename, lineno):
    return SourceUnavailableError(
        f"the source of {name} in {filename} is not the code that runs: the file was changed after the "
        "function was defined",
        filename=filename,
        lineno=lineno,
        hint="reload the module (importlib.reload) or restart Python, so that the function and its file agree",
    )


# names that stand for something else inside srcdiff's passes: a user's variable of that name is renamed
_RESERVED = ("__result__",)


def _rename_reserved(parsed: ParsedFunction) -> None:
    node = parsed.node
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(node) if isinstance(a, ast.arg)
    }
    for reserved in _RESERVED:
        if reserved not in used:
            continue
        if reserved not in parsed.locals or reserved in {
            a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)
        }:
            raise parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate {parsed.name}, which takes or reads the name {reserved} "
                "(srcdiff uses that name itself)",
                next(
                    n
                    for n in ast.walk(node)
                    if getattr(n, "id", getattr(n, "arg", None)) == reserved
                ),
                hint=f"rename {reserved}",
            )
        index = 0
        while f"{reserved}{index}" in used:
            index += 1
        fresh = f"{reserved}{index}"
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and child.id == reserved:
                child.id = fresh
        parsed.source = ast.unparse(node)
        used.add(fresh)


_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _compile_like(node, code, filename, qualname: str):
    """The code object that ``node`` (a FunctionDef or a Lambda) compiles to, its free variables as closure
    variables and inside its class (name mangling, ``super()``) the way ``code`` has them, or None where it does
    not compile."""
    inner_body = [ast.Return(value=node) if isinstance(node, ast.Lambda) else node]
    qualname = qualname.split(".")
    if (
        len(qualname) >= 2 and qualname[-2] != "<locals>"
    ):  # a method: compiled in a class of that name
        inner_body = [
            ast.ClassDef(
                name=qualname[-2],
                bases=[],
                keywords=[],
                body=inner_body,
                decorator_list=[],
                type_params=[],
            )
        ]
    outer_body = []
    if code.co_freevars:
        outer_body.append(
            ast.Assign(
                targets=[
                    ast.Name(id=v, ctx=ast.Store()) for v in code.co_freevars if v != "__class__"
                ]
                or [ast.Name(id="_", ctx=ast.Store())],
                value=ast.Constant(None),
            )
        )
    outer_body += inner_body
    outer = ast.FunctionDef(
        name="__srcdiff_outer__",
        args=ast.arguments(
            posonlyargs=[],
            args=[],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=outer_body,
        decorator_list=[],
        returns=None,
        type_params=[],
    )
    for statement in [outer] + outer_body[:-1] + [s for s in inner_body if s is not node]:
        statement.lineno, statement.end_lineno = node.lineno, node.end_lineno or node.lineno
        statement.col_offset = statement.end_col_offset = 0
    module = ast.Module(body=[outer], type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        compiled = compile(
            module, filename, "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True
        )
    except (SyntaxError, ValueError, TypeError):
        return None
    found = []

    def search(container, depth):
        for constant in container.co_consts:
            if isinstance(constant, types.CodeType):
                if constant.co_name == code.co_name and depth >= 1:
                    found.append(constant)
                elif depth < 3:
                    search(constant, depth + 1)

    search(compiled, 0)
    return found[0] if len(found) == 1 else None


def _lines(code) -> set:
    return {line for _, _, line in code.co_lines() if line is not None}


def _same_constant(a, b) -> bool:
    if isinstance(a, types.CodeType) and isinstance(b, types.CodeType):
        return _same_code(a, b, strict=False)
    if (
        isinstance(a, str)
        and isinstance(b, str)
        and "<locals>" in a + b
        and (a.endswith("." + b) or b.endswith("." + a))
    ):
        # before Python 3.11 a nested function's qualified name is a constant of the function that makes it;
        # compiled again inside a helper function, it starts with that helper's name
        return True
    return type(a) is type(b) and (a == b or repr(a) == repr(b))


def _same_code(a, b, strict: bool) -> bool:
    if (
        a.co_varnames != b.co_varnames
        or len(a.co_consts) != len(b.co_consts)
        or _lines(a) != _lines(b)
    ):
        return False
    if not all(_same_constant(x, y) for x, y in zip(a.co_consts, b.co_consts)):
        return False
    if strict:
        return (
            a.co_code == b.co_code and a.co_names == b.co_names and a.co_freevars == b.co_freevars
        )
    return set(a.co_names) | set(a.co_freevars) == set(b.co_names) | set(b.co_freevars)


def _matching(code, nodes: list, filename: str, qualname: str | None = None) -> list:
    """The nodes (FunctionDef or Lambda) that compile to ``code``: those that match it exactly if any, else
    those that match it in names, constants and lines."""
    qualname = qualname or getattr(code, "co_qualname", None) or code.co_name
    compiled = [(node, _compile_like(node, code, filename, qualname)) for node in nodes]
    for strict in (True, False):
        found = [
            node
            for node, candidate in compiled
            if candidate is not None and _same_code(candidate, code, strict)
        ]
        if found:
            return found
    return []


def _find_definition(tree, function, name):
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            if isinstance(node, ast.AsyncFunctionDef):
                raise UnsupportedSyntaxError(
                    f"cannot differentiate the async function {name}",
                    filename=function.__code__.co_filename,
                    lineno=function.__code__.co_firstlineno,
                    hint="differentiate a plain (synchronous) function",
                )
            return node
    return None


def _lambda_definition(raw, function, first_line: int):
    """A FunctionDef equivalent to the lambda defined in ``raw`` (the lines holding it, the first of them
    ``first_line`` of the file): of the lambdas written there, the one whose code object ``function`` has.
    """
    code = function.__code__
    text = raw
    # the lines may hold only part of a larger expression: try them whole, and cut at each "lambda"
    starts = [0]
    position = text.find("lambda")
    while position != -1:
        starts.append(position)
        position = text.find("lambda", position + 1)
    arg_names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found = {}
    for start in starts:
        candidate = text[start:]
        line_offset = first_line - 1 + text[:start].count("\n")
        for end in range(len(candidate), 0, -1):
            piece = candidate[:end].rstrip().rstrip(",;")
            try:
                tree = ast.parse(textwrap.dedent(piece) if start == 0 else piece, mode="exec")
            except SyntaxError:
                continue
            ast.increment_lineno(tree, line_offset)
            for lam in ast.walk(tree):
                if (
                    isinstance(lam, ast.Lambda)
                    and [a.arg for a in lam.args.posonlyargs + lam.args.args + lam.args.kwonlyargs]
                    == arg_names
                ):
                    found.setdefault(
                        (lam.lineno, ast.dump(lam)), lam
                    )  # the same text compiles alike
            break
    lambdas = _matching(code, list(found.values()), code.co_filename)
    if not lambdas:
        if found:
            raise _stale_source_error("<lambda>", code.co_filename, first_line)
        return None
    # several lambdas that compile alike are the same function: any of them will do
    lam = lambdas[0]
    body = ast.Return(value=lam.body)
    ast.copy_location(body, lam.body)
    node = ast.FunctionDef(
        name="_lambda", args=lam.args, body=[body], decorator_list=[], returns=None, type_params=[]
    )
    ast.copy_location(node, lam)
    return ast.fix_missing_locations(node)
