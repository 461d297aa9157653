"""The chain rule for one assignment: which cotangent each active operand receives.

``ChainRule.contributions`` turns an assignment and its operation into ``Contribution`` terms (expressions in
the cotangent of the target, read by the backward sweep), and records on the statement's facts the statements
those terms need first: one call of an adjoint rule, or the pullback of a call to the user's function.
"""

from __future__ import annotations

import ast
import copy

from ... import runtime
from ...errors import NoRuleError, UnsupportedSyntaxError
from ...analysis.activity import Operation
from ...analysis.defuse import mentions
from ...analysis.normal_form import index_value
from ...rules.templates import bind_arguments, instantiate
from ...vocabulary import RESULT as _RESULT
from ...vocabulary import assign as _assign
from ...vocabulary import call as _call
from ...vocabulary import is_runtime_call
from ...vocabulary import load as _load
from .facts import Contribution, StatementFacts
from .names import may_concatenate, may_repeat

# runtime helper -> the position of the argument it reads only for its shape
_SHAPE_ONLY = {
    "unbroadcast": 1,
    "unbroadcast_product": 2,
    "reduced_cotangent": 1,
    "reduced_size": 0,
    "index_add": 1,
}


class ChainRule:
    """Plans the adjoint of each assignment, for the planner that owns ``plan`` (its names and facts)."""

    def __init__(self, plan):
        self.plan = plan
        self.context = plan.context
        self.namer = plan.namer

    def _runtime(self, name: str) -> ast.expr:
        return self.context.reference(getattr(runtime, name))

    def contributions(self, statement: ast.Assign, facts: StatementFacts):
        """The terms of ``statement``'s adjoint, the primal names they (and its prelude) read for their values,
        and those they read for their shapes alone."""
        operation = facts.operation
        target = statement.targets[0].id
        g = _load(self.namer.adjoint(target))
        contributions = self._terms(statement, operation, facts, target, g)
        contributions = [
            Contribution(c.target, self._shape_from_representative(c.expression))
            for c in contributions
        ]
        values, shapes = set(), set()
        expressions = [c.expression for c in contributions]
        expressions += [p.value for p in facts.prelude]
        for expression in expressions:
            shape_arguments = self._shape_arguments(expression)
            for node in ast.walk(expression):
                if (
                    isinstance(node, ast.Name)
                    and node.id != g.id
                    and node.id not in self.context.injected
                ):
                    name = target if node.id == _RESULT else node.id
                    (shapes if node in shape_arguments else values).add(name)
        return contributions, values, shapes

    def _shape_arguments(self, expression: ast.expr) -> set:
        """The names in ``expression`` that a runtime helper reads only for their types, shapes and dtypes:
        ``runtime.stand_in`` of the value gives the same result there."""
        return {
            call.args[position]
            for call, position in _shape_only_arguments(expression, self.context.runtime)
        }

    def _item_cotangent(self, g: ast.Name, keys, position: int) -> ast.expr:
        """The cotangent of item ``position`` of a display: ``g[position]``, or for a dict the cotangent at
        its key, zero where the dict's cotangent lacks it (``written_cotangent`` reads a dict so).
        """
        if keys is None:
            return ast.Subscript(value=g, slice=ast.Constant(position), ctx=ast.Load())
        return _call(self._runtime("written_cotangent"), g, copy.deepcopy(keys[position]))

    def _is_active(self, atom: ast.expr) -> bool:
        return isinstance(atom, ast.Name) and atom.id in self.plan.active

    def _terms(self, statement, operation: Operation, facts, target: str, g: ast.Name) -> list:
        if operation.kind == "copy":
            return [Contribution(operation.args[0].id, g)]
        if operation.kind == "pack":  # a list, tuple or dict display: each item's part of g
            value = statement.value
            keys = value.keys if isinstance(value, ast.Dict) else None
            return [
                Contribution(element.id, self._item_cotangent(g, keys, position))
                for position, element in enumerate(operation.args)
                if self._is_active(element)
            ]
        if operation.kind == "index":
            base = operation.args[0]
            index = statement.value.slice
            expression = _call(self._runtime("index_add"), g, _load(base.id), index_value(index))
            return [Contribution(base.id, expression)]
        if operation.kind == "rule" and may_concatenate(operation, self.plan.containers):
            # lists or tuples joined by +: each operand's cotangent is its part of g
            left, right = operation.args
            return [
                Contribution(
                    arg.id,
                    _call(
                        self._runtime("sum_cotangent"),
                        g,
                        copy.deepcopy(left),
                        copy.deepcopy(right),
                        ast.Constant(first),
                    ),
                )
                for arg, first in ((left, True), (right, False))
                if self._is_active(arg)
            ]
        if operation.kind == "rule":
            return self._rule_terms(statement, target, operation, facts, g)
        if operation.kind == "call":
            return self._call_terms(statement, operation, facts, g)
        if operation.kind == "pop":
            raise self.context.parsed.error(
                UnsupportedSyntaxError,
                "srcdiff differentiates list.pop() in forward mode only",
                statement,
                hint="index the list instead (items[-1]) and keep the list as it is",
            )
        if operation.kind == "setitem":
            return self._setitem_terms(operation, target, g)
        if operation.kind == "append":
            # items.append(v): v gets the last cotangent, the list before it the others
            contributions = []
            _, value = operation.args
            if self._is_active(value):
                last = ast.Subscript(value=g, slice=ast.Constant(-1), ctx=ast.Load())
                contributions.append(Contribution(value.id, last))
            rest = ast.Subscript(value=g, slice=ast.Slice(upper=ast.Constant(-1)), ctx=ast.Load())
            contributions.append(Contribution(target, rest))
            return contributions
        return []

    def _setitem_terms(self, operation: Operation, target: str, g: ast.Name) -> list:
        """``y[i] = v``: v gets the cotangent at i, and the values y had at i get none."""
        contributions = []
        _, value = operation.args
        if self._is_active(value):
            item = ast.Subscript(value=g, slice=copy.deepcopy(operation.index), ctx=ast.Load())
            if may_repeat(operation.index, self.plan.integers):
                item = _call(self._runtime("written_cotangent"), g, copy.deepcopy(operation.index))
            unbroadcast = self._runtime("unbroadcast")
            contributions.append(Contribution(value.id, _call(unbroadcast, item, _load(value.id))))
        zeroed = _call(self._runtime("zero_at"), g, copy.deepcopy(operation.index))
        contributions.append(Contribution(target, zeroed))
        return contributions

    def _call_terms(self, statement, operation: Operation, facts, g: ast.Name) -> list:
        """A call to the user's function: its vjp function returns the result and a pullback."""
        callee = operation.callee
        arguments = bind_arguments(callee, operation.args, operation.keywords, self.context)
        vjp = self.context.module.request(callee, self.context)
        self.context.module.guards.append(self.context.binding(statement.value.func, callee))
        pullback = self.namer.fresh("_pullback")
        cotangents = self.namer.fresh("_cot")
        facts.call = ast.Call(
            func=_load(vjp),
            args=[value for _, value, keyword in arguments if not keyword],
            keywords=[
                ast.keyword(arg=name, value=value) for name, value, keyword in arguments if keyword
            ],
        )
        facts.pullback = pullback
        facts.prelude = [_assign(cotangents, _call(_load(pullback), g))]
        return [
            Contribution(
                value.id,
                ast.Subscript(value=_load(cotangents), slice=ast.Constant(index), ctx=ast.Load()),
            )
            for index, (_, value, _) in enumerate(arguments)
            if self._is_active(value)
        ]

    def _rule_terms(self, statement, target: str, operation: Operation, facts, g) -> list:
        rule = operation.rule
        if rule.vjp is None:
            raise self.context.parsed.error(
                NoRuleError,
                f"srcdiff has a forward-mode rule for {rule.name} but no reverse-mode rule",
                statement,
                hint=f"register one with srcdiff.defvjp({rule.name})",
            )
        unknown = [k for k in operation.keywords if k not in rule.params]
        if unknown and not rule.any_keyword:
            raise self.context.parsed.error(
                NoRuleError,
                f"srcdiff's adjoint rule for {rule.name} does not handle the keyword argument "
                f"{unknown[0]}=, so its gradient would be wrong",
                statement,
                hint=f"compute the value without {unknown[0]}= (for instance with np.where), or register a "
                f"rule that takes it with srcdiff.defvjp",
            )
        names = rule.template_names
        bindings = {names[0]: g, names[1]: _load(_RESULT)}
        positional = list(operation.args)
        for name, arg in zip(rule.params, positional):
            bindings[name] = arg
        for name, arg in operation.keywords.items():
            bindings[name] = arg
        for name in rule.params:
            if name not in bindings and name in rule.defaults:
                bindings[name] = ast.Constant(rule.defaults[name])
        active_positions = [p for p, arg in enumerate(positional) if self._is_active(arg)]
        template = rule.template
        if template is not None and len(positional) <= len(rule.params):
            expressions = {}
            for position in active_positions:
                if position >= len(template) or template[position] is None:
                    continue
                expression = instantiate(template[position], bindings, rule, self.context)
                if expression is None:
                    break
                expressions[position] = expression
            else:
                return [
                    Contribution(positional[p].id, self._drop_unbroadcast(e, target))
                    for p, e in expressions.items()
                ]
        # call the rule itself: one call, then take each active argument's cotangent from its result
        call = ast.Call(
            func=self.context.reference(rule.vjp),
            args=[g, _load(_RESULT)] + positional,
            keywords=[ast.keyword(arg=k, value=v) for k, v in operation.keywords.items()],
        )
        cotangents = self.namer.fresh("_cot")
        facts.prelude = [_assign(cotangents, _call(self._runtime("as_tuple"), call))]
        return [
            Contribution(
                positional[p].id,
                ast.Subscript(value=_load(cotangents), slice=ast.Constant(p), ctx=ast.Load()),
            )
            for p in active_positions
        ]

    def _shape_from_representative(self, expression: ast.expr) -> ast.expr:
        """Where a runtime helper reads an operand only for its shape, read a stable name of that shape.

        ``unbroadcast(g, _t3)`` with ``_t3 = _t2 ** 2`` reads ``_t2`` instead: ``_t3`` then need not be kept
        (or taped) for the backward sweep.
        """
        for call, position in _shape_only_arguments(expression, self.context.runtime):
            shape = self.plan.shapes.get(call.args[position].id)
            representative = self.plan.representatives.get(shape)
            if representative is not None:
                call.args[position] = _load(representative)
        return expression

    def _drop_unbroadcast(self, expression: ast.expr, target: str) -> ast.expr:
        """``unbroadcast(e, x)`` is ``e``, and ``unbroadcast_product(g, y, x)`` is ``g * y``, where ``x`` is known
        to have the shape of the result."""
        unbroadcast = is_runtime_call(expression, "unbroadcast")
        if not (
            (unbroadcast or is_runtime_call(expression, "unbroadcast_product"))
            and isinstance(expression.args[-1], ast.Name)
        ):
            return expression
        shape = self.plan.shapes.get(target)
        if shape is None or self.plan.shapes.get(expression.args[-1].id) != shape:
            return expression
        if unbroadcast:
            return expression.args[0]
        return ast.BinOp(left=expression.args[0], op=ast.Mult(), right=expression.args[1])


def _shape_only_arguments(expression: ast.expr, runtime_name: str):
    """(call, position) for each name in ``expression`` that a runtime helper reads only for its shape."""
    for node in ast.walk(expression):
        for helper, position in _SHAPE_ONLY.items():
            if (
                is_runtime_call(node, helper)
                and mentions(node.func, runtime_name)
                and position < len(node.args)
                and isinstance(node.args[position], ast.Name)
            ):
                yield node, position
