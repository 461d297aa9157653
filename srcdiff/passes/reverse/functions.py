"""The functions reverse mode builds: the gradient function, and the vjp function with its pullback.

``ReverseMode`` plans a function once (``planning.py``), then ``build`` or ``build_vjp`` puts together the
forward sweep, the seed of the backward sweep, the backward sweep and what they return.
"""

from __future__ import annotations

import ast
import copy

import numpy as np

from ... import runtime
from ...context import Context
from ...analysis.activity import Activity
from ...analysis.defuse import assignments, stored_names
from ...analysis.defuse import parameters as _parameters
from ...vocabulary import assign as _assign
from ...vocabulary import call as _call
from ...vocabulary import load as _load
from ...vocabulary import new_tape
from .backward_sweep import BackwardSweep
from .forward_sweep import ForwardSweep, possibly_unbound
from .planning import Plan

# numpy reductions whose result is a scalar when they reduce over every axis
_FULL_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.var, np.std, np.amax, np.amin}


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
        self.namer = context.namer
        self.plan = Plan(context, function, activity, scalar, checked)
        self.tape = self.plan.tape.name

    def _prologue(self) -> list:
        """``_tape = []`` where the sweeps use a tape, and None for names that may be read unbound."""
        prologue = [_assign(n, ast.Constant(None)) for n in possibly_unbound(self.plan)]
        if self.plan.tape.used:
            prologue.insert(0, new_tape(self.tape))
        return prologue

    def _seed(self, returned: str, with_value: bool, live: set) -> tuple:
        """The statements that start the backward sweep at ``returned``, and the name of the value returned."""
        plan = self.plan
        seed = []
        value_name = returned
        if with_value and returned in plan.saved:
            # the backward sweep restores earlier values of the result: keep the one to return
            value_name = self.namer.fresh("_value")
            seed.append(_assign(value_name, _load(returned)))
        seed_call = _call(self.context.reference(runtime.seed), _load(returned))
        if returned in plan.active and (plan.scalar or self._certainly_scalar(returned)):
            # a full reduction: the output is a scalar, its cotangent 1, and its value is not needed
            adjoint = self.namer.adjoint(returned)
            seed.append(_assign(adjoint, ast.Constant(1.0)))
            live.add(adjoint)
        elif returned in plan.active:
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
        elif not plan.scalar:
            seed.append(ast.Expr(value=seed_call))
        return seed, value_name

    def build(
        self, name: str, returned: str, with_value: bool, aux: str | None = None
    ) -> ast.FunctionDef:
        forward_sweep = ForwardSweep(self.plan)
        forward = forward_sweep.sweep(self.function.body, 0)
        live: set = set()
        seed, value_name = self._seed(returned, with_value, live)
        backward_sweep = BackwardSweep(self.plan)
        backward = backward_sweep.sweep(self.function.body, 0, live)
        results = []
        for param in self.wrt:
            adjoint = self.namer.adjoint(param)
            if adjoint not in live:
                backward.append(backward_sweep.zero(adjoint))
            results.append(_load(adjoint))
        forward_sweep.keep_values_of_zeroed()
        gradient = results[0] if len(results) == 1 else ast.Tuple(elts=results, ctx=ast.Load())
        if aux is not None:  # has_aux: ((value, aux), gradient), or (gradient, aux)
            value = (
                _tuple(_tuple(_load(value_name), _load(aux)), gradient)
                if with_value
                else _tuple(gradient, _load(aux))
            )
        else:
            value = _tuple(_load(value_name), gradient) if with_value else gradient
        body = self._prologue() + forward + seed + backward + [ast.Return(value=value)]
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
        operation = self.plan.facts[definitions[0]].operation
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
        forward_sweep = ForwardSweep(self.plan)
        forward = forward_sweep.sweep(self.function.body, 0)
        adjoint = self.namer.adjoint(returned)
        live = {adjoint} if returned in self.plan.active else set()
        backward_sweep = BackwardSweep(self.plan)
        backward = backward_sweep.sweep(self.function.body, 0, live)
        results = []
        for param in wrt if wrt is not None else _parameters(self.function):
            param_adjoint = self.namer.adjoint(param)
            if param_adjoint not in live:
                backward.append(backward_sweep.zero(param_adjoint))
            results.append(_load(param_adjoint))
        backward.append(ast.Return(value=ast.Tuple(elts=results, ctx=ast.Load())))
        forward_sweep.keep_values_of_zeroed()
        prologue = self._prologue()
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
        arguments = copy.deepcopy(self.function.args)
        arguments.defaults, arguments.kw_defaults = [], [None] * len(arguments.kwonlyargs)
        body = prologue + forward + [pullback, ast.Return(value=_tuple(*outputs))]
        function = ast.FunctionDef(
            name=name, args=arguments, body=body, decorator_list=[], returns=None, type_params=[]
        )
        return ast.fix_missing_locations(function)


def _tuple(*elements: ast.expr) -> ast.Tuple:
    return ast.Tuple(elts=list(elements), ctx=ast.Load())
