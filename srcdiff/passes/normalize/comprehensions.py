"""Comprehensions become the loops they stand for, before anything else reads the function.

``ys = [W @ h for W in Ws if W.shape[0] > 1]`` becomes::

    ys = []
    for W_1 in Ws:
        if W_1.shape[0] > 1:
            ys.append(W_1 @ h)

(built in a new name where the comprehension is part of an expression or reads the name it is assigned to);
a dict comprehension fills a dict by key, and a generator expression given to a function that only iterates it
(``sum``, ``max``, ``min``, ``list``, ``tuple``, ``sorted``, ``any``, ``all``) or looped over becomes a list. The
names a comprehension binds are its own (Python keeps them out of the function's scope), so they get fresh names.
A comprehension runs where its statement runs, once: one in a ``while`` test, in a branch of ``a if c else b`` or
after the first operand of ``and``/``or`` (which Python may run many times, or not at all) is refused at its line.
"""

from __future__ import annotations

import ast
import builtins
import copy

from ...context import Context
from ...errors import UnsupportedSyntaxError
from ...vocabulary import append, assign, load, store

_COMPREHENSIONS = (ast.ListComp, ast.DictComp, ast.GeneratorExp)

# functions that only iterate over their argument: a generator expression given to them may be a list
_ITERATING = (
    builtins.sum,
    builtins.max,
    builtins.min,
    builtins.list,
    builtins.tuple,
    builtins.sorted,
    builtins.any,
    builtins.all,
)


def lower_comprehensions(context: Context) -> None:
    """Rewrite the comprehensions of the function of ``context`` as loops, in place."""
    node = context.parsed.node
    if any(isinstance(n, _COMPREHENSIONS) for n in ast.walk(node)):
        node.body = _Lowering(context).block(node.body)


