"""The plan of reverse mode: what each assignment contributes backward, and what must be saved for it.

``Plan`` is the state both sweeps share. Built once per function, it holds the facts of every statement
(``facts.py``), the primal names the backward sweep reads (``needed``), those of them the forward sweep may
overwrite first (``saved``), and the tape that carries values from one sweep to the other.
"""

from __future__ import annotations

import ast

from ...context import Context
from ...analysis.activity import Activity
from ...analysis.defuse import assignments
from ...analysis.defuse import parameters as _parameters
from ...analysis.shapes import shape_classes
from ...vocabulary import pop, push
from .chain_rule import ChainRule
from .facts import Facts
from .names import all_names, container_names, range_counters, shape_representatives


class Tape:
    """The list the forward sweep pushes values on and the backward sweep pops them from."""

    def __init__(self, name: str):
        self.name = name
        self.used = False

    def push(self, value: ast.expr) -> ast.Expr:
        self.used = True
        return push(self.name, value)

    def pop(self) -> ast.Call:
        self.used = True
        return pop(self.name)


class Plan:
    """Everything the forward and backward sweeps of one function read, planned before either runs."""

    def __init__(
        self,
        context: Context,
        function: ast.FunctionDef,
        activity: Activity,
        scalar: bool,
        checked: tuple,
    ):
        self.context = context
        self.function = function
        self.activity = activity
        self.active = activity.active
        self.namer = context.namer
        self.tape = Tape(self.namer.unique("_tape"))
        # for a variant called with Python floats only, every value is a float: all shapes are ()
        self.scalar = scalar
        self.containers = container_names(function, activity, scalar, checked)
        self.integers = range_counters(function)
        self.shapes = (
            {n: "()" for n in all_names(function)} if scalar else shape_classes(function, context)
        )
        self.representatives = shape_representatives(function, self.shapes)
        self.facts = Facts(function, activity)
        self._readers: dict = {}  # name -> facts of the statements whose backward sweep reads it
        self.zeroed: set = set()  # names the backward sweep reads to shape a zero cotangent
        self.needed = self._plan_all()
        self.saved = self._saved_names()
        self._mark_first_definitions()

    def _read_by(self, name: str, statement: ast.stmt) -> None:
        self._readers.setdefault(name, []).append(self.facts[statement])

    def _plan_all(self) -> set:
        """Plan every active assignment's adjoint; return the primal names the backward sweep reads."""
        needed = set()
        values, shapes = set(), set()  # names read for their values, and for their shapes alone
        chain_rule = ChainRule(self)
        for statement in assignments(self.function.body):
            if statement.targets[0].id not in self.active:
                continue
            facts = self.facts[statement]
            facts.contributions, value_reads, shape_reads = chain_rule.contributions(
                statement, facts
            )
            values |= value_reads
            shapes |= shape_reads
            for name in value_reads | shape_reads:
                needed.add(name)
                self._read_by(name, statement)
        for node in ast.walk(self.function):
            if isinstance(node, ast.For):
                needed.add(node.iter.id)
                values.add(node.iter.id)
                self._read_by(node.iter.id, node)
        # undoing ``y[i] = v`` backward writes the saved values back at ``i``: the index as it was then;
        # undoing ``items.append(v)`` pops from the list that was appended to, whichever ``items`` holds now
        for statement in assignments(self.function.body):
            operation = self.facts[statement].operation
            if operation is not None and operation.kind in ("append", "setitem"):
                values.add(statement.targets[0].id)  # changed in place: its own value is kept
            if operation is not None and operation.kind == "append":
                needed.add(statement.targets[0].id)
                self._read_by(statement.targets[0].id, statement)
            if (
                operation is not None
                and operation.kind == "setitem"
                and statement.targets[0].id in needed
            ):
                for name in {n.id for n in ast.walk(operation.index) if isinstance(n, ast.Name)}:
                    needed.add(name)
                    values.add(name)
                    self._read_by(name, statement)
        self._read_for_shape = set() if self.scalar else shapes - values - self.containers
        return needed

    def keeps_shape_only(self, name: str) -> bool:
        """Whether the tape may keep a stand-in of ``name``'s shape instead of its value: the backward sweep
        reads it only where its shape alone matters, and no zero cotangent is shaped like it (``zeroed``, known
        once the backward sweep is written)."""
        return name in self._read_for_shape and name not in self.zeroed

    def _saved_names(self) -> set:
        """Names the backward sweep reads that the forward sweep may overwrite: they go on the tape."""
        params = set(_parameters(self.function))
        counts: dict = {}
        in_loops = set()
        for statement in assignments(self.function.body):
            name = statement.targets[0].id
            counts[name] = counts.get(name, 0) + 1
            if self.facts[statement].loops:
                in_loops.add(name)
        return {
            name
            for name, count in counts.items()
            if name in self.needed and (count > 1 or name in params or name in in_loops)
        }

    def _mark_first_definitions(self) -> None:
        """Top-level assignments that give a name its first value: nothing to save there."""
        seen = set(_parameters(self.function))
        for statement in self.function.body:
            if isinstance(statement, ast.Assign):
                if statement.targets[0].id not in seen:
                    self.facts[statement].first_definition = True
                seen.add(statement.targets[0].id)
            elif isinstance(statement, (ast.If, ast.For, ast.While)):
                seen |= {s.targets[0].id for s in assignments([statement])}

    def _overwrites_needed_value(self, statement: ast.Assign) -> bool:
        """Whether the value ``statement`` overwrites is read by a backward step that runs after its restore:
        a reader before it in the program, or one in a loop around both (the next iteration overwrites).
        """
        facts = self.facts[statement]
        for reader in self._readers.get(statement.targets[0].id, ()):
            if reader.place <= facts.place or facts.loops & reader.loops:
                return True
        return False

    def saves(self, statement: ast.Assign) -> bool:
        """Whether the forward sweep pushes the value ``statement`` overwrites (and the backward sweep restores
        it)."""
        return (
            statement.targets[0].id in self.saved
            and not self.facts[statement].first_definition
            and self._overwrites_needed_value(statement)
        )

    def updates_in_place(self, statement: ast.Assign) -> bool:
        """Whether ``statement`` is the normal form of ``y[i] = v`` or ``items.append(v)``."""
        return self.facts[statement].operation.kind in ("setitem", "append")

    def has_adjoint(self, block: ast.stmt) -> bool:
        """Whether the backward sweep has anything to do for ``block`` (adjoints, restores, loops)."""
        for node in ast.walk(block):
            if isinstance(node, (ast.For, ast.While)):
                return True
            if isinstance(node, ast.Assign) and (
                self.facts.get(node) is not None
                and (self.facts[node].contributions is not None or self.saves(node))
            ):
                return True
        return False
