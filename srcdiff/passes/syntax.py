"""Small constructors of syntax-tree nodes, shared by the passes that write code."""

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


def parameters(function: ast.FunctionDef | ast.Lambda) -> list:
    """The names of a function's parameters, in order (no *args or **kwargs: the fence refuses them)."""
    args = function.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def local_names(function: ast.AST) -> set:
    """A function's locals: its parameters and every name it assigns (nested functions' included)."""
    return {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)} | {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
