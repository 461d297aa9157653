"""The backward sweep of reverse mode: adjoint statements in reverse order, restoring saved values as it goes.

An assignment's adjoint adds its contributions (planned by ``chain_rule.py``) to its operands' adjoints; an
``if`` becomes an ``if`` on its recorded test, a loop a loop over the same iterations in reverse. ``live``
holds the adjoints that are set at each point: an adjoint set on one path only is zeroed on the others.
"""

from __future__ import annotations

import ast
import copy

from ... import runtime
from ...analysis.defuse import mentions
from ...analysis.normal_form import is_loop_exit
from ...vocabulary import RESULT as _RESULT
from ...vocabulary import assign as _assign
from ...vocabulary import call as _call
from ...vocabulary import comment, is_pop, pop
from ...vocabulary import load as _load
from ...vocabulary import rename as _rename
from ...vocabulary import store as _store
from .accumulation import Accumulator
from .planning import Plan


class BackwardSweep:
    """Writes the backward sweep of ``plan``'s function (after its forward sweep named tests and counters)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.facts = plan.facts
        self.namer = plan.namer
        self.tape = plan.tape
        self.accumulator = Accumulator(plan.context, plan.containers)

    def sweep(self, body: list, depth: int, live: set) -> list:
        """Adjoint statements of ``body`` in reverse order; ``live`` holds the adjoints that are set."""
        out = []
        current_line = None
        for statement in reversed(body):
            if isinstance(statement, ast.Assign):
                code = self._assignment(statement, depth, live)
            elif isinstance(statement, ast.If) and (
                is_loop_exit(statement) or not self.plan.has_adjoint(statement)
            ):
                code = []
            elif isinstance(statement, ast.If):
                code = self._branch(statement, depth, live)
            elif isinstance(statement, ast.For):
                code = self._for(statement, depth, live)
            elif isinstance(statement, ast.While):
                code = self._while(statement, depth, live)
            else:
                code = []
            if not code:
                continue
            line = getattr(statement, "lineno", None)
            if (
                line != current_line
                and isinstance(statement, ast.Assign)
                and any(not _is_restore(c) for c in code)
            ):
                text = self.plan.context.parsed.line(line)
                if text:
                    out.append(comment("grad of: " + text.strip()))
                current_line = line
            elif not isinstance(statement, ast.Assign):
                current_line = None
            out.extend(code)
        return out

    def zero(self, adjoint: str) -> ast.Assign:
        """``ba = 0``: a zero cotangent, shaped like the primal ``a`` unless every value is a float."""
        primal = self.namer.primal(adjoint)
        if self.plan.scalar:
            return _assign(adjoint, ast.Constant(0.0))
        self.plan.zeroed.add(primal)
        zeros_like = self.plan.context.reference(runtime.zeros_like)
        return _assign(adjoint, _call(zeros_like, _load(primal)))

    def _restore(self, name: str) -> ast.Assign:
        return _assign(name, self.tape.pop())

    def _undo_in_place(self, statement: ast.Assign) -> list:
        """Put back what the forward sweep changed in place: the saved values at ``i``, or the appended item."""
        operation = self.facts[statement].operation
        name = statement.targets[0].id
        if operation.kind == "append":
            return [ast.Expr(value=pop(name))]
        if name not in self.plan.needed:
            return []
        target = ast.Subscript(
            value=_load(name), slice=copy.deepcopy(operation.index), ctx=ast.Store()
        )
        return [ast.Assign(targets=[target], value=self.tape.pop())]

    def _assignment(self, statement: ast.Assign, depth: int, live: set) -> list:
        facts = self.facts[statement]
        target = statement.targets[0].id
        adjoint = self.namer.adjoint(target)
        if self.plan.updates_in_place(statement):
            restore = self._undo_in_place(statement)
        else:
            restore = [self._restore(target)] if self.plan.saves(statement) else []
        pullback_taped = facts.pullback is not None and depth > 0
        if pullback_taped:
            restore.insert(0, self._restore(facts.pullback))
        if facts.contributions is None or adjoint not in live:
            return restore
        grouped: dict = {}
        for contribution in facts.contributions:
            grouped.setdefault(contribution.target, []).append(contribution.expression)
        own = grouped.pop(target, None)
        out = []
        if pullback_taped:
            out.append(restore.pop(0))  # the pullback of this iteration
        result = target
        if own is not None and restore:
            # x = f(x): the rule reads the old x, restored now, and maybe the result, kept aside first
            if any(mentions(e, _RESULT) for exprs in [own, *grouped.values()] for e in exprs):
                result = self.namer.fresh("_ans")
                out.append(_assign(result, _load(target)))
            out += restore
            restore = []
        for prelude in facts.prelude:
            out.append(_assign(prelude.targets[0].id, _rename(prelude.value, _RESULT, result)))
        own = [_rename(e, _RESULT, result) for e in own] if own is not None else None
        for name, expressions in grouped.items():
            expressions = [_rename(e, _RESULT, result) for e in expressions]
            out.append(self.accumulator.accumulate(name, expressions, live))
        if own is not None:
            out.append(_assign(adjoint, self.accumulator.sum(own, target)))
        else:
            live.discard(adjoint)
        return out + restore

    def _branch(self, statement: ast.If, depth: int, live: set) -> list:
        test = self.facts[statement].condition
        then_live, else_live = set(live), set(live)
        then_code = self.sweep(statement.body, depth, then_live)
        else_code = self.sweep(statement.orelse, depth, else_live)
        both = then_live | else_live
        then_code += [self.zero(a) for a in sorted(both - then_live)]
        else_code += [self.zero(a) for a in sorted(both - else_live)]
        live.clear()
        live.update(both)
        out = []
        if depth > 0:
            out.append(_assign(test, self.tape.pop()))
        if then_code or else_code:
            out.append(ast.If(test=_load(test), body=then_code or [ast.Pass()], orelse=else_code))
        return out

    def _loop_body(self, body: list, depth: int, live: set):
        """The backward body of a loop, with the adjoints it needs set before the loop."""
        start = set(live)
        before = []
        while True:
            end = set(start)
            code = self.sweep(body, depth + 1, end)
            missing = end - start
            if not missing:
                break
            before += [self.zero(a) for a in sorted(missing)]
            start |= missing
        code += [self.zero(a) for a in sorted(start - end)]
        live.clear()
        live.update(start)
        fresh = {statement.targets[0].id for statement in before}
        return before, [self.accumulator.in_place(s, fresh, code) for s in code]

    def _for(self, statement: ast.For, depth: int, live: set) -> list:
        before, code = self._loop_body(statement.body, depth, live)
        counter = self.facts[statement].counter
        if counter is not None and depth > 0:
            before.insert(0, _assign(counter, self.tape.pop()))
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

    def _while(self, statement: ast.While, depth: int, live: set) -> list:
        counter = self.facts[statement].counter
        before, code = self._loop_body(statement.body, depth, live)
        out = [_assign(counter, self.tape.pop())] if depth > 0 else []
        if not code:
            return out + before
        loop = ast.For(
            target=_store("_"), iter=_call(_load("range"), _load(counter)), body=code, orelse=[]
        )
        return out + before + [ast.copy_location(loop, statement)]


def _is_restore(statement) -> bool:
    return isinstance(statement, ast.Assign) and is_pop(statement.value)
