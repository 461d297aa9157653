"""Activity analysis: which variables depend on the inputs differentiated against *and* reach the output.

Only active variables get adjoints; everything else is a constant to the backward sweep.
"""

from __future__ import annotations

import ast
import types
from dataclasses import dataclass, field

import numpy as np

from .. import runtime
from ..context import Context
from ..errors import NoRuleError
from ..parsing import MISSING
from ..rules import Rule, lookup
from .defuse import assignments
from .normal_form import is_atom, is_condition

_METADATA_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}


@dataclass
class Operation:
    """What one normal-form assignment computes, as the reverse pass needs to know it."""

    kind: str  # "copy", "rule", "index", "pack", "call" (a user function), "setitem", "append", "pop",
    # "constant", "unknown"
    args: list = field(default_factory=list)  # positional operand atoms, in the rule's order
    keywords: dict = field(default_factory=dict)  # keyword -> atom
    rule: Rule | None = None
    callee: object = None
    why: str = ""  # for "unknown": what srcdiff could not find
    index: ast.expr | None = None  # for "setitem": the index written to

    def operand_names(self) -> list:
        """Names whose values flow into the result (those that can carry a gradient)."""
        if self.kind in ("constant",):
            return []
        names = []
        template = self.rule.template if self.rule is not None else None
        operands = list(self.args)
        if self.kind == "call":
            operands += list(self.keywords.values())
        for position, arg in enumerate(operands):
            if template is not None and position < len(template) and template[position] is None:
                continue  # no gradient flows through this argument (a condition, a subscript string)
            names.extend(n.id for n in ast.walk(arg) if isinstance(n, ast.Name))
        return names


def describe(value: ast.expr, context: Context) -> Operation:
    """The operation a normal-form right-hand side performs."""
    if isinstance(value, ast.Name):
        return Operation("copy", [value])
    if isinstance(value, ast.BoolOp) and not all(is_condition(v) for v in value.values):
        # x or y is x or y itself, not a truth value: refused where a differentiated value flows through it
        return Operation(
            "unknown",
            [v for v in value.values if not is_condition(v)],
            why="`and`/`or` of values (they return an operand; write an if statement or np.where)",
        )
    if is_atom(value) or is_condition(value) or isinstance(value, (ast.Constant, ast.JoinedStr)):
        return Operation("constant")
    if isinstance(value, ast.BinOp):
        return _with_rule(lookup(type(value.op)), [value.left, value.right], {}, type(value.op))
    if isinstance(value, ast.UnaryOp):
        return _with_rule(lookup(type(value.op)), [value.operand], {}, type(value.op))
    if isinstance(value, ast.Subscript):
        return Operation("index", [value.value])
    if isinstance(value, (ast.Tuple, ast.List)):
        return Operation("pack", list(value.elts))
    if isinstance(value, ast.Dict):
        if any(key is None for key in value.keys):
            return Operation(
                "unknown",
                list(value.values),
                why="a dict display with ** (write each key, or build the dict in steps)",
            )
        return Operation("pack", list(value.values))
    if isinstance(value, ast.Attribute):
        if value.attr in _METADATA_ATTRIBUTES:
            return Operation("constant")
        return Operation("unknown", [value.value], why=f"the attribute .{value.attr}")
    if isinstance(value, ast.Call):
        callee = context.resolve(value.func)
        if callee is runtime.setitem:  # y[index] = v
            return Operation("setitem", [value.args[0], value.args[2]], index=value.args[1])
        if callee is runtime.append:  # items.append(v)
            return Operation("append", [value.args[0], value.args[1]])
        if callee is runtime.pop:  # v = items.pop()
            return Operation("pop", [value.args[0]])
        keywords = {k.arg: k.value for k in value.keywords}
        if callee is MISSING:
            # a method of a local value (d.get, x.tolist): the value it is called on is an operand too
            receiver = [value.func.value] if isinstance(value.func, ast.Attribute) else []
            return Operation(
                "unknown",
                receiver + list(value.args),
                keywords,
                why=f"the function {ast.unparse(value.func)}, which srcdiff cannot look up "
                "before the function runs",
            )
        rule = lookup(callee)
        if rule is None and is_user_function(callee):
            return Operation("call", list(value.args), keywords, callee=callee)
        if rule is None:
            name = getattr(callee, "__qualname__", None) or ast.unparse(value.func)
            return Operation(
                "unknown",
                list(value.args),
                keywords,
                callee=callee,
                why=f"{name}, which has no adjoint rule",
            )
        return _with_rule(rule, list(value.args), keywords, callee)
    return Operation("unknown", [], why=f"a {type(value).__name__} expression")


