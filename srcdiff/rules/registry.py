"""The table of adjoint rules, and the decorators that fill it.

A rule is an ordinary function ``rule(g, ans, *args, **kwargs)`` returning one cotangent per positional argument of
the primal (``None`` where there is none). When its body is a single ``return`` of an expression (or a tuple of
them) the compiler pastes that expression into the generated code; otherwise the generated code calls the rule.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from dataclasses import dataclass, field

from ..errors import SrcdiffError


@dataclass
class Rule:
    """An adjoint rule for one primal function or operator."""

    primal: object
    vjp: object | None  # None for a function declared nondifferentiable
    name: str
    params: tuple = ()  # the rule's parameter names after (g, ans)
    defaults: dict = field(default_factory=dict)  # parameter name -> default value
    template_globals: dict = field(default_factory=dict)
    any_keyword: bool = False  # the rule takes **kwargs: keywords it does not name are fine
    template_names: tuple = ("g", "ans")  # the rule's names for the cotangent and the result
    inlinable: bool = False  # a rule of one return statement, without *args
    # forward mode: ("elementwise",) tangents follow from this rule's expressions; ("linear", positions) the
    # primal applied to each one's tangent in turn; ("additive", positions) the primal applied to their
    # tangents together; ("rule", jvp) a forward rule jvp(tangents, ans, *args, **kwargs)
    forward: tuple | None = None

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None or self.forward is not None

    @property
    def template(self) -> list | None:
        """One AST expression (or None) per primal argument, when the rule can be pasted; read on first use
        (parsing every rule's source at import would slow ``import srcdiff`` down)."""
        if "_template" not in self.__dict__:
            self.__dict__["_template"] = (
                _inline_template(self.vjp, list(self.template_names) + list(self.params))
                if self.inlinable
                else None
            )
        return self.__dict__["_template"]


_RULES: dict = {}  # primal object (function, ufunc, AST operator class) -> Rule
_VERSION = [0]  # bumped whenever a rule changes, so cached derivatives are not reused


def _key(primal):
    try:
        hash(primal)
        return primal
    except TypeError:
        return id(primal)


def lookup(primal) -> Rule | None:
    """The rule registered for ``primal``, or None."""
    try:
        return _RULES.get(_key(primal))
    except TypeError:
        return None


def version() -> int:
    """A number that changes whenever the table changes."""
    return _VERSION[0]


def _primal_name(primal) -> str:
    if isinstance(primal, type) and issubclass(primal, ast.AST):
        return primal.__name__
    return (
        getattr(primal, "__qualname__", None) or getattr(primal, "__name__", None) or repr(primal)
    )


def defvjp(primal, rule=None):
    """Register ``rule(g, ans, *args, **kwargs)`` as the adjoint of ``primal``.

    Use as ``@defvjp(primal)`` above the rule, or call ``defvjp(primal)(rule)``. The rule returns a tuple with one
    cotangent per positional argument of the primal, ``None`` for an argument without one.
    """
    if rule is None:

        def register(rule_fn):
            defvjp(primal, rule_fn)
            return rule_fn

        return register
    if not callable(rule):
        raise SrcdiffError(f"defvjp needs a callable rule, got {rule!r}")
    signature = inspect.signature(rule)
    names = [p.name for p in signature.parameters.values()]
    if len(names) < 2:
        raise SrcdiffError(
            f"the rule for {_primal_name(primal)} must take (g, ans, *args): the output's cotangent, "
            "the primal's result, then the primal's arguments"
        )
    defaults = {
        p.name: p.default
        for p in signature.parameters.values()
        if p.default is not inspect.Parameter.empty
    }
    params = tuple(
        p.name
        for p in list(signature.parameters.values())[2:]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    )
    has_varargs = any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values())
    any_keyword = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    entry = Rule(
        primal,
        rule,
        _primal_name(primal),
        params,
        defaults,
        _names_seen_by(rule),
        any_keyword,
        tuple(names[:2]),
        not has_varargs,
    )
    _RULES[_key(primal)] = entry
    _VERSION[0] += 1
    return rule


def _names_seen_by(rule) -> dict:
    """The globals of a rule and the variables it closes over (a name imported in the function that defines a
    lambda rule): the names its pasted expressions may use."""
    names = dict(getattr(rule, "__globals__", {}))
    code, closure = getattr(rule, "__code__", None), getattr(rule, "__closure__", None)
    if code is not None and closure:
        for name, cell in zip(code.co_freevars, closure):
            try:
                names[name] = cell.cell_contents
            except ValueError:  # a cell not yet filled
                pass
    return names


def defjvp(primal, rule=None):
    """Register the forward-mode rule ``rule(tangents, ans, *args, **kwargs)`` of ``primal``.

    ``tangents`` has one tangent per positional argument (None for an argument held constant); the rule returns
    the tangent of the output. Use as ``@defjvp(primal)`` or ``defjvp(primal)(rule)``.
    """
    if rule is None:

        def register(rule_fn):
            defjvp(primal, rule_fn)
            return rule_fn

        return register
    entry = _RULES.get(_key(primal))
    if entry is None:  # a forward rule only: reverse mode will say it has no rule
        entry = _RULES[_key(primal)] = Rule(primal, None, _primal_name(primal))
    entry.forward = ("rule", rule)
    _VERSION[0] += 1
    return rule


def forward_kind(primal, kind: str, *positions) -> None:
    """Declare how forward mode treats a built-in rule: "elementwise", "linear" in each of ``positions``
    (a product), or "additive" in them together (a sum)."""
    entry = _RULES.get(_key(primal))
    if (
        entry is None
    ):  # forward mode only (the runtime's helpers, met when differentiating generated code)
        entry = _RULES[_key(primal)] = Rule(primal, None, _primal_name(primal))
    entry.forward = (kind, positions)


def nondifferentiable(*primals):
    """Declare functions whose output carries no gradient (comparisons, shapes, integer results...)."""
    for primal in primals:
        _RULES[_key(primal)] = Rule(primal, None, _primal_name(primal))
    _VERSION[0] += 1
    return primals[0] if len(primals) == 1 else primals


def _inline_template(rule, names):
    """The rule's returned expressions, when its body is one ``return`` statement (or it is a lambda)."""
    try:
        source = textwrap.dedent(inspect.getsource(rule))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # A lambda in the middle of an expression that spans lines: try the lambda's own line.
        try:
            tree = ast.parse(source.strip().rstrip(",").rstrip(")"))
        except SyntaxError:
            return None
    body = None
    if isinstance(rule, types.LambdaType) and rule.__name__ == "<lambda>":
        lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
        lambdas = [n for n in lambdas if [a.arg for a in n.args.args] == names]
        if len(lambdas) != 1:
            return None
        body = lambdas[0].body
    else:
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        if len(functions) != 1:
            return None
        statements = functions[0].body
        if (
            statements
            and isinstance(statements[0], ast.Expr)
            and isinstance(statements[0].value, ast.Constant)
        ):
            statements = statements[1:]  # the docstring
        if len(statements) != 1 or not isinstance(statements[0], ast.Return):
            return None
        body = statements[0].value
    if body is None:
        return None
    if not isinstance(body, ast.Tuple) and len(names) > 3:
        return None  # one expression for several cotangents: the rule is called, not pasted
    elements = body.elts if isinstance(body, ast.Tuple) else [body]
    return [None if isinstance(e, ast.Constant) and e.value is None else e for e in elements]
