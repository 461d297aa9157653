"""Shrink a failing program while the same failure (outcome, check and exception type) persists.

Greedy, on the syntax tree: delete statements, replace an ``if``/``for``/``while`` by its body, shorten ranges,
replace an expression by one of its operands, drop the helper module and narrow ``wrt``; keep any change after
which the program still fails the same way, until no change does (or the budget runs out).
"""

from __future__ import annotations

import ast
import copy
import time

import numpy as np

from .runner import run, with_source

_COMPOUND = (ast.If, ast.For, ast.While)


def _parents(tree):
    """(parent, field, index or None) of every node, in ast.walk order of a copy with the same shape."""
    out = {}
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        out[id(child)] = (node, name, i)
            elif isinstance(value, ast.AST):
                out[id(value)] = (node, name, None)
    return out


def _edits(tree):
    """Every candidate edit as (index in ast.walk, action, argument), the biggest simplifications first."""
    statements, compounds, expressions = [], [], []
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.stmt):
            statements.append((index, "delete", None))
            if isinstance(node, _COMPOUND):
                compounds.append((index, "body", None))
                if isinstance(node, ast.If) and node.orelse:
                    compounds.append((index, "orelse", None))
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) \
                    and isinstance(node.value, ast.Tuple) and len(node.targets[0].elts) == len(node.value.elts):
                compounds.append((index, "split", None))
        elif isinstance(node, ast.expr) and not isinstance(node.ctx if hasattr(node, "ctx") else None, ast.Store):
            if isinstance(node, ast.BinOp):
                expressions += [(index, "replace", "left"), (index, "replace", "right")]
            elif isinstance(node, ast.UnaryOp):
                expressions.append((index, "replace", "operand"))
            elif isinstance(node, ast.IfExp):
                expressions += [(index, "replace", "body"), (index, "replace", "orelse")]
            elif isinstance(node, ast.BoolOp):
                expressions += [(index, "replace", ("values", i)) for i in range(len(node.values))]
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
                    expressions.append((index, "shorter_range", None))
                expressions += [(index, "replace", ("args", i)) for i in range(len(node.args))]
            elif isinstance(node, ast.Constant) and isinstance(node.value, float) \
                    and round(node.value, 1) not in (node.value, 0.0, 1.0, -1.0):
                # shorter, but never 0 or 1: x * 1.0 and x + 0.0 are programs of their own
                expressions.append((index, "constant", round(node.value, 1)))
    return statements + compounds + expressions


def _apply(tree, edit):
    tree = copy.deepcopy(tree)
    index, action, argument = edit
    node = list(ast.walk(tree))[index]
    parent, field, position = _parents(tree)[id(node)]

    def put(replacement):
        if position is None:
            setattr(parent, field, replacement)
        else:
            getattr(parent, field)[position] = replacement

    def splice(statements):
        body = getattr(parent, field)
        body[position:position + 1] = statements
        if not body:
            body.append(ast.Pass())

    if action == "delete":
        splice([])
    elif action == "body":
        splice(list(node.body))
    elif action == "orelse":
        splice(list(node.orelse))
    elif action == "split":
        splice([ast.Assign(targets=[t], value=v, lineno=node.lineno)
                for t, v in zip(node.targets[0].elts, node.value.elts)])
    elif action == "replace":
        if isinstance(argument, tuple):
            put(getattr(node, argument[0])[argument[1]])
        else:
            put(getattr(node, argument))
    elif action == "shorter_range":
        bound = node.args[-1] if len(node.args) == 1 else node.args[1]
        if not (isinstance(bound, ast.Constant) and isinstance(bound.value, int) and bound.value > 1):
            return None
        bound.value -= 1
    elif action == "constant":
        node.value = argument
    return ast.fix_missing_locations(tree)


def _shrink_text(text, fails, deadline):
    """Apply edits to ``text`` while ``fails(new_text)`` holds; returns the smallest text found.

    After a successful edit the scan goes on from the same position (the edits before it were tried already), and
    passes repeat while one of them changed something.
    """
    position, changed = 0, False
    while time.time() < deadline:
        tree = ast.parse(text)
        edits = _edits(tree)
        if position >= len(edits):
            if not changed:
                break
            position, changed = 0, False
            continue
        edit = edits[position]
        try:
            new_tree = _apply(tree, edit)
            candidate = None if new_tree is None else ast.unparse(new_tree) + "\n"
        except Exception:
            candidate = None
        if candidate is not None and candidate != text and (len(candidate) <= len(text) + 4 or edit[1] == "split") \
                and fails(candidate):
            text, changed = candidate, True
        else:
            position += 1
    return text