class _Lowering:
    def __init__(self, context: Context):
        self.context = context
        self.parsed = context.parsed
        self.namer = context.namer

    def block(self, statements: list) -> list:
        out = []
        for statement in statements:
            out.extend(self.statement(statement))
        return out

    def statement(self, statement: ast.stmt) -> list:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [statement]  # compiled on their own
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            statement.body = self.block(statement.body)
            statement.orelse = self.block(statement.orelse)
            if isinstance(statement, ast.While):
                self._refuse_inside(
                    statement.test, "the test of a while loop, which runs every time"
                )
                return [statement]
            field = "test" if isinstance(statement, ast.If) else "iter"
            prelude: list = []
            if isinstance(statement, ast.For) and isinstance(statement.iter, ast.GeneratorExp):
                statement.iter = self.build(statement.iter, prelude)  # looped over: a list
            else:
                setattr(statement, field, self.hoist(getattr(statement, field), prelude))
            return prelude + [statement]
        prelude = []
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, (ast.ListComp, ast.DictComp))
            and statement.targets[0].id
            not in {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
        ):  # ys = [...]: built in ys itself
            self.build(statement.value, prelude, into=statement.targets[0].id)
            return prelude
        for field, value in ast.iter_fields(statement):
            if isinstance(value, ast.expr):
                setattr(statement, field, self.hoist(value, prelude))
            elif isinstance(value, list):
                setattr(
                    statement,
                    field,
                    [self.hoist(v, prelude) if isinstance(v, ast.expr) else v for v in value],
                )
        return prelude + [statement]

    def hoist(self, expression: ast.expr, prelude: list) -> ast.expr:
        """``expression`` with each outermost comprehension replaced by the name of the value it builds,
        whose loop is appended to ``prelude``."""
        lowering = self

        class Hoist(ast.NodeTransformer):
            def visit_Lambda(self, node):
                return node  # its own function

            def visit_IfExp(self, node):
                node.test = self.visit(node.test)
                for branch in (node.body, node.orelse):
                    lowering._refuse_inside(branch, "a branch of a conditional expression")
                return node

            def visit_BoolOp(self, node):
                node.values[0] = self.visit(node.values[0])
                for value in node.values[1:]:
                    lowering._refuse_inside(value, "an operand of and/or after the first")
                return node

            def visit_Call(self, node):
                if (
                    len(node.args) == 1
                    and isinstance(node.args[0], ast.GeneratorExp)
                    and lowering.context.resolve(node.func) in _ITERATING
                ):
                    node.func = self.visit(node.func)
                    node.args = [lowering.build(node.args[0], prelude)]
                    node.keywords = [self.visit(k) for k in node.keywords]
                    return node
                return self.generic_visit(node)

            def visit_GeneratorExp(self, node):
                raise lowering.parsed.error(
                    UnsupportedSyntaxError,
                    "srcdiff differentiates a generator expression only where it is looped over "
                    "or given to sum, max, min, list, tuple, sorted, any or all",
                    node,
                    hint="write a list comprehension [...] instead of (...)",
                )

            def visit_ListComp(self, node):
                return lowering.build(node, prelude)

            def visit_DictComp(self, node):
                return lowering.build(node, prelude)

        return Hoist().visit(expression)

    def build(self, node: ast.expr, prelude: list, into: str | None = None) -> ast.Name:
        """Append the loop that builds ``node``'s value (in ``into``, or a new name) to ``prelude``; return the
        name it is built in."""
        bound = _bound_by(node)
        for inner in ast.walk(node):
            if inner is not node and isinstance(inner, _COMPREHENSIONS + (ast.SetComp,)):
                again = _bound_by(inner) & bound
                if again:
                    raise self.parsed.error(
                        UnsupportedSyntaxError,
                        f"a comprehension inside another binds {', '.join(sorted(again))} again",
                        inner,
                        hint="give the inner comprehension its own names",
                    )
        is_dict = isinstance(node, ast.DictComp)
        result = into or self.namer.fresh("_dict" if is_dict else "_list")
        empty = ast.Dict(keys=[], values=[]) if is_dict else ast.List(elts=[], ctx=ast.Load())
        renames: dict = {}
        generators = []
        for generator in node.generators:
            if generator.is_async:
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    "srcdiff cannot differentiate async comprehensions",
                    node,
                )
            iterable = _renamed(generator.iter, renames)
            for name in sorted(
                {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            ):
                if name in renames:
                    raise self.parsed.error(
                        UnsupportedSyntaxError,
                        f"a comprehension binds {name} twice",
                        node,
                        hint="give each for of the comprehension its own names",
                    )
                renames[name] = self.namer.unique(name)
            target = _renamed(generator.target, renames, store_too=True)
            conditions = [_renamed(c, renames) for c in generator.ifs]
            generators.append((target, iterable, conditions))
        if is_dict:
            key, value = _renamed(node.key, renames), _renamed(node.value, renames)
            innermost = [
                ast.Assign(
                    targets=[ast.Subscript(value=load(result), slice=key, ctx=ast.Store())],
                    value=value,
                )
            ]
        else:
            innermost = [ast.Expr(value=append(result, _renamed(node.elt, renames)))]
        body = innermost
        for target, iterable, conditions in reversed(generators):
            for condition in reversed(conditions):
                body = [ast.If(test=condition, body=body, orelse=[])]
            body = [ast.For(target=target, iter=iterable, body=body, orelse=[])]
        statements = [assign(result, empty)] + body
        for statement in statements:
            ast.copy_location(statement, node)
            ast.fix_missing_locations(statement)
            for child in ast.walk(statement):
                if not hasattr(child, "lineno") and isinstance(child, (ast.stmt, ast.expr)):
                    ast.copy_location(child, node)
        prelude.extend(self.block(statements))  # comprehensions nested in this one
        return load(result)

    def _refuse_inside(self, expression: ast.expr, where: str) -> None:
        for node in ast.walk(expression):
            if isinstance(node, _COMPREHENSIONS):
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    f"srcdiff cannot differentiate a comprehension in {where}",
                    node,
                    hint="build it on a line of its own before, and use its name here",
                )


def _bound_by(comprehension) -> set:
    """The names the ``for`` clauses of ``comprehension`` bind."""
    return {
        n.id
        for generator in comprehension.generators
        for n in ast.walk(generator.target)
        if isinstance(n, ast.Name)
    }


def _renamed(expression: ast.expr, renames: dict, store_too: bool = False) -> ast.expr:
    """A copy of ``expression`` reading (and with ``store_too`` binding) the renamed names (a comprehension
    nested in it binds none of them again: ``build`` refuses that)."""

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in renames and (store_too or isinstance(node.ctx, ast.Load)):
                return ast.copy_location(
                    (
                        load(renames[node.id])
                        if isinstance(node.ctx, ast.Load)
                        else store(renames[node.id])
                    ),
                    node,
                )
            return node

    return Rename().visit(copy.deepcopy(expression))
