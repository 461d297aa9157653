"""Loops: every ``for`` loop runs over a ``range`` held in a variable, and loop bodies have no jumps.

A loop over a sequence (or over ``zip`` or ``enumerate`` of sequences) becomes a loop over the range of their
shortest length whose body starts by reading the items; ``reversed(range(...))``, as generated backward loops
write it, becomes the range read backwards. ``break`` and ``continue`` are lowered to flags (``jumps.py``).

Before::

    for a, b in zip(xs, ys):
        s = s + a * b

After::

    _r1 = range(min(len(xs), len(ys)))
    for _i1 in _r1:
        a = xs[_i1]
        b = ys[_i1]
        _t1 = a * b
        s = s + _t1
"""

from __future__ import annotations

import ast
import builtins

from ...errors import UnsupportedSyntaxError
from ...vocabulary import call, load, store
from .jumps import lower_jumps


class Loops:
    """Writes the ``for`` and ``while`` loops of one function in normal form.

    ``block`` normalizes a list of statements (the loop bodies); expressions are flattened by ``flat``.
    """

    def __init__(self, flat, block):
        self.flat = flat
        self.block = block

    def _refuse_else(self, node, keyword: str) -> None:
        if node.orelse:
            raise self.flat.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate {keyword}/else",
                node,
                hint="move the else block after the loop",
            )

    def while_loop(self, node: ast.While, out: list) -> None:
        flat = self.flat
        self._refuse_else(node, "while")
        before, body = lower_jumps(node.body, flat.namer, flat.origin)
        out.extend(before)
        loop = ast.While(
            test=flat.condition(node.test, []), body=self.block(body) or [ast.Pass()], orelse=[]
        )
        out.append(flat.located(loop))

    def for_loop(self, node: ast.For, out: list) -> None:
        flat = self.flat
        self._refuse_else(node, "for")
        index_name, range_value, prologue = self._iteration(node.iter, node.target, out)
        range_name = flat.namer.fresh("_r")
        flat.emit(range_name, range_value, out)
        saved_origin = flat.origin
        binding = self.block(prologue)
        before, body = lower_jumps(node.body, flat.namer, flat.origin)
        out.extend(before)
        body = binding + self.block(body)
        flat.origin = saved_origin
        loop = ast.For(
            target=store(index_name), iter=load(range_name), body=body or [ast.Pass()], orelse=[]
        )
        out.append(flat.located(loop))

    def _iteration(self, iterator, target, out: list) -> tuple:
        """The loop's index name, the range it runs over, and the statements that bind the user's loop
        variables at the start of the body."""
        flat = self.flat
        callee = flat.context.resolve(iterator.func) if isinstance(iterator, ast.Call) else None
        if callee is builtins.range:
            args = [flat.atom(a, out) for a in iterator.args]
            if not isinstance(target, ast.Name):
                raise flat.parsed.error(UnsupportedSyntaxError, "cannot unpack a range", target)
            return target.id, call(iterator.func, *args), []
        if (
            callee is builtins.reversed
            and isinstance(target, ast.Name)
            and len(iterator.args) == 1
            and self._is_range_value(iterator.args[0])
        ):
            # reversed(range(...)) as generated backward loops write it: the range read backwards
            backwards = ast.Slice(lower=None, upper=None, step=ast.Constant(-1))
            range_value = ast.Subscript(
                value=flat.atom(iterator.args[0], out), slice=backwards, ctx=ast.Load()
            )
            return target.id, range_value, []
        if callee is builtins.enumerate and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            return self._enumerate(iterator, target, out)
        if (
            isinstance(iterator, ast.Name)
            and isinstance(target, ast.Name)
            and self._is_range(iterator.id)
        ):
            # a name holding a range, as generated code writes its loops
            return target.id, load(iterator.id), []
        index_name = flat.namer.fresh("_i")
        prologue: list = []
        sequences = self._bind_iterable(iterator, target, index_name, out, prologue)
        return index_name, _range_of_lengths(sequences), prologue

    def _enumerate(self, iterator, target, out: list) -> tuple:
        flat = self.flat
        prologue: list = []
        arguments = list(iterator.args) + [k.value for k in iterator.keywords if k.arg == "start"]
        if not 1 <= len(arguments) <= 2 or len(iterator.args) + len(iterator.keywords) != len(
            arguments
        ):
            raise flat.parsed.error(
                UnsupportedSyntaxError,
                "srcdiff cannot read this call of enumerate",
                iterator,
                hint="write enumerate(sequence) or enumerate(sequence, start)",
            )
        index_target, item_target = target.elts
        if len(arguments) == 1 and isinstance(index_target, ast.Name):
            index_name = index_target.id
        else:
            index_name = flat.namer.fresh("_i")
            first = flat.atom(arguments[1], out) if len(arguments) == 2 else ast.Constant(0)
            counted = ast.BinOp(left=load(index_name), op=ast.Add(), right=first)
            prologue.append(
                ast.copy_location(ast.Assign(targets=[index_target], value=counted), flat.origin)
            )
        sequences = self._bind_iterable(arguments[0], item_target, index_name, out, prologue)
        return index_name, _range_of_lengths(sequences), prologue

    def _is_range_value(self, node) -> bool:
        """``range(...)`` itself, or a name holding a range."""
        if isinstance(node, ast.Name):
            return self._is_range(node.id)
        return isinstance(node, ast.Call) and self.flat.context.resolve(node.func) is builtins.range

    def _is_range(self, name: str) -> bool:
        """Whether every assignment of ``name`` in the function is a call of range."""
        flat = self.flat
        values = [
            n.value
            for n in ast.walk(flat.parsed.node)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
        ]
        return (
            bool(values)
            and name not in flat.params
            and all(
                isinstance(v, ast.Call) and flat.context.resolve(v.func) is builtins.range
                for v in values
            )
        )

    def _bind_iterable(self, node, target, index_name: str, out: list, prologue: list) -> list:
        """Bind ``target`` to item ``index_name`` of the iterable ``node`` (a sequence or a zip of them).

        Returns the names of the sequences, whose shortest length is the trip count.
        """
        flat = self.flat
        callee = flat.context.resolve(node.func) if isinstance(node, ast.Call) else None
        if callee is builtins.reversed and len(node.args) == 1 and not node.keywords:
            # the items backwards, as a sequence indexed by position
            node = flat.runtime_call("reversed_sequence", [node.args[0]])
            callee = None
        if callee is builtins.zip:
            if (
                not (isinstance(target, ast.Tuple) and len(target.elts) == len(node.args))
                or node.keywords
            ):
                raise flat.parsed.error(
                    UnsupportedSyntaxError,
                    "unpack zip(...) into as many names as it has sequences",
                    node,
                )
            sequences = []
            for element, argument in zip(target.elts, node.args):
                sequences += self._bind_iterable(argument, element, index_name, out, prologue)
            return sequences
        if callee in (
            builtins.enumerate,
            builtins.map,
            builtins.filter,
            builtins.iter,
        ):
            raise flat.parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate a loop over {callee.__name__}(...) here",
                node,
                hint="loop over range(len(...)) and index the sequences",
            )
        atom = flat.atom(node, out)
        sequence = atom.id if isinstance(atom, ast.Name) else flat.pack(atom, out).id
        if not isinstance(node, (ast.List, ast.Tuple)):
            # x[i] is the i-th item of a list, tuple or array, not of a dict or a pandas Series: the loop
            # goes through what iterating x gives (x itself for the first kind)
            items = flat.namer.fresh("_items")
            flat.emit(items, flat.runtime_call("iterable", [load(sequence)]), out)
            sequence = items
        item = ast.Subscript(value=load(sequence), slice=load(index_name), ctx=ast.Load())
        prologue.append(ast.copy_location(ast.Assign(targets=[target], value=item), flat.origin))
        return [sequence]


def _range_of_lengths(sequences) -> ast.Call:
    """``range(len(s))``, or ``range(min(len(s), len(t), ...))``."""
    lengths = [call(load("len"), load(s)) for s in sequences]
    count = lengths[0] if len(lengths) == 1 else call(load("min"), *lengths)
    return call(load("range"), count)