def is_user_function(value) -> bool:
    """A plain Python function srcdiff transforms itself (not one of numpy's own Python functions)."""
    from ..context import LocalFunction

    if isinstance(value, LocalFunction):
        return True
    return isinstance(value, types.FunctionType) and not (value.__module__ or "").startswith(
        "numpy"
    )


def _with_rule(rule, args, keywords, callee) -> Operation:
    if rule is None:
        return Operation(
            "unknown", args, keywords, callee=callee, why=f"{callee}, which has no rule"
        )
    if not rule.differentiable:
        return Operation("constant", args, keywords, rule=rule, callee=callee)
    # keyword arguments that name the rule's parameters take their places, so they carry gradients too
    args, keywords = list(args), dict(keywords)
    named = [i for i, name in enumerate(rule.params) if name in keywords and i >= len(args)]
    for position in range(len(args), max(named, default=-1) + 1):
        name = rule.params[position]
        if name in keywords:
            args.append(keywords.pop(name))
        elif name in rule.defaults:
            args.append(ast.Constant(rule.defaults[name]))
        else:
            break
    return Operation("rule", args, keywords, rule=rule, callee=callee)


@dataclass
class Activity:
    operations: dict  # assignment (the node itself) -> Operation
    varied: set
    useful: set

    def operation(self, statement: ast.stmt) -> Operation | None:
        """What ``statement`` computes, or None if it is not one of the function's assignments."""
        return self.operations.get(statement)

    @property
    def active(self) -> set:
        return self.varied & self.useful


def analyse(function: ast.FunctionDef, wrt: list, returned: str, context: Context) -> Activity:
    """Which names are varied (depend on ``wrt``) and useful (reach ``returned``)."""
    statements = list(assignments(function.body))
    operations = {s: describe(s.value, context) for s in statements}
    _index_makers(statements, operations, context)
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for statement in statements:
            target = statement.targets[0].id
            if target not in varied and any(
                n in varied for n in operations[statement].operand_names()
            ):
                varied.add(target)
                changed = True
    useful = {returned}
    changed = True
    while changed:
        changed = False
        for statement in statements:
            if statement.targets[0].id in useful:
                for name in operations[statement].operand_names():
                    if name not in useful and name in varied:
                        useful.add(name)
                        changed = True
    activity = Activity(operations, varied, useful)
    for statement in statements:
        operation = operations[statement]
        if operation.kind == "unknown" and statement.targets[0].id in activity.active:
            raise _no_rule_error(statement, operation, context)
    return activity


def _index_makers(statements, operations, context) -> None:
    """``np.r_[a, b]`` and ``np.c_[a, b]`` build arrays from what they are indexed with: no rule covers that, so
    a differentiated value there is refused (as a call without a rule is) rather than given no gradient.
    """
    makers = {id(np.r_): "np.r_", id(np.c_): "np.c_"}
    lifted = {
        s.targets[0].id: context.resolve(s.value)
        for s in statements
        if isinstance(s.value, ast.Attribute) and s.value.attr in ("r_", "c_")
    }
    for statement in statements:
        value = statement.value
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
            base = value.value.id
            maker = (
                lifted[base]
                if base in lifted
                else base in ("r_", "c_") and context.resolve(value.value)
            )
            if id(maker) in makers:
                pieces = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
                if (
                    all(
                        isinstance(p, ast.Name)
                        or isinstance(p, ast.Constant)
                        and type(p.value) in (int, float)
                        for p in pieces
                    )
                    and lookup(maker) is not None
                ):  # values only: a concatenation
                    operations[statement] = Operation(
                        "rule", list(pieces), rule=lookup(maker), callee=maker
                    )
                else:
                    operations[statement] = Operation(
                        "unknown",
                        [value.slice],
                        why=f"{makers[id(maker)]}[...] "
                        "with slices or a directive (write np.concatenate)",
                    )


def _no_rule_error(statement, operation: Operation, context: Context):
    callee = operation.callee
    name = getattr(callee, "__name__", None) or "the_function"
    if callable(callee):
        hint = (
            f"register an adjoint rule:\n    @srcdiff.defvjp({name})\n    def {name}_vjp(g, ans, *args):\n"
            f"        return (<cotangent of each argument>,)\n"
            f"or declare it constant with srcdiff.nondifferentiable({name})"
        )
    else:
        hint = "compute this value with operations srcdiff differentiates"
    return context.parsed.error(
        NoRuleError, f"srcdiff cannot differentiate {operation.why}", statement, hint=hint
    )
