"""The forward sweep of reverse mode: the function's own statements, plus what the backward sweep needs.

Before a statement overwrites a value the backward sweep reads, the value is pushed on the tape; a call of the
user's function goes to its vjp function and keeps the pullback; a branch records its test, and a loop that
may stop early or a ``while`` loop counts its iterations. Inside loops, those records go on the tape too.
"""

from __future__ import annotations

import ast
import copy

from ... import runtime
from ...analysis.defuse import assignments
from ...analysis.defuse import parameters as _parameters
from ...analysis.normal_form import is_loop_exit
from ...vocabulary import append
from ...vocabulary import assign as _assign
from ...vocabulary import call as _call
from ...vocabulary import load as _load
from ...vocabulary import store as _store
from .names import may_break
from .planning import Plan


class ForwardSweep:
    """Writes the forward sweep of ``plan``'s function, naming recorded tests and counters in its facts."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.facts = plan.facts
        self.namer = plan.namer
        self.tape = plan.tape
        self.stand_ins: list = []  # (name, the push of a stand-in of its shape)

    def sweep(self, body: list, depth: int) -> list:
        out = []
        for statement in body:
            if isinstance(statement, ast.Assign) and self.plan.updates_in_place(statement):
                out.extend(self._in_place(statement))
            elif isinstance(statement, ast.Assign):
                out.extend(self._assignment(statement, depth))
            elif isinstance(statement, ast.If) and (
                is_loop_exit(statement) or not self.plan.has_adjoint(statement)
            ):
                out.append(
                    statement
                )  # nothing of it is undone or differentiated: no need to record it
            elif isinstance(statement, ast.If):
                out.extend(self._branch(statement, depth))
            elif isinstance(statement, ast.For):
                out.extend(self._for(statement, depth))
            elif isinstance(statement, ast.While):
                out.extend(self._while(statement, depth))
            elif not isinstance(statement, ast.Return):
                out.append(statement)
        return out

    def _assignment(self, statement: ast.Assign, depth: int) -> list:
        out = []
        if self.plan.saves(statement):
            out.append(self._save(statement.targets[0].id))
        facts = self.facts[statement]
        if facts.call is None:
            return out + [statement]
        targets = ast.Tuple(
            elts=[_store(statement.targets[0].id), _store(facts.pullback)], ctx=ast.Store()
        )
        out.append(ast.copy_location(ast.Assign(targets=[targets], value=facts.call), statement))
        if depth > 0:
            out.append(self.tape.push(_load(facts.pullback)))
        return out

    def _save(self, name: str) -> ast.Expr:
        """Push the value ``name`` holds before it is overwritten; where the backward sweep reads it only for
        its shape, a stand-in that holds no data (``_rt.stand_in``)."""
        if not self.plan.keeps_shape_only(name):
            return self.tape.push(_load(name))
        stand_in = _call(self.plan.context.reference(runtime.stand_in), _load(name))
        saved = self.tape.push(stand_in)
        self.stand_ins.append((name, saved))
        return saved

    def keep_values_of_zeroed(self) -> None:
        """Push the values themselves of the names that, as the backward sweep turned out, shape a zero
        cotangent (a zero cotangent takes its primal's type and dtype, not only its shape)."""
        for name, saved in self.stand_ins:
            if name in self.plan.zeroed:
                saved.value = self.tape.push(_load(name)).value

    def _branch(self, statement: ast.If, depth: int) -> list:
        test = self.namer.fresh("_c")
        self.facts[statement].condition = test
        out = [ast.copy_location(_assign(test, statement.test), statement)]
        branch = ast.If(
            test=_load(test),
            body=self.sweep(statement.body, depth) or [ast.Pass()],
            orelse=self.sweep(statement.orelse, depth),
        )
        out.append(ast.copy_location(branch, statement))
        if depth > 0:
            out.append(self.tape.push(_load(test)))
        return out

    def _for(self, statement: ast.For, depth: int) -> list:
        out = []
        body = self.sweep(statement.body, depth + 1)
        if may_break(statement):
            # the backward loop runs over the iterations that ran: count them
            counter = self.namer.fresh("_n")
            self.facts[statement].counter = counter
            out.append(_assign(counter, ast.Constant(0)))
            body.insert(0, _count(counter))
        loop = ast.For(target=statement.target, iter=statement.iter, body=body, orelse=[])
        out.append(ast.copy_location(loop, statement))
        if may_break(statement) and depth > 0:
            out.append(self.tape.push(_load(self.facts[statement].counter)))
        return out

    def _while(self, statement: ast.While, depth: int) -> list:
        counter = self.namer.fresh("_n")
        self.facts[statement].counter = counter
        out = [_assign(counter, ast.Constant(0))]
        loop = ast.While(
            test=statement.test,
            body=[_count(counter)] + self.sweep(statement.body, depth + 1),
            orelse=[],
        )
        out.append(ast.copy_location(loop, statement))
        if depth > 0:
            out.append(self.tape.push(_load(counter)))
        return out

    def _in_place(self, statement: ast.Assign) -> list:
        """``y[i] = v`` (saving the values it overwrites when they are needed) or ``items.append(v)``."""
        operation = self.facts[statement].operation
        name = statement.targets[0].id
        if operation.kind == "append":
            call = append(name, copy.deepcopy(operation.args[1]))
            return [ast.copy_location(ast.Expr(value=call), statement)]
        out = []
        if name in self.plan.needed:
            saved = _call(
                self.plan.context.reference(runtime.saved_item),
                _load(name),
                copy.deepcopy(operation.index),
            )
            out.append(self.tape.push(saved))
        target = ast.Subscript(
            value=_load(name), slice=copy.deepcopy(operation.index), ctx=ast.Store()
        )
        update = ast.Assign(targets=[target], value=copy.deepcopy(operation.args[1]))
        out.append(ast.copy_location(update, statement))
        return out


def _count(counter: str) -> ast.AugAssign:
    """``counter += 1``."""
    return ast.AugAssign(target=_store(counter), op=ast.Add(), value=ast.Constant(1))


def possibly_unbound(plan: Plan) -> list:
    """Saved names that may have no value yet where they are first pushed, and names a zero cotangent is
    shaped like that may have none: they start as None."""
    unbound = []
    defined = set(_parameters(plan.function))
    for statement in assignments(plan.function.body):
        name = statement.targets[0].id
        if plan.facts[statement].first_definition:
            defined.add(name)
        elif plan.saves(statement) and name not in defined and name not in unbound:
            unbound.append(name)
    # a zero cotangent shaped like a name that a skipped branch or an early return left unassigned
    unbound += sorted(plan.zeroed - defined - set(unbound))
    return unbound