def minimize(program, outcome, workspace, seconds=60.0, grad=None):
    """The smallest program found that fails with ``outcome.signature``, and its outcome."""
    deadline = time.time() + seconds
    target = outcome.signature
    last = {"outcome": outcome}

    def same(candidate_program):
        result = run(candidate_program, workspace, timeout=10.0, grad=grad)
        if result.signature == target:
            last["outcome"] = result
            return True
        return False

    current = program
    # fewer gradients first
    if len(current.wrt) > 1:
        for name in current.wrt:
            trial = with_source(current, wrt=(name,))
            if same(trial):
                current = trial
                break
    for _ in range(3):
        before = (current.main, current.helper)
        main = _shrink_text(current.main, lambda text: same(with_source(current, main=text)), deadline)
        current = with_source(current, main=main)
        if current.helper is not None:
            if "HELPERMOD" not in current.main and same(with_source(current, helper="")):
                current = with_source(current, helper="")
            else:
                helper = _shrink_text(current.helper, lambda text: same(with_source(current, helper=text)), deadline)
                current = with_source(current, helper=helper)
        if (current.main, current.helper) == before or time.time() > deadline:
            break
    # the outcome of the final program, for its message
    final = run(current, workspace, timeout=10.0, grad=grad)
    return current, final if final.signature == target else last["outcome"]


_CHECK = '''

if __name__ == "__main__":
    import srcdiff
    from srcdiff.testing import numerical_gradient

    def inputs():
        return [{args}]

    params, wrt = {params!r}, {wrt!r}
    print("f:", f(*inputs()))
    args = inputs()
    gradient = srcdiff.grad(f, wrt=wrt)(*args)
    for name, g in zip(wrt, gradient):
        print(f"d/d{{name}} srcdiff:", g)
        print(f"d/d{{name}} numeric:", numerical_gradient(f, inputs(), params.index(name)))
    for name, a, b in zip(params, args, inputs()):
        if not callable(a) and not np.array_equal(a, b):
            print(f"grad changed the input {{name}}: {{b}} -> {{a}}")
    print("value_and_grad value:", srcdiff.value_and_grad(f, wrt=wrt)(*inputs())[0])
    tangents = [np.ones(np.shape(a)) if p in wrt and np.ndim(a) else 1.0 if p in wrt else None
                for p, a in zip(params, inputs())]
    out, tangent = srcdiff.jvp(f, inputs(), tangents)
    print("jvp:", out, tangent, " reverse:", sum(float(np.sum(g)) for g in gradient))
'''


def _arg_text(kind, value):
    if kind == "array":
        return f"np.array({np.asarray(value).tolist()!r})"
    if kind == "float":
        return repr(float(value))
    return value


def reproducer(program, outcome, name="repro") -> str:
    """A standalone script: the program, its inputs, and the checks that show the failure."""
    header = [f'"""srcdiff fuzz failure: {outcome}', "",
              f"Constructs: {', '.join(program.constructs)}; seed {program.seed}.",
              "Run it: python THIS_FILE (prints srcdiff's numbers next to central differences).", '"""']
    lines = header
    helper_name = f"fzh_{name}"
    if program.helper is not None:
        lines += ["import os", "import sys", "import tempfile", "",
                  f"HELPER = {program.helper!r}", "_dir = tempfile.mkdtemp()",
                  f"with open(os.path.join(_dir, {helper_name + '.py'!r}), 'w') as _fh:",
                  "    _fh.write(HELPER)", "sys.path.insert(0, _dir)", ""]
    lines.append(program.main.replace("HELPERMOD", helper_name))
    args = ", ".join(_arg_text(kind, value) for kind, value in program.args)
    lines.append(_CHECK.format(args=args, params=list(program.params), wrt=tuple(program.wrt)))
    return "\n".join(lines)
