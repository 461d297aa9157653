"""Forward mode: tangent-linear code, the tangent ``dx`` computed beside each value ``x``.

Branches and loops keep their shape: the tangents are computed in the same pass as the values, so nothing
needs saving. Calls to the user's functions go to their generated jvp functions.

What the pass writes (from the normal form, before ``passes/optimize/`` runs: ``stage="adjoint"``):

>>> import numpy as np, srcdiff
>>> def f(x):
...     y = np.sin(x) * x
...     return np.sum(y)
>>> print(srcdiff.source(f, mode="forward", stage="adjoint"))
def jvp_f(x, dx):
    _t1 = np.sin(x)
    d_t1 = dx * np.cos(x)
    y = _t1 * x
    dy = d_t1 * x + dx * _t1
    _t2 = np.sum(y)
    d_t2 = np.sum(dy)
    return _t2, d_t2
<BLANKLINE>
"""

from __future__ import annotations

import ast
import copy

from ... import runtime
from ...context import Context
from ...analysis.activity import Activity, Operation
from ...analysis.defuse import parameters
from ...analysis.normal_form import is_loop_exit
from ...rules.templates import bind_arguments
from ...vocabulary import RESULT as _RESULT
from ...vocabulary import append, pop
from ...vocabulary import assign as _assign
from ...vocabulary import call as _call
from ...vocabulary import load as _load
from ...vocabulary import rename as _rename
from ...vocabulary import store as _store
from .terms import TangentTerms


