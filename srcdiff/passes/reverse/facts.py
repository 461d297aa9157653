"""What reverse mode knows about each statement of a function: one record per statement, in one table.

The planner (``planning.py``, ``chain_rule.py``) fills the records; the forward sweep adds the names it
chooses for recorded branch tests and loop counters; the backward sweep reads them all.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ...analysis.activity import Operation


@dataclass
class Contribution:
    """One term of the chain rule: ``expression`` is added to the adjoint of ``target``."""

    target: str
    expression: ast.expr


@dataclass
class StatementFacts:
    """Everything the two sweeps need to know about one statement."""

    place: int  # its position in program order
    loops: frozenset  # the loops around it (their records' places)
    operation: Operation | None = None  # for an assignment: what it computes
    contributions: list | None = None  # for an active assignment: its terms of the chain rule
    prelude: list = field(default_factory=list)  # statements its contributions read (one rule call)
    call: ast.Call | None = None  # for a call of the user's function: the call of its vjp function
    pullback: str | None = None  # ... and the name of the pullback it returns
    condition: str | None = None  # for a recorded ``if``: the name of its test
    counter: str | None = None  # for a counted loop: the name of its trip counter
    first_definition: bool = False  # a top-level assignment that gives its name its first value


class Facts:
    """The table of records, keyed by the statement nodes themselves (syntax nodes compare by identity)."""

    def __init__(self, function: ast.FunctionDef, activity):
        self._records: dict = {}

        def visit(body, loops):
            for statement in body:
                record = StatementFacts(len(self._records), loops)
                if isinstance(statement, ast.Assign):
                    record.operation = activity.operation(statement)
                self._records[statement] = record
                if isinstance(statement, ast.If):
                    visit(statement.body, loops)
                    visit(statement.orelse, loops)
                elif isinstance(statement, (ast.For, ast.While)):
                    visit(statement.body, loops | {record.place})
                    visit(statement.orelse, loops | {record.place})

        visit(function.body, frozenset())

    def __getitem__(self, statement: ast.stmt) -> StatementFacts:
        return self._records[statement]

    def get(self, statement: ast.AST) -> StatementFacts | None:
        return self._records.get(statement)
