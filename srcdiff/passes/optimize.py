"""Clean-up of generated code: what a person writing the gradient by hand would not write.

- ``shape_classes`` tells which names share a shape, so the reverse pass drops ``unbroadcast`` there;
- constants fold (``3 - 1`` is ``2``, ``x ** 1`` is ``x``, ``g * 1.0`` is ``g``);
- an adjoint that is a plain copy of another (``b_t1 = by``) is replaced by the other where it is read once;
- assignments whose values nobody reads are removed;
- ``a = e1`` then ``a = a + e2`` is one assignment, ``a = e1 + e2``;
- the scalar cotangent of a full reduction is not spread over an array where a product spreads it anyway.
"""

from __future__ import annotations

import ast
import copy
import operator

from ..analysis.defuse import local_names, parameters, reads
from ..analysis.effects import has_effects
from ..vocabulary import is_seed

_FOLD = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class Simplify(ast.NodeTransformer):
    """Constant folding and identities on expressions.

    An identity never turns the value of an assignment to one of the user's names (``primal``) into a bare
    name: ``v = x * 1.0`` is a new array in numpy, which the code after it may update in place."""

    def __init__(self, primal: frozenset = frozenset()):
        self.primal = primal

    def visit_Assign(self, node):
        original = node.value
        target = node.targets[0] if len(node.targets) == 1 else None
        if (
            isinstance(target, ast.Name)
            and target.id in self.primal
            and not isinstance(original, ast.Name)
        ):
            original = copy.deepcopy(original)
            self.generic_visit(node)
            if isinstance(node.value, ast.Name):
                node.value = original
            return node
        return self.generic_visit(node)

    def visit_Compare(self, node):
        """``3 == 0`` is False (rules guard a power's exponent with ``y == 0``)."""
        self.generic_visit(node)
        operands = [node.left] + node.comparators
        if (
            len(node.ops) == 1
            and type(node.ops[0]) in _COMPARE
            and all(
                isinstance(n, ast.Constant) and type(n.value) in (int, float, bool)
                for n in operands
            )
        ):
            value = _COMPARE[type(node.ops[0])](node.left.value, node.comparators[0].value)
            return ast.copy_location(ast.Constant(value), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if (
            isinstance(left, ast.Constant)
            and isinstance(right, ast.Constant)
            and type(node.op) in _FOLD
        ):
            if isinstance(left.value, (int, float)) and isinstance(right.value, (int, float)):
                try:
                    value = _FOLD[type(node.op)](left.value, right.value)
                    if type(value) is bool:  # 1 + (2 == 0)
                        value = int(value)
                    return ast.copy_location(ast.Constant(value), node)
                except (ArithmeticError, ValueError):
                    return node
        if isinstance(node.op, ast.Pow) and _is_number(right, 1):
            return left
        if isinstance(node.op, (ast.Add, ast.Sub)) and _is_number(right, 0):
            return left
        if isinstance(node.op, ast.Add) and _is_number(left, 0):
            return right
        if isinstance(node.op, ast.Sub) and _is_number(left, 0):
            return ast.copy_location(ast.UnaryOp(op=ast.USub(), operand=right), node)
        if isinstance(node.op, ast.Mult):
            if _is_number(right, 1):
                return left
            if _is_number(left, 1):
                return right
        if isinstance(node.op, ast.Div) and _is_number(right, 1):
            return left
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if (
            isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.UnaryOp)
            and isinstance(node.operand.op, ast.USub)
        ):
            return node.operand.operand
        return node


def _is_number(node, value) -> bool:
    return (
        isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == value
    )


def remove_dead_assignments(body: list, live_out: set, resolve) -> list:
    """Drop top-level assignments whose targets are never read afterwards (straight-line part only), unless
    computing the value may have an effect (a call of the user's, ``print``, a tape's push or pop).
    """
    reads_after: set = set(live_out)
    kept = []
    for statement in reversed(body):
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            name = statement.targets[0].id
            if name not in reads_after and not has_effects(statement.value, resolve):
                continue
            reads_after.discard(name)
        reads_after |= reads(statement)
        kept.append(statement)
    return list(reversed(kept))


def propagate_copies(function: ast.FunctionDef) -> None:
    """Replace ``a`` by ``b`` after ``a = b`` where both names are assigned once (or ``b`` is a parameter)."""
    params = set(parameters(function))
    stores: dict = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, (ast.For, ast.AugAssign)):
            target = node.target
            if isinstance(target, ast.Name):
                stores[target.id] = stores.get(target.id, 0) + 1
    replacements: dict = (
        {}
    )  # alias -> the name it copies, applied to each later statement in one pass
    replacer = _ReplaceAll(replacements)
    for index, statement in enumerate(function.body):
        statement = function.body[index] = replacer.visit(statement)
        if not (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Name)
            and isinstance(statement.targets[0], ast.Name)
        ):
            continue
        alias, original = statement.targets[0].id, statement.value.id
        original_stores = stores.get(original, 0)
        # the original has one value throughout: a parameter never reassigned, or a local assigned once (before
        # the copy, which reads it)
        # and the alias has no value before the copy (it is not a parameter), so every read of it is replaced
        if (
            alias in params
            or stores.get(alias) != 1
            or original_stores != (0 if original in params else 1)
        ):
            continue
        replacements[alias] = ast.Name(id=original, ctx=ast.Load())
        statement.value = None  # marks the copy for removal
    function.body = [
        s for s in function.body if not (isinstance(s, ast.Assign) and s.value is None)
    ]


