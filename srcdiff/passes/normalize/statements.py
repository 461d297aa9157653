"""The statement normalizer: rewrites a function body statement by statement, handing each to its job.

``Normalizer.function`` lowers early returns (``jumps.py``), rewrites each statement (assignments in
``assignments.py``, loops in ``loops.py``, expression statements in ``calls.py``, everything else here, with
expressions flattened by ``expressions.py``), and renames straight-line reassignments (``rename.py``).
"""

from __future__ import annotations

import ast
import copy

from ...context import Context
from ...errors import UnsupportedSyntaxError
from ...analysis.normal_form import is_loop_exit
from .assignments import Assignments
from .expressions import Flattener
from .inplace import InPlaceUpdates
from .jumps import single_exit
from .loops import Loops
from .rename import rename_straight_line


class Normalizer:
    """Rewrites a function body into normal form."""

    def __init__(self, context: Context):
        self.context = context
        self.parsed = context.parsed
        self.updates = InPlaceUpdates(context)
        self.flat = Flattener(context, self.updates)
        self.assignments = Assignments(self.flat, self.updates)
        self.loops = Loops(self.flat, self.block)

    def function(self) -> ast.FunctionDef:
        """The function in normal form."""
        node = self.parsed.node
        body = self.block(single_exit(node.body, self.context.namer))
        body = rename_straight_line(body, self.flat.params, self.context.namer)
        result = ast.FunctionDef(
            name=node.name,
            args=copy.deepcopy(node.args),
            body=body,
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        return ast.fix_missing_locations(ast.copy_location(result, node))

    def block(self, statements) -> list:
        """``statements`` in normal form."""
        out = []
        for statement in statements:
            self.flat.origin = statement
            out.extend(self.statement(statement))
        return out

    def statement(self, node) -> list:
        """The statements ``node`` becomes."""
        flat = self.flat
        out: list = []
        check = self.updates.check_shared(node)
        if check is not None:
            out.append(check)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            self.assignments.statement(node, out)
        elif isinstance(node, ast.Expr):
            flat.calls.statement(node, out)
        elif isinstance(node, ast.If) and is_loop_exit(node):
            out.append(node)
        elif isinstance(node, ast.If):
            branch = ast.If(
                test=flat.condition(node.test, out),
                body=self.block(node.body) or [ast.Pass()],
                orelse=self.block(node.orelse),
            )
            out.append(flat.located(branch))
        elif isinstance(node, ast.For):
            self.loops.for_loop(node, out)
        elif isinstance(node, ast.While):
            self.loops.while_loop(node, out)
        elif isinstance(node, ast.Return):
            out.append(flat.located(ast.Return(value=flat.atom(node.value, out))))
        elif isinstance(node, (ast.Raise, ast.Assert)):
            out.append(node)
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.FunctionDef):
            out.append(node)  # a lifted local function: kept for the forward sweep's own calls
        else:
            raise self.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a {type(node).__name__} statement",
                node,
            )
        return out
