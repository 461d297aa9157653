"""Keeping the cotangent of a full reduction scalar where a product spreads it over the array anyway."""

from __future__ import annotations

import ast


def keep_reductions_scalar(function: ast.FunctionDef) -> None:
    """``a = _rt.reduced_cotangent(c, x, None, False)`` read once, by ``a * ... * x * ...``: use ``c`` there.

    The cotangent of a full reduction is a scalar spread over x's shape; a product that has x as a factor
    spreads it anyway, so the product takes the scalar and one array pass is saved (the mean squared error's
    ``2 * r / n``)."""
    loads: dict = {}
    stores: dict = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            counter = loads if isinstance(node.ctx, ast.Load) else stores
            counter[node.id] = counter.get(node.id, 0) + 1
    spreads = {}
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "reduced_cotangent"
            and len(node.value.args) == 4
            and isinstance(node.value.args[1], ast.Name)
            and _is_none(node.value.args[2])
            and _is_false(node.value.args[3])
        ):
            name = node.targets[0].id
            if loads.get(name) == 1 and stores.get(name) == 1:
                spreads[name] = node
    if not spreads:
        return
    replaced = set()

    class Substitute(ast.NodeTransformer):
        def visit_BinOp(self, node):
            self.generic_visit(node)
            factors = _product_factors(node)
            if factors is None:
                return node
            for index, factor in enumerate(factors):
                if isinstance(factor, ast.Name) and factor.id in spreads:
                    spread = spreads[factor.id].value
                    shape_of = spread.args[1].id
                    if any(isinstance(f, ast.Name) and f.id == shape_of for f in factors):
                        factors[index] = spread.args[0]
                        replaced.add(factor.id)
                        return _product(factors)
            return node

    Substitute().visit(function)
    _drop_assignments(function, {id(spreads[name]) for name in replaced})


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_false(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _product_factors(node):
    """The factors of a chain of multiplications, or None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        left = _product_factors(node.left) or [node.left]
        right = _product_factors(node.right) or [node.right]
        return left + right
    return None


def _product(factors: list) -> ast.expr:
    total = factors[0]
    for factor in factors[1:]:
        total = ast.BinOp(left=total, op=ast.Mult(), right=factor)
    return total


def _drop_assignments(node, ids: set) -> None:
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if isinstance(block, list):
            block[:] = [s for s in block if id(s) not in ids]
            for statement in block:
                _drop_assignments(statement, ids)