def propagate_constants(function: ast.FunctionDef) -> None:
    """Replace a name assigned a number once, at the top level, by the number (``by = 1.0``)."""
    params = set(parameters(function))
    stores: dict = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.Nonlocal):
            for name in node.names:
                stores[name] = stores.get(name, 0) + 2  # shared with a closure: leave it alone
    replacements: dict = {}  # name -> its number, applied to each later statement in one pass
    replacer = _ReplaceAll(replacements)
    for index, statement in enumerate(function.body):
        statement = function.body[index] = replacer.visit(statement)
        if not (
            isinstance(statement, ast.Assign)
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Constant)
            and type(statement.value.value) in (int, float)
        ):
            continue
        name = statement.targets[0].id
        if stores.get(name) != 1 or not name.startswith("b") or name in params:
            continue
        replacements[name] = statement.value
        statement.value = None
    function.body = [
        s for s in function.body if not (isinstance(s, ast.Assign) and s.value is None)
    ]


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


def fuse_accumulations(body: list) -> list:
    """``a = e1`` followed by ``a = a + e2`` (e2 not reading a) is ``a = e1 + e2``, in every block."""
    fused = []
    for statement in body:
        for field in ("body", "orelse"):
            if isinstance(statement, (ast.If, ast.For, ast.While)):
                setattr(statement, field, fuse_accumulations(getattr(statement, field)))
        previous = fused[-1] if fused else None
        if (
            _accumulates(statement)
            and isinstance(previous, ast.Assign)
            and isinstance(previous.targets[0], ast.Name)
            and previous.targets[0].id == statement.targets[0].id
        ):
            previous.value = ast.BinOp(
                left=previous.value, op=ast.Add(), right=statement.value.right
            )
            continue
        fused.append(statement)
    return fused


def _accumulates(statement) -> bool:
    """``a = a + e`` where ``e`` does not read ``a``."""
    if not (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)):
        return False
    value, name = statement.value, statement.targets[0].id
    return (
        isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Add)
        and isinstance(value.left, ast.Name)
        and value.left.id == name
        and not any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value.right))
    )


def inline_single_use(body: list, protected: set) -> list:
    """Fold a forward-sweep temporary read exactly once, by the very next statement, into that statement (in one
    pass: a chain ``a = e; b = f(a); c = g(b)`` becomes ``c = g(f(e))``)."""
    loads: dict = {}
    stores: dict = {}
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                counter = loads if isinstance(node.ctx, ast.Load) else stores
                counter[node.id] = counter.get(node.id, 0) + 1
    out: list = []
    for statement in body:
        while out and _folds_into(out[-1], statement, loads, stores, protected):
            previous = out.pop()
            # the temporary is gone: its expression moves, uncopied
            statement.value = _ReplaceAll(
                {previous.targets[0].id: previous.value}, copy_values=False
            ).visit(statement.value)
        out.append(statement)
    return out


def _folds_into(previous, statement, loads: dict, stores: dict, protected: set) -> bool:
    """Whether ``previous`` assigns a temporary that ``statement`` alone reads, and can move into it."""
    if not (
        isinstance(previous, ast.Assign)
        and isinstance(previous.targets[0], ast.Name)
        and isinstance(statement, ast.Assign)
    ):
        return False
    name = previous.targets[0].id
    return (
        name not in protected
        and loads.get(name) == 1
        and stores.get(name) == 1
        and isinstance(previous.value, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript))
        and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(statement.value))
    )


class _ReplaceAll(ast.NodeTransformer):
    """Replace each name read that ``replacements`` maps by its expression (a copy of it, unless the expression
    moves: then it is read once)."""

    def __init__(self, replacements: dict, copy_values: bool = True):
        self.replacements = replacements
        self.copy_values = copy_values

    def visit_FunctionDef(self, node):
        # a nested function (a pullback, a local function) sees the outer names unless it binds its own
        bound = local_names(node)
        if not bound & set(self.replacements):
            return self.generic_visit(node)
        inner = _ReplaceAll(
            {k: v for k, v in self.replacements.items() if k not in bound}, self.copy_values
        )
        for field in ("body",):
            setattr(node, field, [inner.visit(s) for s in getattr(node, field)])
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.replacements:
            value = self.replacements[node.id]
            return copy.deepcopy(value) if self.copy_values else value
        return node


def optimize(
    function: ast.FunctionDef, keep: set, resolve=lambda node: None, primal: frozenset = frozenset()
) -> ast.FunctionDef:
    """The gradient function with the clean-ups above applied; names in ``keep`` are never removed.
    ``resolve`` maps a called name to its object, so that calls known to be pure can be dropped when unused;
    ``primal`` holds the user's names (and the normal form's), whose values keep numpy's copy semantics.
    """
    function = copy.deepcopy(function)
    propagate_constants(function)
    function = Simplify(primal).visit(function)
    function.body = remove_dead_assignments(function.body, keep, resolve)
    propagate_copies(function)
    keep_reductions_scalar(function)
    function.body = fuse_accumulations(function.body)
    forward_end = next((i for i, s in enumerate(function.body) if is_seed(s)), len(function.body))
    read_later = {
        n.id for s in function.body[forward_end:] for n in ast.walk(s) if isinstance(n, ast.Name)
    }
    forward = inline_single_use(function.body[:forward_end], keep | read_later)
    function.body = forward + function.body[forward_end:]
    return ast.fix_missing_locations(function)
