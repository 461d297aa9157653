"""Reverse mode: the forward sweep, then the adjoint statements in reverse order.

Before (normal form)::

    _t1 = x ** 3
    _t2 = 2 * x
    y = _t1 + _t2
    return y

After (``passes/optimize.py`` then folds the copies and constants)::

    _t1 = x ** 3
    _t2 = 2 * x
    y = _t1 + _t2
    by = 1.0 if type(y) is float else _rt.seed(y)
    # grad of: y = x**3 + 2 * x
    b_t1 = by
    b_t2 = by
    bx = b_t2 * 2
    bx = bx + b_t1 * 3 * x ** (3 - 1)
    return bx

A value the backward sweep reads is pushed on a tape only where the forward sweep overwrites it before that read
(a reassignment, a loop), and popped after its adjoint. Branch decisions and trip counts inside loops are
recorded the same way, so the backward sweep of an ``if`` is an ``if`` and of a loop a loop. A call to a user's
function goes to its generated vjp function, whose pullback the backward sweep calls.
"""

from __future__ import annotations

import ast
import builtins
import copy
from dataclasses import dataclass

import numpy as np

from .. import runtime
from ..context import Context
from ..errors import NoRuleError, UnsupportedSyntaxError
from ..rules.templates import bind_arguments, instantiate
from ..analysis.activity import Activity, Operation
from ..analysis.defuse import assignments, mentions, stored_names
from ..analysis.defuse import parameters as _parameters
from ..analysis.normal_form import index_value, is_loop_exit
from ..analysis.shapes import shape_classes
from ..vocabulary import RESULT as _RESULT
from ..vocabulary import assign as _assign
from ..vocabulary import call as _call
from ..vocabulary import comment
from ..vocabulary import is_pop, is_runtime_call, new_tape, pop, push
from ..vocabulary import load as _load
from ..vocabulary import method as _method
from ..vocabulary import rename as _rename
from ..vocabulary import store as _store


@dataclass
class Contribution:
    """One term of the chain rule: ``expression`` is added to the adjoint of ``target``."""

    target: str
    expression: ast.expr


# numpy reductions whose result is a scalar when they reduce over every axis
_FULL_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.var, np.std, np.amax, np.amin}


# numpy functions that map scalars to scalars
_SCALAR_NUMPY = {
    getattr(np, name)
    for name in (
        "sin",
        "cos",
        "tan",
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sinh",
        "cosh",
        "square",
        "abs",
        "negative",
        "log1p",
        "expm1",
        "arcsin",
        "arccos",
        "arctan",
        "reciprocal",
        "exp2",
        "log2",
        "log10",
        "cbrt",
        "fabs",
        "arcsinh",
        "arccosh",
        "arctanh",
        "power",
        "maximum",
        "minimum",
        "logaddexp",
        "arctan2",
        "hypot",
    )
}

# runtime helper -> the position of the argument it reads only for its shape
_SHAPE_ONLY = {
    "unbroadcast": 1,
    "unbroadcast_product": 2,
    "reduced_cotangent": 1,
    "reduced_size": 0,
    "index_add": 1,
}