class ForwardMode:
    """Builds the jvp function ``f(*args, *tangents) -> (value, tangent)`` from a function in normal form."""

    def __init__(
        self, context: Context, function: ast.FunctionDef, varied_params: list, activity: Activity
    ):
        self.context = context
        self.function = function
        self.varied_params = varied_params
        self.activity = activity
        self.active = activity.active
        self.namer = context.namer
        self.tangents: dict = {}
        self.terms = TangentTerms(context, self.active, self.tangent)

    def tangent(self, name: str) -> str:
        """The tangent variable of ``name``: ``dx`` for ``x``."""
        if name not in self.tangents:
            self.tangents[name] = self.namer.unique("d" + name)
        return self.tangents[name]

    def _runtime(self, name: str) -> ast.expr:
        return self.context.reference(getattr(runtime, name))

    def _tangent_or_zero(self, atom: ast.expr) -> ast.expr:
        return self.terms.tangent_or_zero(atom)

    # ---- statements ------------------------------------------------------------------------------------

    def block(self, body: list) -> list:
        out = []
        for statement in body:
            if (
                isinstance(statement, ast.Assign)
                and self.activity.operation(statement).kind in ("append", "setitem")
                and statement.targets[0].id not in self.active
            ):
                out.append(_in_place(statement, self.activity.operation(statement)))
            elif isinstance(statement, ast.Assign):
                out.extend(self._assignment(statement))
            elif isinstance(statement, ast.If) and not is_loop_exit(statement):
                out.append(
                    ast.copy_location(
                        ast.If(
                            test=statement.test,
                            body=self.block(statement.body) or [ast.Pass()],
                            orelse=self.block(statement.orelse),
                        ),
                        statement,
                    )
                )
            elif isinstance(statement, ast.For):
                out.append(
                    ast.copy_location(
                        ast.For(
                            target=statement.target,
                            iter=statement.iter,
                            body=self.block(statement.body),
                            orelse=[],
                        ),
                        statement,
                    )
                )
            elif isinstance(statement, ast.While):
                out.append(
                    ast.copy_location(
                        ast.While(test=statement.test, body=self.block(statement.body), orelse=[]),
                        statement,
                    )
                )
            elif isinstance(statement, ast.Return):
                continue
            else:
                out.append(statement)
        return out

    def _assignment(self, statement: ast.Assign) -> list:
        target = statement.targets[0].id
        operation = self.activity.operation(statement)
        if operation.kind == "pop":
            return self._pop(statement, operation, target)
        if target not in self.active:
            return [statement]
        tangent = self.tangent(target)
        if operation.kind == "call":
            return self._call_statement(statement, operation, tangent)
        if operation.kind == "append":
            item = operation.args[1]
            grow = append(tangent, self._tangent_or_zero(item))
            return [_in_place(statement, operation), ast.Expr(value=grow)]
        if operation.kind == "setitem":
            value = operation.args[1]
            update = _call(
                self._runtime("with_item"),
                self._tangent_or_zero(operation.args[0]),
                copy.deepcopy(operation.index),
                self._tangent_or_zero(value),
            )
            return [_assign(tangent, update), _in_place(statement, operation)]
        terms = self.terms.of(statement, operation)
        reads_result = any(
            isinstance(n, ast.Name) and n.id == _RESULT for t in terms for n in ast.walk(t)
        )
        operands = {n.id for a in operation.args for n in ast.walk(a) if isinstance(n, ast.Name)}
        if not terms:
            value = _call(self._runtime("zeros_like"), _load(target))
            return [statement, _assign(tangent, value)]
        total = terms[0]
        for term in terms[1:]:
            total = ast.BinOp(left=total, op=ast.Add(), right=term)
        if self.terms.may_broadcast(operation):
            total = _call(self._runtime("tangent_like"), total, _load(_RESULT))
            reads_result = True
        if target in operands:
            # x = f(x): the tangent reads the old x, so it comes first (the result is computed before it
            # when the tangent needs it too)
            if reads_result:
                result = self.namer.fresh("_new")
                value = copy.deepcopy(statement.value)
                return [
                    _assign(result, value),
                    _assign(tangent, _rename(total, _RESULT, result)),
                    ast.copy_location(_assign(target, _load(result)), statement),
                ]
            return [_assign(tangent, total), statement]
        return [statement, _assign(tangent, _rename(total, _RESULT, target))]

    def _pop(self, statement: ast.Assign, operation: Operation, target: str) -> list:
        """``v = items.pop()``: the tangent list loses its last item too, whatever becomes of it."""
        items = operation.args[0].id
        primal = ast.Assign(
            targets=[_store(target)],
            value=pop(items),
        )
        out = [ast.copy_location(primal, statement)]
        if items in self.active:
            tangents = pop(self.tangent(items))
            out.append(_assign(self.tangent(target), tangents))
        return out

    def _call_statement(self, statement, operation: Operation, tangent: str) -> list:
        callee = operation.callee
        arguments = bind_arguments(callee, operation.args, operation.keywords, self.context)
        jvp = self.context.module.request(callee, self.context)
        self.context.module.guards.append(self.context.binding(statement.value.func, callee))
        values = [value for _, value, _ in arguments]
        tangents = [self._tangent_or_zero(value) for value in values]
        call = _call(_load(jvp), *values, *tangents)
        target = statement.targets[0].id
        pair = ast.Tuple(elts=[_store(target), _store(tangent)], ctx=ast.Store())
        return [ast.copy_location(ast.Assign(targets=[pair], value=call), statement)]

    # ---- the whole function ----------------------------------------------------------------------------

    def build(self, name: str, returned: str, tangent_params: list) -> ast.FunctionDef:
        params = parameters(self.function)
        prologue = []
        for param in params:
            if param in self.active and param not in tangent_params:
                prologue.append(
                    _assign(self.tangent(param), _call(self._runtime("zeros_like"), _load(param)))
                )
        body = self.block(self.function.body)
        if returned in self.active:
            result_tangent = _load(self.tangent(returned))
        else:
            result_tangent = _call(self._runtime("zeros_like"), _load(returned))
        value = ast.Tuple(elts=[_load(returned), result_tangent], ctx=ast.Load())
        arguments = ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p) for p in params]
            + [ast.arg(arg=self.tangent(p)) for p in tangent_params],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        )
        function = ast.FunctionDef(
            name=name,
            args=arguments,
            body=prologue + body + [ast.Return(value=value)],
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        return ast.fix_missing_locations(function)


def _in_place(statement: ast.Assign, operation: Operation) -> ast.stmt:
    """The normal form's ``y = _rt.setitem(y, i, v)`` and ``xs = _rt.append(xs, v)`` as written: ``y[i] = v``,
    ``xs.append(v)``."""
    name = statement.targets[0].id
    if operation.kind == "append":
        call = append(name, copy.deepcopy(operation.args[1]))
        return ast.copy_location(ast.Expr(value=call), statement)
    target = ast.Subscript(value=_load(name), slice=copy.deepcopy(operation.index), ctx=ast.Store())
    return ast.copy_location(
        ast.Assign(targets=[target], value=copy.deepcopy(operation.args[1])), statement
    )
