"""The tangent of one assignment: a term per active operand, from the rule table's forward rules."""

from __future__ import annotations

import ast
import copy

from ... import runtime
from ...context import Context
from ...errors import NoRuleError
from ...analysis.activity import Operation
from ...rules.templates import instantiate
from ...vocabulary import RESULT as _RESULT
from ...vocabulary import call as _call
from ...vocabulary import load as _load


class TangentTerms:
    """The tangent of an assignment's result, as one term per active operand, for ``ForwardMode``."""

    def __init__(self, context: Context, active: set, tangent):
        self.context = context
        self.active = active
        self.tangent = tangent  # name -> the name of its tangent

    def tangent_or_zero(self, atom: ast.expr) -> ast.expr:
        if isinstance(atom, ast.Name) and atom.id in self.active:
            return _load(self.tangent(atom.id))
        return _call(self.context.reference(runtime.zeros_like), copy.deepcopy(atom))

    def of(self, statement: ast.Assign, operation: Operation) -> list:
        """One expression per active operand: its contribution to the tangent of the result."""
        # a name active elsewhere (carried around a loop) may get a value here from a constant: no tangent term
        if operation.kind == "copy":
            return (
                [_load(self.tangent(operation.args[0].id))]
                if operation.args[0].id in self.active
                else []
            )
        if operation.kind == "constant":
            return []
        if operation.kind == "index":
            base = operation.args[0].id
            if base not in self.active:
                return []
            item = ast.Subscript(
                value=_load(self.tangent(base)),
                slice=copy.deepcopy(statement.value.slice),
                ctx=ast.Load(),
            )
            return [item]
        if operation.kind == "pack":
            elements = [self.tangent_or_zero(e) for e in operation.args]
            if isinstance(statement.value, ast.Dict):
                keys = [copy.deepcopy(k) for k in statement.value.keys]
                return [ast.Dict(keys=keys, values=elements)]
            return [type(statement.value)(elts=elements, ctx=ast.Load())]
        if operation.kind == "rule":
            return self._rule_terms(statement, operation)
        raise self.context.parsed.error(
            NoRuleError, f"srcdiff cannot compute tangents of {operation.why}", statement
        )

    def may_broadcast(self, operation: Operation) -> bool:
        """Whether an elementwise operation's tangent may be smaller than its result: an operand that is not
        varied (and is not a number) may broadcast the varied ones to a larger shape."""
        if (
            operation.kind != "rule"
            or operation.rule.forward is None
            or operation.rule.forward[0] != "elementwise"
        ):
            return False
        active = self._active_positions(operation)
        return len(active) < len(operation.args) and any(
            position not in active and not isinstance(arg, ast.Constant)
            for position, arg in enumerate(operation.args)
        )

    def _active_positions(self, operation: Operation) -> list:
        return [
            p
            for p, arg in enumerate(operation.args)
            if isinstance(arg, ast.Name) and arg.id in self.active
        ]

    def _rule_terms(self, statement, operation: Operation) -> list:
        rule = operation.rule
        forward = rule.forward
        active = self._active_positions(operation)
        if forward is None:
            name = rule.name
            raise self.context.parsed.error(
                NoRuleError,
                f"srcdiff has no forward-mode rule for {name}",
                statement,
                hint=f"register one with srcdiff.defjvp({name}): a function (tangents, ans, *args) returning the "
                "tangent of the result, where tangents holds one tangent per argument (None for a constant)",
            )
        kind = forward[0]
        if kind == "elementwise":
            terms = []
            for position in active:
                template = (
                    rule.template[position]
                    if rule.template and position < len(rule.template)
                    else None
                )
                if template is None:
                    continue
                terms.append(self._elementwise_term(template, rule, operation, position))
            return terms
        if kind == "linear":
            terms = []
            for position in active:
                if position not in forward[1]:
                    continue
                args = [copy.deepcopy(a) for a in operation.args]
                args[position] = _load(self.tangent(operation.args[position].id))
                value = statement.value
                if isinstance(value, ast.BinOp):  # x @ y
                    terms.append(ast.BinOp(left=args[0], op=copy.deepcopy(value.op), right=args[1]))
                    continue
                keywords = [
                    ast.keyword(arg=k, value=copy.deepcopy(v))
                    for k, v in operation.keywords.items()
                    if k not in rule.params[: len(args)]
                ]
                terms.append(_call(copy.deepcopy(value.func), *args, keywords=keywords))
            return terms
        if kind == "additive":
            args = [copy.deepcopy(a) for a in operation.args]
            for position in forward[1]:
                if position < len(args):
                    args[position] = self.tangent_or_zero(operation.args[position])
            keywords = [
                ast.keyword(arg=k, value=copy.deepcopy(v))
                for k, v in operation.keywords.items()
                if k not in rule.params[: len(args)]
            ]
            return [_call(copy.deepcopy(statement.value.func), *args, keywords=keywords)]
        jvp = forward[1]
        tangents = ast.Tuple(
            elts=[
                (
                    _load(self.tangent(a.id))
                    if isinstance(a, ast.Name) and a.id in self.active
                    else ast.Constant(None)
                )
                for a in operation.args
            ],
            ctx=ast.Load(),
        )
        keywords = [
            ast.keyword(arg=k, value=copy.deepcopy(v)) for k, v in operation.keywords.items()
        ]
        return [
            _call(
                self.context.reference(jvp),
                tangents,
                _load(_RESULT),
                *[copy.deepcopy(a) for a in operation.args],
                keywords=keywords,
            )
        ]

    def _elementwise_term(self, template, rule, operation: Operation, position: int) -> ast.expr:
        """The adjoint expression for ``position`` with the cotangent replaced by that operand's tangent."""
        expression = template
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name):
            # tangents broadcast forward by themselves: nothing to sum back
            if expression.func.id == "unbroadcast" and len(expression.args) == 2:
                expression = expression.args[0]
            elif expression.func.id == "unbroadcast_product" and len(expression.args) == 3:
                expression = ast.BinOp(
                    left=expression.args[0], op=ast.Mult(), right=expression.args[1]
                )
        bindings = {
            rule.template_names[0]: _load(self.tangent(operation.args[position].id)),
            rule.template_names[1]: _load(_RESULT),
        }
        for name, arg in zip(rule.params, operation.args):
            bindings[name] = arg
        bindings.update(operation.keywords)
        for name in rule.params:
            if name not in bindings and name in rule.defaults:
                bindings[name] = ast.Constant(rule.defaults[name])
        term = instantiate(expression, bindings, rule, self.context)
        if term is None:
            raise self.context.parsed.error(
                NoRuleError,
                f"srcdiff cannot derive the tangent of {rule.name}",
                hint=f"register a forward rule with srcdiff.defjvp({rule.name})",
            )
        return term