def _may_repeat(index: ast.expr, integers: set) -> bool:
    """Whether an index may hold an integer array, which can name one position twice (a list or array literal,
    or a name other than the ``integers``, counters of loops over ranges)."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(
        isinstance(p, ast.List)
        or (isinstance(p, ast.Name) and p.id not in integers)
        or (isinstance(p, ast.Call) and not (isinstance(p.func, ast.Name) and p.func.id == "slice"))
        for p in parts
    )


def _may_break(loop: ast.For) -> bool:
    return bool(loop.body) and isinstance(loop.body[-1], ast.If) and is_loop_exit(loop.body[-1])


class ReverseMode:
    """Builds the gradient function from a function in normal form."""

    def __init__(
        self,
        context: Context,
        function: ast.FunctionDef,
        wrt: list,
        activity: Activity,
        scalar: bool = False,
        checked: tuple = (),
    ):
        self.context = context
        self.function = function
        self.wrt = wrt
        self.activity = activity
        self.active = activity.active
        self.namer = context.namer
        self.tape = self.namer.unique("_tape")
        self.uses_tape = False
        self.sequences = self._sequence_names()
        # for a variant called with Python floats only, every value is a float: all shapes are ()
        self.scalar = scalar
        self.containers = self._container_names(checked)
        self._integers = self._range_counters()
        self.shapes = (
            {n: "()" for n in _all_names(function)} if scalar else shape_classes(function, context)
        )
        self.representatives = self._representatives()
        self._plans: dict = {}  # id(assignment) -> list of Contribution
        self._preludes: dict = (
            {}
        )  # id(assignment) -> statements its contributions read (one rule call)
        self._calls: dict = {}  # id(assignment) -> (call of the vjp function, name of the pullback)
        self.needed = self._plan_all()
        self.saved = self._saved_names()
        self._first = self._first_definitions()
        self._place = self._positions()
        self._conditions: dict = {}  # id(If) -> name of its recorded test
        self._counters: dict = {}  # id(While) -> name of its trip counter
        self._zeroed: set = set()  # names the backward sweep reads to shape a zero cotangent

    # ---- planning --------------------------------------------------------------------------------------

    def _sequence_names(self) -> set:
        names = set()
        for statement in assignments(self.function.body):
            if isinstance(statement.value, (ast.Tuple, ast.List)):
                names.add(statement.targets[0].id)
        return names

    def _may_concatenate(self, operation: Operation) -> bool:
        """Whether ``operation`` is ``a + b`` where an operand may be a list or a tuple."""
        return (
            operation.rule.primal is ast.Add
            and len(operation.args) == 2
            and any(
                isinstance(arg, ast.Name) and arg.id in self.containers for arg in operation.args
            )
        )

    def _range_counters(self) -> set:
        """Names that only count through a range (``for i in _r1`` with ``_r1 = range(...)``): integers."""
        ranges = {
            s.targets[0].id
            for s in assignments(self.function.body)
            if isinstance(s.value, ast.Call)
            and isinstance(s.value.func, ast.Name)
            and s.value.func.id == "range"
        }
        stores: dict = {}
        for node in ast.walk(self.function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stores[node.id] = stores.get(node.id, 0) + 1
        return {
            node.target.id
            for node in ast.walk(self.function)
            if isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Name)
            and node.iter.id in ranges
            and stores[node.target.id] == 1
        }

    def _container_names(self, checked: tuple) -> set:
        """Names that may hold a list or tuple, whose cotangents add item by item (``+`` would concatenate):
        lists and tuples built here, parameters (except ``checked`` ones, known to be floats or arrays), and
        what is taken from them or returned by a call of the user's."""
        names = set(self.sequences)
        if not self.scalar:
            # a parameter that is only an operand of arithmetic and numpy's functions is a number or an array
            structural = {
                n.id
                for s in assignments(self.function.body)
                if self.activity.operations.get(id(s)) is not None
                and self.activity.operations[id(s)].kind not in ("rule", "constant")
                for a in self.activity.operations[id(s)].args
                for n in ast.walk(a)
                if isinstance(n, ast.Name)
            }
            structural |= {
                n.iter.id
                for n in ast.walk(self.function)
                if isinstance(n, ast.For) and isinstance(n.iter, ast.Name)
            }
            names |= {p for p in _parameters(self.function) if p not in checked and p in structural}
        changed = True
        while changed:
            changed = False
            for statement in assignments(self.function.body):
                target = statement.targets[0].id
                operation = self.activity.operations.get(id(statement))
                if target in names or operation is None:
                    continue
                source = operation.args[0] if operation.args else None
                from_container = isinstance(source, ast.Name) and source.id in names
                if operation.kind in ("call", "pop", "unknown") or (
                    operation.kind in ("copy", "index") and from_container
                ):
                    names.add(target)
                    changed = True
        return names

    def _plan_all(self) -> set:
        """Plan every active assignment's adjoint; return the primal names the backward sweep reads."""
        needed = set()
        self._readers: dict = {}  # name -> ids of the statements whose backward sweep reads it
        for statement in assignments(self.function.body):
            target = statement.targets[0].id
            if target not in self.active:
                continue
            operation = self.activity.operations[id(statement)]
            contributions, reads = self._plan(statement, operation)
            self._plans[id(statement)] = contributions
            needed |= reads
            for name in reads:
                self._readers.setdefault(name, []).append(id(statement))
        for node in ast.walk(self.function):
            if isinstance(node, ast.For):
                needed.add(node.iter.id)
                self._readers.setdefault(node.iter.id, []).append(id(node))
        # undoing ``y[i] = v`` backward writes the saved values back at ``i``: the index as it was then;
        # undoing ``items.append(v)`` pops from the list that was appended to, whichever ``items`` holds now
        for statement in assignments(self.function.body):
            operation = self.activity.operations.get(id(statement))
            if operation is not None and operation.kind == "append":
                needed.add(statement.targets[0].id)
                self._readers.setdefault(statement.targets[0].id, []).append(id(statement))
            if (
                operation is not None
                and operation.kind == "setitem"
                and statement.targets[0].id in needed
            ):
                for name in {n.id for n in ast.walk(operation.index) if isinstance(n, ast.Name)}:
                    needed.add(name)
                    self._readers.setdefault(name, []).append(id(statement))
        return needed

    def _positions(self) -> dict:
        """id(statement) -> (its place in program order, the loops around it)."""
        positions = {}

        def visit(body, loops):
            for statement in body:
                positions[id(statement)] = (len(positions), loops)
                if isinstance(statement, ast.If):
                    visit(statement.body, loops)
                    visit(statement.orelse, loops)
                elif isinstance(statement, (ast.For, ast.While)):
                    visit(statement.body, loops | {id(statement)})

        visit(self.function.body, frozenset())
        return positions

    def _overwrites_needed_value(self, statement) -> bool:
        """Whether the value ``statement`` overwrites is read by a backward step that runs after its restore:
        a reader before it in the program, or one in a loop around both (the next iteration overwrites).
        """
        place, loops = self._place[id(statement)]
        for reader in self._readers.get(statement.targets[0].id, ()):
            reader_place, reader_loops = self._place[reader]
            if reader_place <= place or loops & reader_loops:
                return True
        return False

    def _plan(self, statement: ast.Assign, operation: Operation):
        target = statement.targets[0].id
        g = _load(self.namer.adjoint(target))
        contributions = []
        if operation.kind == "copy":
            contributions = [Contribution(operation.args[0].id, g)]
        elif operation.kind == "pack":
            for position, element in enumerate(operation.args):
                if isinstance(element, ast.Name) and element.id in self.active:
                    item = ast.Subscript(value=g, slice=ast.Constant(position), ctx=ast.Load())
                    contributions.append(Contribution(element.id, item))
        elif operation.kind == "index":
            base = operation.args[0]
            index = statement.value.slice
            expression = _call(
                self.context.reference(self._runtime("index_add")),
                g,
                _load(base.id),
                index_value(index),
            )
            contributions = [Contribution(base.id, expression)]
        elif operation.kind == "rule" and self._may_concatenate(operation):
            # lists or tuples joined by +: each operand's cotangent is its part of g
            concatenated = self.context.reference(self._runtime("sum_cotangent"))
            left, right = operation.args
            contributions = [
                Contribution(
                    arg.id,
                    _call(
                        concatenated,
                        g,
                        copy.deepcopy(left),
                        copy.deepcopy(right),
                        ast.Constant(first),
                    ),
                )
                for arg, first in ((left, True), (right, False))
                if isinstance(arg, ast.Name) and arg.id in self.active
            ]
        elif operation.kind == "rule":
            contributions = self._rule_contributions(statement, target, operation, g)
        elif operation.kind == "call":
            contributions = self._call_contributions(statement, operation, g)
        elif operation.kind == "pop":
            raise self.context.parsed.error(
                UnsupportedSyntaxError,
                "srcdiff differentiates list.pop() in forward mode only",
                statement,
                hint="index the list instead (items[-1]) and keep the list as it is",
            )
        elif operation.kind == "setitem":
            # y[i] = v: v gets the cotangent at i, and the values y had at i get none
            _, value = operation.args
            if isinstance(value, ast.Name) and value.id in self.active:
                item = ast.Subscript(value=g, slice=copy.deepcopy(operation.index), ctx=ast.Load())
                if _may_repeat(operation.index, self._integers):
                    item = _call(
                        self.context.reference(self._runtime("written_cotangent")),
                        g,
                        copy.deepcopy(operation.index),
                    )
                unbroadcast = self.context.reference(self._runtime("unbroadcast"))
                contributions.append(
                    Contribution(value.id, _call(unbroadcast, item, _load(value.id)))
                )
            zeroed = _call(
                self.context.reference(self._runtime("zero_at")), g, copy.deepcopy(operation.index)
            )
            contributions.append(Contribution(target, zeroed))
        elif operation.kind == "append":
            # items.append(v): v gets the last cotangent, the list before it the others
            _, value = operation.args
            if isinstance(value, ast.Name) and value.id in self.active:
                last = ast.Subscript(value=g, slice=ast.Constant(-1), ctx=ast.Load())
                contributions.append(Contribution(value.id, last))
            rest = ast.Subscript(value=g, slice=ast.Slice(upper=ast.Constant(-1)), ctx=ast.Load())
            contributions.append(Contribution(target, rest))
        contributions = [
            Contribution(c.target, self._shape_from_representative(c.expression))
            for c in contributions
        ]
        reads = set()
        expressions = [c.expression for c in contributions]
        expressions += [p.value for p in self._preludes.get(id(statement), [])]
        for expression in expressions:
            for node in ast.walk(expression):
                if (
                    isinstance(node, ast.Name)
                    and node.id != g.id
                    and node.id not in self.context.injected
                ):
                    reads.add(target if node.id == _RESULT else node.id)
        return contributions, reads

    def _call_contributions(self, statement: ast.Assign, operation: Operation, g: ast.Name) -> list:
        """A call to the user's function: its vjp function returns the result and a pullback."""
        callee = operation.callee
        arguments = bind_arguments(callee, operation.args, operation.keywords, self.context)
        vjp = self.context.module.request(callee, self.context)
        self.context.module.guards.append(self.context.binding(statement.value.func, callee))
        pullback = self.namer.fresh("_pullback")
        cotangents = self.namer.fresh("_cot")
        call = ast.Call(
            func=_load(vjp),
            args=[value for _, value, keyword in arguments if not keyword],
            keywords=[
                ast.keyword(arg=name, value=value) for name, value, keyword in arguments if keyword
            ],
        )
        self._calls[id(statement)] = (call, pullback)
        self._preludes[id(statement)] = [_assign(cotangents, _call(_load(pullback), g))]
        return [
            Contribution(
                value.id,
                ast.Subscript(value=_load(cotangents), slice=ast.Constant(index), ctx=ast.Load()),
            )
            for index, (_, value, _) in enumerate(arguments)
            if isinstance(value, ast.Name) and value.id in self.active
        ]

    def _runtime(self, name):
        return getattr(runtime, name)

    def _rule_contributions(
        self, statement, target: str, operation: Operation, g: ast.Name
    ) -> list:
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
        active_positions = [
            p
            for p, arg in enumerate(positional)
            if isinstance(arg, ast.Name) and arg.id in self.active
        ]
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
        rule_reference = self.context.reference(rule.vjp)
        call = ast.Call(
            func=rule_reference,
            args=[g, _load(_RESULT)] + positional,
            keywords=[ast.keyword(arg=k, value=v) for k, v in operation.keywords.items()],
        )
        cotangents = self.namer.fresh("_cot")
        self._preludes[id(statement)] = [
            _assign(cotangents, _call(self.context.reference(self._runtime("as_tuple")), call))
        ]
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
        for node in ast.walk(expression):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == self.context.runtime
            ):
                continue
            position = _SHAPE_ONLY.get(node.func.attr)
            if (
                position is None
                or position >= len(node.args)
                or not isinstance(node.args[position], ast.Name)
            ):
                continue
            representative = self.representatives.get(self.shapes.get(node.args[position].id))
            if representative is not None:
                node.args[position] = _load(representative)
        return expression

    def _representatives(self) -> dict:
        """Shape class -> a name of that class whose value stays in place: a parameter, or a name assigned
        once at the top level."""
        params = _parameters(self.function)
        assigned: dict = {}
        for statement in assignments(self.function.body):
            assigned[statement.targets[0].id] = assigned.get(statement.targets[0].id, 0) + 1
        stable = [p for p in params if p not in assigned]
        stable += [
            s.targets[0].id
            for s in self.function.body
            if isinstance(s, ast.Assign) and assigned.get(s.targets[0].id) == 1
        ]
        representatives = {}
        for name in stable:
            shape = self.shapes.get(name)
            if shape is not None:
                representatives.setdefault(shape, name)
        return representatives

    def _drop_unbroadcast(self, expression: ast.expr, target: str) -> ast.expr:
        """``unbroadcast(e, x)`` is ``e``, and ``unbroadcast_product(g, y, x)`` is ``g * y``, where ``x`` is known
        to have the shape of the result."""
        if not (
            isinstance(expression, ast.Call)
            and isinstance(expression.func, ast.Attribute)
            and expression.func.attr in ("unbroadcast", "unbroadcast_product")
            and isinstance(expression.args[-1], ast.Name)
        ):
            return expression
        shape = self.shapes.get(target)
        if shape is None or self.shapes.get(expression.args[-1].id) != shape:
            return expression
        if expression.func.attr == "unbroadcast":
            return expression.args[0]
        return ast.BinOp(left=expression.args[0], op=ast.Mult(), right=expression.args[1])

    def _saved_names(self) -> set:
        """Names the backward sweep reads that the forward sweep may overwrite: they go on the tape."""
        params = set(_parameters(self.function))
        counts: dict = {}
        in_loops = set()

        def visit(body, in_loop):
            for statement in body:
                if isinstance(statement, ast.Assign):
                    name = statement.targets[0].id
                    counts[name] = counts.get(name, 0) + 1
                    if in_loop:
                        in_loops.add(name)
                elif isinstance(statement, ast.If):
                    visit(statement.body, in_loop)
                    visit(statement.orelse, in_loop)
                elif isinstance(statement, (ast.For, ast.While)):
                    visit(statement.body, True)

        visit(self.function.body, False)
        return {
            name
            for name, count in counts.items()
            if name in self.needed and (count > 1 or name in params or name in in_loops)
        }

    def _first_definitions(self) -> set:
        """Top-level assignments that give a name its first value: nothing to save there."""
        params = set(_parameters(self.function))
        seen = set(params)
        first = set()
        for statement in self.function.body:
            if isinstance(statement, ast.Assign):
                if statement.targets[0].id not in seen:
                    first.add(id(statement))
                seen.add(statement.targets[0].id)
            elif isinstance(statement, (ast.If, ast.For, ast.While)):
                seen |= {s.targets[0].id for s in assignments([statement])}
        return first

    def _has_adjoint(self, block) -> bool:
        """Whether the backward sweep has anything to do for ``block`` (adjoints, restores, loops)."""
        for node in ast.walk(block):
            if isinstance(node, (ast.For, ast.While)):
                return True
            if isinstance(node, ast.Assign) and (id(node) in self._plans or self._saves(node)):
                return True
        return False

    def _saves(self, statement: ast.Assign) -> bool:
        return (
            statement.targets[0].id in self.saved
            and id(statement) not in self._first
            and self._overwrites_needed_value(statement)
        )

    # ---- the forward sweep -----------------------------------------------------------------------------

    def forward(self, body: list, depth: int) -> list:
        out = []
        for statement in body:
            if isinstance(statement, ast.Assign) and self._updates_in_place(statement):
                out.extend(self._forward_in_place(statement))
            elif isinstance(statement, ast.Assign):
                if self._saves(statement):
                    out.append(self._push(_load(statement.targets[0].id)))
                call = self._calls.get(id(statement))
                if call is None:
                    out.append(statement)
                    continue
                vjp_call, pullback = call
                targets = ast.Tuple(
                    elts=[_store(statement.targets[0].id), _store(pullback)], ctx=ast.Store()
                )
                out.append(
                    ast.copy_location(ast.Assign(targets=[targets], value=vjp_call), statement)
                )
                if depth > 0:
                    out.append(self._push(_load(pullback)))
            elif isinstance(statement, ast.If) and (
                is_loop_exit(statement) or not self._has_adjoint(statement)
            ):
                out.append(
                    statement
                )  # nothing of it is undone or differentiated: no need to record it
            elif isinstance(statement, ast.If):
                test = self.namer.fresh("_c")
                self._conditions[id(statement)] = test
                out.append(ast.copy_location(_assign(test, statement.test), statement))
                branch = ast.If(
                    test=_load(test),
                    body=self.forward(statement.body, depth) or [ast.Pass()],
                    orelse=self.forward(statement.orelse, depth),
                )
                out.append(ast.copy_location(branch, statement))
                if depth > 0:
                    out.append(self._push(_load(test)))
            elif isinstance(statement, ast.For):
                body = self.forward(statement.body, depth + 1)
                if _may_break(statement):
                    # the backward loop runs over the iterations that ran: count them
                    counter = self.namer.fresh("_n")
                    self._counters[id(statement)] = counter
                    out.append(_assign(counter, ast.Constant(0)))
                    body.insert(
                        0,
                        ast.AugAssign(target=_store(counter), op=ast.Add(), value=ast.Constant(1)),
                    )
                loop = ast.For(target=statement.target, iter=statement.iter, body=body, orelse=[])
                out.append(ast.copy_location(loop, statement))
                if _may_break(statement) and depth > 0:
                    out.append(self._push(_load(self._counters[id(statement)])))
            elif isinstance(statement, ast.While):
                counter = self.namer.fresh("_n")
                self._counters[id(statement)] = counter
                out.append(_assign(counter, ast.Constant(0)))
                count = ast.AugAssign(target=_store(counter), op=ast.Add(), value=ast.Constant(1))
                loop = ast.While(
                    test=statement.test,
                    body=[count] + self.forward(statement.body, depth + 1),
                    orelse=[],
                )
                out.append(ast.copy_location(loop, statement))
                if depth > 0:
                    out.append(self._push(_load(counter)))
            elif isinstance(statement, ast.Return):
                continue
            else:
                out.append(statement)
        return out

    def _updates_in_place(self, statement: ast.Assign) -> bool:
        return self.activity.operations[id(statement)].kind in ("setitem", "append")

    def _forward_in_place(self, statement: ast.Assign) -> list:
        """``y[i] = v`` (saving the values it overwrites when they are needed) or ``items.append(v)``."""
        operation = self.activity.operations[id(statement)]
        name = statement.targets[0].id
        if operation.kind == "append":
            call = _method(name, "append", copy.deepcopy(operation.args[1]))
            return [ast.copy_location(ast.Expr(value=call), statement)]
        out = []
        slot = ast.Subscript(
            value=_load(name), slice=copy.deepcopy(operation.index), ctx=ast.Load()
        )
        if name in self.needed:
            copied = _call(
                ast.Attribute(value=_load(self.context.numpy), attr="copy", ctx=ast.Load()), slot
            )
            out.append(self._push(copied))
        target = ast.Subscript(
            value=_load(name), slice=copy.deepcopy(operation.index), ctx=ast.Store()
        )
        out.append(
            ast.copy_location(
                ast.Assign(targets=[target], value=copy.deepcopy(operation.args[1])), statement
            )
        )
        return out

    def _undo_in_place(self, statement: ast.Assign) -> list:
        """Put back what ``_forward_in_place`` changed: the saved values at ``i``, or the appended item."""
        operation = self.activity.operations[id(statement)]
        name = statement.targets[0].id
        if operation.kind == "append":
            return [ast.Expr(value=_method(name, "pop"))]
        if name not in self.needed:
            return []
        target = ast.Subscript(
            value=_load(name), slice=copy.deepcopy(operation.index), ctx=ast.Store()
        )
        return [ast.Assign(targets=[target], value=self._pop())]

    def _push(self, value: ast.expr) -> ast.Expr:
        self.uses_tape = True
        return push(self.tape, value)

    def _pop(self) -> ast.Call:
        self.uses_tape = True
        return pop(self.tape)

    def possibly_unbound(self) -> list:
        """Saved names that may have no value yet where they are first pushed, and names a zero cotangent is
        shaped like that may have none: they start as None."""
        params = set(_parameters(self.function))
        unbound = []
        defined = set(params)
        for statement in assignments(self.function.body):
            name = statement.targets[0].id
            if id(statement) in self._first:
                defined.add(name)
            elif self._saves(statement) and name not in defined and name not in unbound:
                unbound.append(name)
        # a zero cotangent shaped like a name that a skipped branch or an early return left unassigned
        unbound += sorted(self._zeroed - defined - set(unbound))
        return unbound

    # ---- the backward sweep ----------------------------------------------------------------------------

    def backward(self, body: list, depth: int, live: set) -> list:
        """Adjoint statements of ``body`` in reverse order; ``live`` holds the adjoints that are set."""
        out = []
        current_line = None
        for statement in reversed(body):
            if isinstance(statement, ast.Assign):
                code = self._adjoint_of_assignment(statement, depth, live)
            elif isinstance(statement, ast.If) and (
                is_loop_exit(statement) or not self._has_adjoint(statement)
            ):
                code = []
            elif isinstance(statement, ast.If):
                code = self._adjoint_of_if(statement, depth, live)
            elif isinstance(statement, ast.For):
                code = self._adjoint_of_for(statement, depth, live)
            elif isinstance(statement, ast.While):
                code = self._adjoint_of_while(statement, depth, live)
            else:
                code = []
            if not code:
                continue
            line = getattr(statement, "lineno", None)
            if (
                line != current_line
                and isinstance(statement, ast.Assign)
                and any(not self._is_restore(c) for c in code)
            ):
                text = self.context.parsed.line(line)
                if text:
                    out.append(comment("grad of: " + text.strip()))
                current_line = line
            elif not isinstance(statement, ast.Assign):
                current_line = None
            out.extend(code)
        return out

    def _is_restore(self, statement) -> bool:
        return isinstance(statement, ast.Assign) and is_pop(statement.value)

    def _restore(self, name: str) -> ast.Assign:
        return _assign(name, self._pop())

    def _adjoint_of_assignment(self, statement: ast.Assign, depth: int, live: set) -> list:
        target = statement.targets[0].id
        adjoint = self.namer.adjoint(target)
        if self._updates_in_place(statement):
            restore = self._undo_in_place(statement)
        else:
            restore = [self._restore(target)] if self._saves(statement) else []
        if id(statement) in self._calls and depth > 0:
            restore.insert(0, self._restore(self._calls[id(statement)][1]))
        contributions = self._plans.get(id(statement))
        if contributions is None or adjoint not in live:
            return restore
        grouped: dict = {}
        for contribution in contributions:
            grouped.setdefault(contribution.target, []).append(contribution.expression)
        own = grouped.pop(target, None)
        out = []
        if id(statement) in self._calls and depth > 0:
            out.append(restore.pop(0))  # the pullback of this iteration
        result = target
        if own is not None and restore:
            # x = f(x): the rule reads the old x, restored now, and maybe the result, kept aside first
            if any(mentions(e, _RESULT) for exprs in [own, *grouped.values()] for e in exprs):
                result = self.namer.fresh("_ans")
                out.append(_assign(result, _load(target)))
            out += restore
            restore = []
        for prelude in self._preludes.get(id(statement), []):
            out.append(_assign(prelude.targets[0].id, _rename(prelude.value, _RESULT, result)))
        own = [_rename(e, _RESULT, result) for e in own] if own is not None else None
        for name, expressions in grouped.items():
            expressions = [_rename(e, _RESULT, result) for e in expressions]
            out.append(self._accumulate(name, expressions, live))
        if own is not None:
            out.append(_assign(adjoint, self._sum(own, target)))
        else:
            live.discard(adjoint)
        return out + restore

    def _sum(self, expressions: list, name: str) -> ast.expr:
        """The sum of cotangents of ``name``: item by item where it may be a list or tuple."""
        total = expressions[0]
        for expression in expressions[1:]:
            total = self._add(total, expression, name, expressions)
        return total

    def _add(self, left: ast.expr, right: ast.expr, name: str, expressions: list) -> ast.expr:
        if name in self.containers or any(is_runtime_call(e, "index_add") for e in expressions):
            return _call(self.context.reference(self._runtime("add")), left, right)
        return ast.BinOp(left=left, op=ast.Add(), right=right)

    def _accumulate(self, name: str, expressions: list, live: set) -> ast.Assign:
        adjoint = self.namer.adjoint(name)
        value = self._sum(expressions, name)
        if adjoint in live:
            value = self._add(_load(adjoint), value, name, expressions)
        live.add(adjoint)
        return _assign(adjoint, value)

    def _zero(self, adjoint: str) -> ast.Assign:
        primal = self.namer.primal(adjoint)
        if self.scalar:
            return _assign(adjoint, ast.Constant(0.0))
        self._zeroed.add(primal)
        return _assign(
            adjoint, _call(self.context.reference(self._runtime("zeros_like")), _load(primal))
        )

    def _adjoint_of_if(self, statement: ast.If, depth: int, live: set) -> list:
        test = self._conditions[id(statement)]
        then_live, else_live = set(live), set(live)
        then_code = self.backward(statement.body, depth, then_live)
        else_code = self.backward(statement.orelse, depth, else_live)
        both = then_live | else_live
        then_code += [self._zero(a) for a in sorted(both - then_live)]
        else_code += [self._zero(a) for a in sorted(both - else_live)]
        live.clear()
        live.update(both)
        out = []
        if depth > 0:
            out.append(_assign(test, self._pop()))
        if then_code or else_code:
            out.append(ast.If(test=_load(test), body=then_code or [ast.Pass()], orelse=else_code))
        return out

    def _loop_body(self, body: list, depth: int, live: set):
        """The backward body of a loop, with the adjoints it needs set before the loop."""
        start = set(live)
        before = []
        while True:
            end = set(start)
            code = self.backward(body, depth + 1, end)
            missing = end - start
            if not missing:
                break
            before += [self._zero(a) for a in sorted(missing)]
            start |= missing
        code += [self._zero(a) for a in sorted(start - end)]
        live.clear()
        live.update(start)
        fresh = {statement.targets[0].id for statement in before}
        return before, [self._accumulate_in_place(s, fresh, code) for s in code]

    def _accumulate_in_place(self, statement, fresh: set, code: list):
        """``a = _rt.add(a, _rt.index_add(g, x, i))`` becomes ``a = _rt.add_at(a, i, g)`` where ``a`` is a fresh
        accumulator (zeroed just before the loop) that the loop body touches in no other way."""
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            for field in ("body", "orelse"):
                setattr(
                    statement,
                    field,
                    [self._accumulate_in_place(s, fresh, code) for s in getattr(statement, field)],
                )
            return statement
        index_add = self._indexed_accumulation(statement)
        if index_add is None or statement.targets[0].id not in fresh:
            return statement
        name = statement.targets[0].id
        uses = sum(1 for s in code for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name)
        accumulations = sum(
            1
            for s in code
            for n in ast.walk(s)
            if isinstance(n, ast.Assign)
            and self._indexed_accumulation(n) is not None
            and n.targets[0].id == name
        )
        if (
            uses != 2 * accumulations
        ):  # each accumulation reads and writes it once: nothing else may see it
            return statement
        g, _, index = index_add.args
        return _assign(
            name, _call(self.context.reference(self._runtime("add_at")), _load(name), index, g)
        )

    def _indexed_accumulation(self, statement):
        """The index_add call of ``a = _rt.add(a, _rt.index_add(...))``, or None."""
        if not (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)):
            return None
        value = statement.value
        if not (
            is_runtime_call(value, "add")
            and len(value.args) == 2
            and isinstance(value.args[0], ast.Name)
            and value.args[0].id == statement.targets[0].id
            and is_runtime_call(value.args[1], "index_add")
        ):
            return None
        return value.args[1]

    def _adjoint_of_for(self, statement: ast.For, depth: int, live: set) -> list:
        before, code = self._loop_body(statement.body, depth, live)
        counter = self._counters.get(id(statement))
        if counter is not None and depth > 0:
            before.insert(0, _assign(counter, self._pop()))
        if not code:
            return before
        iterations = statement.iter
        if counter is not None:  # only the iterations that ran before the break
            iterations = ast.Subscript(
                value=statement.iter, slice=ast.Slice(upper=_load(counter)), ctx=ast.Load()
            )
        reverse = _call(_load("reversed"), iterations)
        loop = ast.For(target=statement.target, iter=reverse, body=code, orelse=[])
        return before + [ast.copy_location(loop, statement)]

    def _adjoint_of_while(self, statement: ast.While, depth: int, live: set) -> list:
        counter = self._counters[id(statement)]
        before, code = self._loop_body(statement.body, depth, live)
        out = [_assign(counter, self._pop())] if depth > 0 else []
        if not code:
            return out + before
        loop = ast.For(
            target=_store("_"), iter=_call(_load("range"), _load(counter)), body=code, orelse=[]
        )
        return out + before + [ast.copy_location(loop, statement)]

    # ---- the whole function ----------------------------------------------------------------------------

    def build(
        self, name: str, returned: str, with_value: bool, aux: str | None = None
    ) -> ast.FunctionDef:
        forward = self.forward(self.function.body, 0)
        live: set = set()
        seed = []
        value_name = returned
        if with_value and returned in self.saved:
            # the backward sweep restores earlier values of the result: keep the one to return
            value_name = self.namer.fresh("_value")
            seed.append(_assign(value_name, _load(returned)))
        seed_call = _call(self.context.reference(self._runtime("seed")), _load(returned))
        if returned in self.active and (self.scalar or self._certainly_scalar(returned)):
            # a full reduction: the output is a scalar, its cotangent 1, and its value is not needed
            adjoint = self.namer.adjoint(returned)
            seed.append(_assign(adjoint, ast.Constant(1.0)))
            live.add(adjoint)
        elif returned in self.active:
            adjoint = self.namer.adjoint(returned)
            is_float = ast.Compare(
                left=_call(_load("type"), _load(returned)),
                ops=[ast.Is()],
                comparators=[_load("float")],
            )
            seed.append(
                _assign(adjoint, ast.IfExp(test=is_float, body=ast.Constant(1.0), orelse=seed_call))
            )
            live.add(adjoint)
        elif not self.scalar:
            seed.append(ast.Expr(value=seed_call))
        backward = self.backward(self.function.body, 0, live)
        results = []
        for param in self.wrt:
            adjoint = self.namer.adjoint(param)
            if adjoint not in live:
                backward.append(self._zero(adjoint))
            results.append(_load(adjoint))
        gradient = results[0] if len(results) == 1 else ast.Tuple(elts=results, ctx=ast.Load())
        if aux is not None:  # has_aux: ((value, aux), gradient), or (gradient, aux)
            value = (
                ast.Tuple(
                    elts=[
                        ast.Tuple(elts=[_load(value_name), _load(aux)], ctx=ast.Load()),
                        gradient,
                    ],
                    ctx=ast.Load(),
                )
                if with_value
                else ast.Tuple(elts=[gradient, _load(aux)], ctx=ast.Load())
            )
        else:
            value = (
                ast.Tuple(elts=[_load(value_name), gradient], ctx=ast.Load())
                if with_value
                else gradient
            )
        prologue = [_assign(n, ast.Constant(None)) for n in self.possibly_unbound()]
        if self.uses_tape:
            prologue.insert(0, new_tape(self.tape))
        body = prologue + forward + seed + backward + [ast.Return(value=value)]
        result = ast.FunctionDef(
            name=name,
            args=copy.deepcopy(self.function.args),
            body=body,
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        return ast.fix_missing_locations(result)

    def _certainly_scalar(self, name: str) -> bool:
        """Whether ``name`` is assigned once, by a numpy reduction over all axes (np.sum(x), x.mean()...)."""
        definitions = [s for s in assignments(self.function.body) if s.targets[0].id == name]
        if len(definitions) != 1:
            return False
        operation = self.activity.operations[id(definitions[0])]
        if operation.kind != "rule" or operation.callee not in _FULL_REDUCTIONS:
            return False
        axis = operation.args[1] if len(operation.args) > 1 else operation.keywords.get("axis")
        keepdims = operation.keywords.get("keepdims")
        return (axis is None or (isinstance(axis, ast.Constant) and axis.value is None)) and (
            keepdims is None or (isinstance(keepdims, ast.Constant) and not keepdims.value)
        )

    def build_vjp(
        self, name: str, returned: str, wrt=None, aux: str | None = None
    ) -> ast.FunctionDef:
        """``name(*args) -> (result, pullback)``: the forward sweep, and the backward sweep as a closure.

        The pullback takes the cotangent of the result and returns one cotangent per parameter (or per name in
        ``wrt``). It restores the forward sweep's values as it goes, so each pullback is called once. With
        ``aux``, the function returns ``(result, pullback, aux)``.
        """
        forward = self.forward(self.function.body, 0)
        adjoint = self.namer.adjoint(returned)
        live = {adjoint} if returned in self.active else set()
        backward = self.backward(self.function.body, 0, live)
        results = []
        for param in (wrt if wrt is not None else _parameters(self.function)):
            param_adjoint = self.namer.adjoint(param)
            if param_adjoint not in live:
                backward.append(self._zero(param_adjoint))
            results.append(_load(param_adjoint))
        backward.append(ast.Return(value=ast.Tuple(elts=results, ctx=ast.Load())))
        prologue = [_assign(n, ast.Constant(None)) for n in self.possibly_unbound()]
        if self.uses_tape:
            prologue.insert(0, new_tape(self.tape))
        outer = set(_parameters(self.function)) | stored_names(prologue + forward)
        shared = sorted(stored_names(backward) & outer)
        pullback_body = ([ast.Nonlocal(names=shared)] if shared else []) + backward
        pullback_name = self.namer.unique("pullback")
        pullback = ast.FunctionDef(
            name=pullback_name,
            args=ast.arguments(
                posonlyargs=[],
                args=[ast.arg(arg=adjoint)],
                vararg=None,
                kwonlyargs=[],
                kw_defaults=[],
                kwarg=None,
                defaults=[],
            ),
            body=pullback_body,
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        outputs = [_load(returned), _load(pullback_name)] + ([_load(aux)] if aux else [])
        result = ast.Tuple(elts=outputs, ctx=ast.Load())
        arguments = copy.deepcopy(self.function.args)
        arguments.defaults, arguments.kw_defaults = [], [None] * len(arguments.kwonlyargs)
        body = prologue + forward + [pullback, ast.Return(value=result)]
        function = ast.FunctionDef(
            name=name, args=arguments, body=body, decorator_list=[], returns=None, type_params=[]
        )
        return ast.fix_missing_locations(function)


def _all_names(function: ast.FunctionDef) -> set:
    return {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | set(
        _parameters(function)
    )


def scalar_closed(function: ast.FunctionDef, activity: Activity, context: Context) -> bool:
    """Whether called with Python numbers only, every value the function computes is a Python number.

    True for arithmetic, comparisons, ``math`` functions and numpy's elementwise functions on scalars; false
    as soon as anything builds or indexes an array or a sequence, or calls another function.
    """
    import math

    for statement in assignments(function.body):
        operation = activity.operations[id(statement)]
        if operation.kind in ("copy", "constant"):
            if isinstance(statement.value, (ast.Tuple, ast.List, ast.Attribute, ast.Subscript)):
                return False
            if isinstance(statement.value, ast.Constant) and not isinstance(
                statement.value.value, (int, float)
            ):
                return False  # None where a path ends without a return, a string
            continue
        if operation.kind != "rule":
            return False
        callee = operation.callee
        if isinstance(callee, type) and issubclass(callee, ast.AST):
            if callee is ast.MatMult:
                return False
            continue
        if (
            getattr(callee, "__module__", None) == "math"
            or getattr(math, getattr(callee, "__name__", ""), None) is callee
        ):
            continue
        if callee in _SCALAR_NUMPY or callee in (builtins.abs, builtins.float):
            continue
        return False
    return True
