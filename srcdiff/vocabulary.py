"""The vocabulary of generated code: how its pieces are built, and how a later pass recognises them.

Every pass that writes or reads generated code (reverse and forward mode, the optimiser, code generation) builds
and recognises these pieces here, never by spelling them out itself:

- plain syntax: ``load``, ``store``, ``assign``, ``call``, ``method``, ``rename``;
- comments: ``comment("grad of: y = f(x)")`` is a statement code generation writes out as ``# grad of: ...``;
- the tape: ``push(tape, value)`` and ``pop(tape)`` save and restore values between the two sweeps;
- the runtime: generated code reaches ``srcdiff.runtime`` through one injected name; ``is_runtime_call`` and
  ``is_seed`` recognise calls of it;
- ``RESULT`` stands for an operation's result in a rule's expression until the pass places it.
"""

from __future__ import annotations

import ast
import copy


def load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[store(name)], value=value)


def call(func: ast.expr, *args: ast.expr, keywords=()) -> ast.Call:
    return ast.Call(func=func, args=list(args), keywords=list(keywords))


def rename(expression: ast.AST, old: str, new: str) -> ast.AST:
    """A copy of ``expression`` with the name ``old`` read as ``new``."""

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            return load(new) if node.id == old else node

    return Rename().visit(copy.deepcopy(expression))


def method(obj: str, name: str, *args: ast.expr) -> ast.Call:
    """``obj.name(*args)``."""
    return call(ast.Attribute(value=load(obj), attr=name, ctx=ast.Load()), *args)


RESULT = "__result__"  # stands for an operation's result in a rule's expression until it is placed

COMMENT = (
    "__srcdiff_comment__"  # the function a comment placeholder calls; never called at run time
)


def comment(text: str) -> ast.Expr:
    """A placeholder statement that code generation turns into ``# text``."""
    return ast.Expr(value=call(load(COMMENT), ast.Constant(text)))


def is_comment(statement: ast.AST) -> bool:
    """Whether ``statement`` is a comment placeholder."""
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == COMMENT
    )


def contains_comment(node: ast.AST) -> bool:
    """Whether a comment placeholder appears anywhere in ``node``."""
    return any(isinstance(n, ast.Name) and n.id == COMMENT for n in ast.walk(node))


def append(items: str, value: ast.expr) -> ast.Call:
    """``items.append(value)``: a list grows (the user's list, or a tape)."""
    return method(items, "append", value)


def pop(items: str) -> ast.Call:
    """``items.pop()``: a list gives back its last item (the user's list, or a tape)."""
    return method(items, "pop")


def push(tape: str, value: ast.expr) -> ast.Expr:
    """``tape.append(value)``: the forward sweep saves a value the backward sweep will need."""
    return ast.Expr(value=append(tape, value))


def new_tape(tape: str) -> ast.Assign:
    """``tape = []``."""
    return assign(tape, ast.List(elts=[], ctx=ast.Load()))


def is_pop(expression: ast.AST) -> bool:
    """Whether ``expression`` is a call of a ``pop`` method (of a tape, or of a list in the user's code)."""
    return _is_method_call(expression, "pop")


def is_append(expression: ast.AST) -> bool:
    """Whether ``expression`` is a call of an ``append`` method (of a tape, or of a list)."""
    return _is_method_call(expression, "append")


def _is_method_call(expression: ast.AST, name: str) -> bool:
    return (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Attribute)
        and expression.func.attr == name
    )


def is_runtime_call(expression: ast.AST, name: str) -> bool:
    """``_rt.name(...)``: a call of the runtime's function ``name``."""
    return (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Attribute)
        and expression.func.attr == name
    )


def is_seed(statement: ast.AST) -> bool:
    """Where the backward sweep starts: the seed (``by = 1.0 if ... else _rt.seed(y)``) or its first comment."""
    return contains_comment(statement) or any(
        isinstance(n, ast.Attribute) and n.attr == "seed" for n in ast.walk(statement)
    )
