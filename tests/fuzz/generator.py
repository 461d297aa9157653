"""Random Python/numpy programs for differential testing of srcdiff.

A program is a module defining ``f(x, s, M, r[, fn])`` that returns a scalar, where ``x`` has shape (3,), ``s`` is
a float, ``M`` has shape (2, 3) and ``r`` has shape (1, 3); ``fn`` (a function-valued argument) is only there when
the ``funarg`` construct asks for it. A program may import a second generated module of helpers that read their
own module's globals; its name in the main text is the placeholder ``HELPERMOD``, which the runner replaces by a
fresh module name each time it writes the files.

Each construct is a switch: a profile is the set of switched-on constructs. Every value stays bounded (``tanh``,
``sin`` and friends guard whatever could grow), branch conditions are on continuous data (ties have probability
zero, and the runner skips the rare point where finite differences with two step sizes disagree), so a gradient
that disagrees with central differences means a bug.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

SHAPES = {"s": (), "v": (3,), "r": (1, 3), "m": (2, 3)}
# which shapes broadcast into which: an operand of shape a may join an expression of shape b
FITS = {"s": {"s"}, "v": {"s", "v"}, "r": {"s", "v", "r"}, "m": {"s", "v", "r", "m"}}
ARRAY_SHAPES = ("v", "r", "m")

CONSTRUCTS = {
    "elementwise": "numpy elementwise functions (exp, log1p, arctan, hypot, logaddexp...)",
    "broadcast": "operands of shapes (), (3,), (1,3), (2,3) mixed in one expression",
    "reduction": "sum/mean/max/min/prod/std/var/cumsum/norm with axis and keepdims",
    "indexing": "reads by slice, integer array (with repeats), mask, None, negative index",
    "subscript_expr": "subscripts of compound expressions: (M + M)[1], (x * 2.0)[0]",
    "where": "np.where, np.maximum/minimum, np.clip, abs",
    "linalg": "@, dot, outer, einsum, solve, det, inv",
    "loop": "for loops over ranges, arrays, enumerate and zip, with loop-carried arrays",
    "branch": "data-dependent if/elif/else and conditional expressions",
    "while": "while loops whose trip count depends on the data",
    "break_continue": "break and continue on data-dependent conditions",
    "early_return": "return inside an if in the middle of the function",
    "reassign": "the same name (parameters included) rebound many times, augmented assignment",
    "tuple": "tuple assignment, swaps, unpacking of arrays and nested tuples",
    "inplace_set": "y[i] = ... on an array the function made (np.zeros, ones)",
    "inplace_aug": "y[i] += ..., y[1:] *= ..., repeated indices, on a copy",
    "alias": "z = y then in-place update of y; views by reshape, slice, .T, row",
    "copy": "copy idioms: x * 1.0, x.copy(), np.array(x), np.copy(x), x + 0.0, then in-place",
    "append": "lists built by append in a loop, then indexed, stacked or summed",
    "helper_module": "helpers in another module reading that module's globals",
    "closure": "closures from factories (module level, helper module, made inside f over active values)",
    "funarg": "function-valued arguments: to helpers, lambdas, and a parameter of f",
    "container": "tuples/lists passed to helpers and used twice",
    "local_def": "def and lambda inside f reading f's variables",
    "math_scalar": "math module functions on scalars (math.sin, math.exp, math.hypot...)",
    "recursion": "a recursive module-level function with an integer depth",
    "repeated_index": "in-place updates at repeated integer indices: y[[1, 1]] -= v (numpy applies it once)",
    "partial_wrt": "gradients with respect to some of the inputs only (the others constant, None tangents in jvp)",
    "dict": "dicts built, read and updated by key, get with a default, items() and values() loops, to helpers",
    "comprehension": "list and dict comprehensions, generator expressions in sum/max, filters, reversed loops",
}

PROFILES = {
    "all": tuple(CONSTRUCTS),
    "basic": ("elementwise", "broadcast", "reduction", "indexing", "subscript_expr", "where", "linalg"),
    "control": ("loop", "branch", "while", "break_continue", "early_return", "reassign", "tuple", "recursion"),
    "mutation": ("inplace_set", "inplace_aug", "repeated_index", "alias", "copy", "append", "loop", "reassign"),
    "calls": ("helper_module", "closure", "funarg", "container", "local_def", "recursion", "math_scalar"),
    "containers": ("dict", "comprehension", "container", "append", "loop", "reassign", "tuple"),
}

# smooth, bounded on the whole real line (or nearly: abs has one kink)
BASIC_UNARY = ["np.sin({a})", "np.cos({a})", "np.tanh({a})", "0.5 * {a}", "-{a}", "np.tanh({a}) ** 2"]
ELEMENTWISE = ["np.exp(np.tanh({a}))", "np.log(1.0 + {a} * {a})", "np.sqrt(1.0 + {a} ** 2)", "np.arctan({a})",
               "np.log1p({a} ** 2)", "np.expm1(np.tanh({a}))", "np.sinh(np.tanh({a}))", "np.cosh(np.tanh({a}))",
               "np.hypot({a}, 1.0)", "np.logaddexp({a}, 0.0)", "1.0 / (1.0 + np.exp(-{a}))", "np.arcsinh({a})",
               "np.reciprocal(2.0 + np.sin({a}))", "np.exp2(np.tanh({a}))", "np.log2(2.0 + np.cos({a}))",
               "np.square(np.tanh({a}))", "np.power(1.0 + {a} * {a}, 0.5)", "np.tanh({a}) ** 3",
               "np.arctan2({a}, 2.0)", "np.log10(3.0 + np.sin({a}))", "np.cos({a}) ** 2 + np.sin({a})"]
BINARY = ["{a} + {b}", "{a} - {b}", "{a} * np.tanh({b})", "np.sin({a}) * {b}", "{a} / (1.5 + np.sin({b}))",
          "{a} - 0.3 * {b} ** 2", "0.5 * {a} * {b}"]


@dataclass
class Program:
    """A generated program: the module texts, the inputs and what it is made of."""

    main: str
    helper: str | None
    params: list
    args: list  # per parameter: ("float", v) / ("array", ndarray) / ("expr", text evaluated in the module)
    wrt: tuple
    constructs: tuple
    seed: int = 0
    meta: dict = field(default_factory=dict)


class Gen:
    def __init__(self, seed: int, profile):
        self.seed = seed
        self.rng = random.Random(seed)
        self.on = set(profile)
        self.lines = []  # (indent, text) of f's body
        self.module_lines = []  # module-level definitions after the imports
        self.scope = {"x": "v", "s": "s", "M": "m", "r": "r"}
        self.owned = set()  # arrays the function made itself: safe to update in place
        self.terms = []  # extra scalar expressions added to the result
        self.used = set()
        self.uses_helper = False
        self.module_defs = set()
        self.counter = 0
        self.has_fn = False

    # ---- small helpers -------------------------------------------------------------------------------------

    def choice(self, seq):
        return self.rng.choice(list(seq))

    def coin(self, p=0.5):
        return self.rng.random() < p

    def const(self, lo=-0.9, hi=0.9):
        return f"{self.rng.uniform(lo, hi):.2f}"

    def fresh(self, prefix="a"):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, indent, text):
        self.lines.append((indent, text))

    def names(self, shape):
        return sorted(n for n, s in self.scope.items() if s == shape)

    def operand(self, shape):
        """A name or simple read of the given shape."""
        options = self.names(shape)
        conversions = {
            "s": ["np.sum(x)", "x[1]", "M[1, 2]", "np.mean(M)", "r[0, 0]"],
            "v": ["M[0]", "np.sum(M, axis=0)", "r[0]", "r.reshape(-1)", "x"],
            "r": ["x[None, :]", "np.mean(M, axis=0, keepdims=True)", "x.reshape(1, 3)", "r"],
            "m": ["M", "M * x", "np.stack([x, r[0]])"],
        }[shape]
        if self.coin(0.7) and options:
            return self.choice(options)
        text = self.choice(conversions)
        return f"({text})" if " " in text else text

    def expr(self, shape, depth=0):
        """A fresh (newly allocated) expression of the given shape."""
        unary = BASIC_UNARY + (ELEMENTWISE if "elementwise" in self.on else [])
        sub = (lambda sh: self.expr(sh, depth + 1)) if depth < 1 and self.coin(0.4) else self.operand
        if self.coin(0.4):
            template = self.choice(unary)
            if template in ELEMENTWISE:
                self.used.add("elementwise")
            return template.format(a=sub(shape))
        a = sub(shape)
        if "broadcast" in self.on and shape != "s" and self.coin(0.6):
            other = self.choice(sorted(FITS[shape]))
            if other != shape:
                self.used.add("broadcast")
        else:
            other = shape
        b = sub(other) if self.coin(0.3) else self.operand(other)
        if self.coin(0.3):
            a, b = b, a
            template = self.choice(["{a} + {b}", "{a} - {b}", "np.tanh({a}) * {b}"])
        else:
            template = self.choice(BINARY)
        return "(" + template.format(a=a, b=b) + ")"  # an operand of whatever comes next

    def scalar(self):
        return self.expr("s")

    def condition(self):
        subject = self.choice(sorted(self.scope))
        shape = self.scope[subject]
        lhs = subject if shape == "s" else self.choice([f"np.sum({subject})", f"np.mean({subject})",
                                                        f"np.max({subject})", f"{subject}.sum()"])
        op = self.choice([">", "<", ">=", "<="])
        test = f"{lhs} {op} {self.const(-0.6, 0.6)}"
        if self.coin(0.2):
            other = self.choice(["s", "x[0]", "np.min(M)"])
            test = f"{test} {self.choice(['and', 'or'])} {other} > {self.const()}"
        return test

    def new_var(self, shape, value, owned=True, prefix="a", indent=1):
        name = self.fresh(prefix)
        self.emit(indent, f"{name} = {value}")
        self.scope[name] = shape
        if owned and shape != "s":
            self.owned.add(name)
        return name

    def update(self, indent):
        """One statement that changes an existing variable: rebinding, or in place on an array f made."""
        owned = sorted(n for n in self.owned if n in self.scope)
        in_place = [c for c in ("inplace_set", "inplace_aug") if c in self.on]
        if owned and in_place and self.coin(0.4):
            name = self.choice(owned)
            shape = self.scope[name]
            index = {"v": ["[{i}]", "[1:]", "[:2]"], "r": ["[0, {i}]", "[:, 1:]", "[0]"],
                     "m": ["[1, {i}]", "[0]", "[:, {i}]", "[1:, 1:]"]}[shape]
            target = name + self.choice(index).format(i=self.rng.randrange(3))
            op = "=" if in_place == ["inplace_set"] else self.choice(["=", "+=", "-=", "*="])
            if op != "=" and "inplace_aug" not in self.on:
                op = "="
            self.used.add("inplace_set" if op == "=" else "inplace_aug")
            value = self.scalar() if op != "*=" else f"(1.0 + 0.5 * np.tanh({self.scalar()}))"
            self.emit(indent, f"{target} {op} {value}")
            return
        name = self.choice(sorted(self.scope))
        shape = self.scope[name]
        template = self.choice(["{t} = {e}", "{t} = np.tanh({e}) + 0.5 * {t}", "{t} = 0.9 * {t} + 0.1 * np.sin({e})",
                                "{t} = {t} * np.cos({e})"])
        self.emit(indent, template.format(t=name, e=self.expr(shape)))
        if shape != "s" and indent == 1:  # in a block, the other path may leave the old (maybe borrowed) array
            self.owned.add(name)

    def module_def(self, key, text):
        if key not in self.module_defs:
            self.module_defs.add(key)
            self.module_lines.append(text)

    # ---- constructs ----------------------------------------------------------------------------------------

    def c_elementwise(self, indent):
        shape = self.choice(["s", "v", "r", "m"])
        template = self.choice(ELEMENTWISE)
        self.new_var(shape, template.format(a=self.expr(shape)), indent=indent)

    def c_broadcast(self, indent):
        left, right = self.choice([("s", "m"), ("v", "m"), ("r", "m"), ("v", "r"), ("r", "v"), ("m", "r"),
                                   ("m", "v"), ("s", "v"), ("r", "s")])
        shape = right if left in FITS[right] else left
        op = self.choice(["+", "-", "*"])
        value = f"{self.expr(left)} {op} {self.operand(right)}"
        if self.coin(0.3):
            value = f"np.broadcast_to({self.expr(left)}, {SHAPES[shape]}) * {self.operand(right)}"
        self.new_var(shape, value, indent=indent)

    def c_reduction(self, indent):
        m, v = self.operand("m"), self.operand("v")
        options = [
            ("v", f"np.sum({m}, axis=0)"), ("v", f"np.mean(np.tanh({m}), axis=-2)"),
            ("m", f"{m} * np.mean({m}, axis=1, keepdims=True)"),
            ("r", f"np.mean({m}, axis=0, keepdims=True)"), ("s", f"np.sum(np.max({m}, axis=1))"),
            ("s", f"np.prod(np.tanh({v}) + 2.0)"), ("v", f"np.std({m}, axis=0)"), ("s", f"np.var({v})"),
            ("v", f"np.cumsum({v})"), ("s", f"np.linalg.norm({v})"), ("s", f"np.sum({m}, axis=(0, 1))"),
            ("m", f"{m} - {m}.sum(axis=-1, keepdims=True)"), ("s", f"np.min({m})"), ("v", f"np.min({m}, axis=0)"),
            ("s", f"{v}.mean()"), ("v", f"{m}.max(axis=0)"), ("s", f"np.sum({m} ** 2, axis=1)[0]"),
            ("m", f"{m} / np.sum(np.exp({m}), axis=1, keepdims=True)"),
            ("v", f"np.prod(1.0 + 0.5 * np.tanh({m}), axis=0)"),
        ]
        shape, value = self.choice(options)
        self.new_var(shape, value, indent=indent)

    def c_indexing(self, indent):
        v, m = self.operand("v"), self.operand("m")
        name = self.choice(self.names("v"))
        mat = self.choice(self.names("m"))
        options = [
            ("v", f"{name}[::-1] * {v}"), ("v", f"{name}[[2, 0, 0]]"), ("m", f"{mat}[:, [1, 1, 0]]"),
            ("v", f"{mat}[1] + {mat}[0]"), ("s", f"np.sum({mat}[:, 1])"), ("s", f"np.sum({name}[{name} > 0.1])"),
            ("s", f"np.sum({mat}[{mat} > 0.0] ** 2)"), ("s", f"{name}[-1] * {mat}[1, -2]"),
            ("s", f"np.sum(r[0, 1:] * {name}[:2])"), ("m", f"{mat}[np.array([1, 0])]"), ("m", f"{name}[None, :] * {m}"),
            ("v", f"{mat}[..., 0].sum() + {name}"), ("v", f"np.concatenate([{name}[1:], {name}[:1]])"),
            ("m", f"{mat}[::-1, :]"), ("r", f"{mat}[-1:, :]"),
            ("v", f"np.where({name} > 0.0, {name}, 0.0) + {v}[[0, 1, 2]]"),
            ("s", f"{mat}[1][2]"), ("v", f"{name}[np.array([0, 2, 1])] * 2.0"),
        ]
        shape, value = self.choice(options)
        self.new_var(shape, value, owned=False, indent=indent)

    def c_subscript_expr(self, indent):
        v, m = self.operand("v"), self.operand("m")
        name, mat = self.choice(self.names("v")), self.choice(self.names("m"))
        shape, value = self.choice([
            ("v", f"({mat} + {m})[1]"), ("s", f"({name} * 2.0)[0]"), ("s", f"np.sum((np.tanh({mat}) * {v})[:, 2])"),
            ("m", f"({mat} - {v})[::-1]"), ("v", f"(np.tanh({name}) + {v})[[2, 0, 1]]"),
        ])
        self.new_var(shape, value, owned=False, indent=indent)

    def c_where(self, indent):
        shape = self.choice(["s", "v", "r", "m"])
        a, b = self.expr(shape), self.expr(shape)
        cond_subject = self.choice(self.names(shape) or ["s"])
        options = [
            f"np.where({cond_subject} > {self.const()}, {a}, {b})",
            f"np.maximum(np.tanh({a}), 2.0 + np.sin({b}))",  # clearly separated: always the right operand
            f"np.minimum(np.tanh({a}), -2.0 + np.sin({b}))",
            f"np.maximum({a}, {b})",
            f"np.clip({a}, -0.4, 0.6)",
            f"np.abs({a})",
            f"np.where({cond_subject} < 0.0, -{a}, {a})",
        ]
        self.new_var(shape, self.choice(options), indent=indent)

    def c_linalg(self, indent):
        m, v = self.operand("m"), self.operand("v")
        options = [
            ("s", f"np.sum(np.tanh({m} @ {v}))"), ("s", f"{v} @ {v}"), ("s", f"np.sum(np.dot({m}, {v}) ** 2)"),
            ("s", f"np.sum(np.sin(np.outer({v}, {v})))"), ("s", f"np.trace({m}.T @ {m})"),
            ("s", f"np.sum(np.einsum('ij,j->i', {m}, {v}))"), ("m", f"{m} * ({m} @ r.T)"),
            ("s", f"np.linalg.det({m} @ {m}.T + np.eye(2))"),
            ("s", f"np.sum(np.linalg.solve({m} @ {m}.T + 2.0 * np.eye(2), {m} @ {v}))"),
            ("s", f"np.sum(np.linalg.inv({m} @ {m}.T + 2.0 * np.eye(2)))"), ("v", f"np.matmul({v}, {m}.T @ {m})"),
            ("s", f"np.inner({v}, np.tanh({v}))"),
        ]
        shape, value = self.choice(options)
        self.new_var(shape, value, indent=indent)

    def c_loop(self, indent):
        kinds = ["range", "rows", "enumerate", "zip", "nested", "array"]
        kind = self.choice(kinds + (["range_inplace"] if "inplace_set" in self.on else []))
        n = self.rng.randint(2, 4)
        if kind == "range":
            shape = self.choice(["s", "v", "r", "m"])
            init = self.choice(["np.zeros({sh})", "{e}", "{e} * 0.0"]).format(sh=SHAPES[shape], e=self.expr(shape))
            acc = self.new_var(shape, init, indent=indent, prefix="acc")
            self.emit(indent, f"for i in range({n}):")
            self.emit(indent + 1, f"{acc} = {self.const(0.3, 0.9)} * {acc} "
                                  f"+ np.sin({self.expr(shape)} + {acc}) * (i + 1) / {n}")
            if self.coin(0.4):
                self.update(indent + 1)
        elif kind == "range_inplace":
            acc = self.new_var("v", self.choice(["np.zeros(3)", "x.copy()", "np.ones(3) * s"]), indent=indent,
                               prefix="acc")
            self.emit(indent, "for i in range(3):")
            self.emit(indent + 1, f"{acc}[i] = {self.const(0.2, 0.8)} * {acc}[i - 1] "
                                  f"+ np.tanh({self.scalar()} * (i + 1))")
            self.used.add("inplace_set")
        elif kind == "rows":
            acc = self.new_var("v", "np.zeros(3)", indent=indent, prefix="acc")
            mat = self.choice(self.names("m"))
            self.emit(indent, f"for row in {mat}:")
            self.emit(indent + 1, f"{acc} = {acc} * np.tanh(row) + np.sin(row + {acc})")
        elif kind == "enumerate":
            acc = self.new_var("s", "0.0", indent=indent, prefix="acc")
            vec = self.choice(self.names("v"))
            self.emit(indent, f"for i, xi in enumerate({vec}):")
            self.emit(indent + 1, f"{acc} = {acc} + np.sin(xi * {acc} + i) * {self.operand('s')}")
        elif kind == "zip":
            acc = self.new_var("s", self.scalar(), indent=indent, prefix="acc")
            a, b = self.choice(self.names("v")), self.choice(["r[0]", "M[1]", "x"])
            self.emit(indent, f"for p, q in zip({a}, {b}):")
            self.emit(indent + 1, f"{acc} = np.tanh({acc} * p + q)")
        elif kind == "nested":
            shape = self.choice(["s", "v", "m"])
            acc = self.new_var(shape, self.expr(shape), indent=indent, prefix="acc")
            self.emit(indent, f"for i in range({n}):")
            self.emit(indent + 1, f"for j in range({self.rng.randint(1, 3)}):")
            self.emit(indent + 2, f"{acc} = np.sin({acc} * {self.const()} + {self.expr(shape)}) + 0.1 * j")
            self.emit(indent + 1, f"{acc} = 0.5 * {acc} + {self.operand(shape)}")
        else:  # over an array of values
            acc = self.new_var("m", "M * 0.0", indent=indent, prefix="acc")
            self.emit(indent, f"for c in np.array([{self.const()}, {self.const()}, {self.const()}]):")
            self.emit(indent + 1, f"{acc} = np.tanh({acc} + c * {self.operand('m')})")

    def c_branch(self, indent):
        kind = self.choice(["if_else", "if_elif", "if_only", "ifexp", "nested"])
        if kind == "ifexp":
            shape = self.choice(["s", "v", "r", "m"])
            self.new_var(shape, f"{self.expr(shape)} if {self.condition()} else {self.expr(shape)}", indent=indent)
            return
        if kind == "if_only":
            self.emit(indent, f"if {self.condition()}:")
            self.update(indent + 1)
            if self.coin():
                self.update(indent + 1)
            return
        # a new variable bound in every branch
        shape = self.choice(["s", "v", "r", "m"])
        name = self.fresh("b")
        self.emit(indent, f"if {self.condition()}:")
        self.emit(indent + 1, f"{name} = {self.expr(shape)}")
        if self.coin(0.4):
            self.update(indent + 1)
        if kind == "nested":
            self.emit(indent + 1, f"if {self.condition()}:")
            self.emit(indent + 2, f"{name} = {name} * {self.expr(shape)}")
        if kind == "if_elif":
            self.emit(indent, f"elif {self.condition()}:")
            self.emit(indent + 1, f"{name} = {self.expr(shape)}")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{name} = {self.expr(shape)}")
        if self.coin(0.3):
            self.update(indent + 1)
        self.scope[name] = shape
        if shape != "s":
            self.owned.add(name)

    def c_while(self, indent):
        kind = self.choice(["scalar", "array", "counter"])
        t = self.fresh("w")
        k = self.fresh("k")
        limit = self.rng.randint(3, 8)
        if kind == "scalar":
            self.emit(indent, f"{t} = {self.scalar()}")
            self.emit(indent, f"{k} = 0")
            self.emit(indent, f"while {t} < {self.const(1.0, 3.0)} and {k} < {limit}:")
            self.emit(indent + 1, f"{t} = {t} + 0.4 + 0.3 * np.tanh({self.scalar()}) ** 2")
            self.emit(indent + 1, f"{k} += 1")
            self.scope[t] = "s"
        elif kind == "array":
            self.emit(indent, f"{t} = {self.expr('v')}")
            self.emit(indent, f"{k} = 0")
            self.emit(indent, f"while np.sum({t} ** 2) < {self.const(2.0, 6.0)} and {k} < {limit}:")
            self.emit(indent + 1, f"{t} = {t} * 1.3 + 0.2 * np.tanh({self.operand('v')})")
            self.emit(indent + 1, f"{k} = {k} + 1")
            self.scope[t] = "v"
            self.owned.add(t)
        else:  # the counter itself feeds the value
            self.emit(indent, f"{t} = {self.scalar()}")
            self.emit(indent, f"{k} = 0")
            self.emit(indent, f"while {k} < {limit}:")
            self.emit(indent + 1, f"{t} = np.sin({t} * {self.const()} + {k} * 0.1) + {self.operand('s')}")
            self.emit(indent + 1, f"{k} += 1")
            self.emit(indent + 1, f"if {t} > {self.const(0.3, 1.5)}:")
            self.emit(indent + 2, "break")
            self.scope[t] = "s"

    def c_break_continue(self, indent):
        shape = self.choice(["s", "v"])
        acc = self.new_var(shape, self.expr(shape), indent=indent, prefix="acc")
        self.emit(indent, f"for i in range({self.rng.randint(3, 5)}):")
        test = f"np.sum({acc}) > {self.const(0.0, 1.5)}"
        if self.coin():
            self.emit(indent + 1, f"if {test}:")
            self.emit(indent + 2, self.choice(["break", "continue"]))
            self.emit(indent + 1, f"{acc} = {acc} + np.tanh({self.expr(shape)}) * 0.5")
        else:
            self.emit(indent + 1, f"{acc} = {acc} + np.tanh({self.expr(shape)}) * 0.5")
            self.emit(indent + 1, f"if {test}:")
            self.emit(indent + 2, f"{acc} = {acc} * 0.5")
            self.emit(indent + 2, self.choice(["break", "continue"]))

    def c_early_return(self, indent):
        self.emit(indent, f"if {self.condition()}:")
        self.emit(indent + 1, f"return {self.result(partial=True)}")

    def c_reassign(self, indent):
        kind = self.choice(["chain", "param", "augmented"] + (["param_inplace"] if "inplace_set" in self.on else []))
        if kind == "chain":
            shape = self.choice(["s", "v", "r", "m"])
            name = self.new_var(shape, self.expr(shape), indent=indent, prefix="t")
            for _ in range(self.rng.randint(2, 5)):
                template = self.choice(["{t} = np.sin({t}) + {e}", "{t} = {t} * 0.5 + {e}", "{t} = np.tanh({t} * {e})",
                                        "{t} += {e}", "{t} = {e} - {t}", "{t} *= 0.9"])
                self.emit(indent, template.format(t=name, e=self.expr(shape)))
        elif kind == "param":
            name = self.choice(["x", "s", "M", "r"])
            shape = self.scope[name]
            self.emit(indent, f"{name} = {self.expr(shape)}")
            self.emit(indent, f"{name} = np.tanh({name}) + 0.5 * {self.operand(shape)}")
            self.owned.add(name) if shape != "s" else None
        elif kind == "augmented":
            name = self.choice(sorted(n for n in self.scope if n not in ("x", "M", "r") or n in self.owned) or ["s"])
            shape = self.scope[name]
            if shape != "s" and name not in self.owned:
                name = "s"
                shape = "s"
            for _ in range(self.rng.randint(1, 3)):
                op = self.choice(["+=", "-=", "*="])
                value = self.expr(shape if shape == "s" or self.coin() else "s")
                if op == "*=":
                    value = f"np.cos({value})"
                self.emit(indent, f"{name} {op} {value}")
        else:  # a parameter rebound to a fresh array, then updated in place
            name = self.choice(["x", "M"])
            self.emit(indent, f"{name} = {name} * {self.choice([self.const(0.5, 0.9), self.const(1.1, 1.5)])}")
            self.emit(indent, f"{name}[{'1' if name == 'x' else '0, 1'}] = {self.scalar()}")
            self.owned.add(name)
            self.used.add("inplace_set")

    def c_tuple(self, indent):
        kind = self.choice(["pair", "swap", "swap_loop", "unpack_array", "unpack_rows", "nested"])
        if kind == "pair":
            a, b = self.fresh("p"), self.fresh("q")
            sa, sb = self.choice(["s", "v", "m"]), self.choice(["s", "v", "r"])
            self.emit(indent, f"{a}, {b} = {self.expr(sa)}, {self.expr(sb)}")
            self.scope[a], self.scope[b] = sa, sb
        elif kind in ("swap", "swap_loop"):
            shape = self.choice(["s", "v", "m"])
            a = self.new_var(shape, self.expr(shape), indent=indent, prefix="p")
            b = self.new_var(shape, self.expr(shape), indent=indent, prefix="q")
            if kind == "swap":
                self.emit(indent, f"{a}, {b} = {b}, {a}")
                self.emit(indent, f"{a} = {a} * {self.const(1.1, 2.0)}")
            else:
                self.emit(indent, f"for i in range({self.rng.randint(2, 4)}):")
                self.emit(indent + 1, f"{a}, {b} = {b}, {a} * 0.5 + np.sin({b})")
        elif kind == "unpack_array":
            names = [self.fresh("u") for _ in range(3)]
            self.emit(indent, f"{', '.join(names)} = {self.expr('v')}")
            for n in names:
                self.scope[n] = "s"
        elif kind == "unpack_rows":
            a, b = self.fresh("row"), self.fresh("row")
            self.emit(indent, f"{a}, {b} = {self.choice(self.names('m'))}")
            self.scope[a] = self.scope[b] = "v"  # views: never updated in place
        else:
            a, b, c = self.fresh("p"), self.fresh("q"), self.fresh("c")
            self.emit(indent, f"({a}, {b}), {c} = ({self.expr('v')}, {self.scalar()}), {self.expr('m')}")
            self.scope.update({a: "v", b: "s", c: "m"})

    def c_inplace_set(self, indent):
        kind = self.choice(["vector", "matrix", "loop", "fancy"])
        if kind == "vector":
            y = self.new_var("v", self.choice(["np.zeros(3)", "np.ones(3)", "np.zeros_like(x)"]), indent=indent,
                             prefix="y")
            for _ in range(self.rng.randint(1, 3)):
                target = self.choice([f"{y}[{self.rng.randrange(3)}]", f"{y}[-1]"])
                self.emit(indent, f"{target} = {self.scalar()}")
            if self.coin():
                self.emit(indent, f"{y}[1:] = np.sin({self.operand('v')}[:2]) * {self.operand('s')}")
        elif kind == "matrix":
            y = self.new_var("m", self.choice(["np.zeros((2, 3))", "np.ones((2, 3))", "np.zeros_like(M)"]),
                             indent=indent, prefix="y")
            self.emit(indent, f"{y}[{self.rng.randrange(2)}] = {self.expr('v')}")
            self.emit(indent, f"{y}[:, {self.rng.randrange(3)}] = "
                              f"np.tanh({self.operand('m')}[:, 0]) * {self.operand('s')}")
            if self.coin():
                self.emit(indent, f"{y}[1, 2] = {self.scalar()}")
        elif kind == "loop":
            y = self.new_var("v", "np.zeros(3)", indent=indent, prefix="y")
            self.emit(indent, "for i in range(3):")
            self.emit(indent + 1, f"{y}[i] = np.sin({self.operand('v')}[i]) * {self.operand('s')} + 0.5 * {y}[i - 1]")
        else:
            y = self.new_var("v", "np.zeros(3)", indent=indent, prefix="y")
            self.emit(indent, f"{y}[[0, 2]] = {self.operand('v')}[[1, 0]] * {self.scalar()}")
            self.emit(indent, f"{y}[{self.operand('v')} > 0.0] = {self.scalar()}")

    def copy_of(self, shape):
        source = self.choice(self.names(shape))
        if "copy" not in self.on or self.coin(0.3):
            return f"{source}.copy()"
        self.used.add("copy")
        return self.choice([f"{source} * 1.0", f"np.array({source})", f"np.copy({source})", f"{source} + 0.0",
                            f"1.0 * {source}"])

    def c_inplace_aug(self, indent):
        shape = self.choice(["v", "m", "r"])
        y = self.new_var(shape, self.copy_of(shape), indent=indent, prefix="y")
        idx = {"v": ["[{i}]", "[1:]", "[::2]", "[[2, 0]]", "[-1]"], "r": ["[0, {i}]", "[:, :2]", "[0]"],
               "m": ["[1, {i}]", "[0]", "[:, {i}]", "[:, 1:]", "[[1, 0]]"]}[shape]
        for _ in range(self.rng.randint(1, 3)):
            op = self.choice(["+=", "-=", "*=", "/="])
            value = self.scalar()
            if op in ("*=", "/="):
                value = f"(1.5 + np.sin({value}))"
            self.emit(indent, f"{y}{self.choice(idx).format(i=self.rng.randrange(3))} {op} {value}")
        if self.coin(0.3):
            self.emit(indent, f"{y} *= np.tanh({self.operand(shape)})")
        if shape == "v" and self.coin(0.3):
            self.emit(indent, "for i in range(1, 3):")
            self.emit(indent + 1, f"{y}[i] += {y}[i - 1] * {self.const()}")

    def c_math_scalar(self, indent):
        self.module_def("import_math", "import math")
        templates = ["math.sin({a})", "math.cos({a})", "math.tanh({a})", "math.exp(math.tanh({a}))",
                     "math.log1p({a} * {a})", "math.atan({a})", "math.sqrt(1.0 + {a} * {a})", "math.hypot({a}, 1.0)",
                     "math.pow(1.0 + {a} * {a}, 0.5)", "math.erf({a})", "math.atan2({a}, 2.0)"]
        first = self.choice(templates).format(a=self.scalar())
        second = self.choice(templates).format(a=self.operand("s"))
        self.new_var("s", f"{first} * {second} + {self.choice(templates).format(a=first)}", indent=indent)

    def c_recursion(self, indent):
        self.module_def("rec", "def rec(u, n):\n    if n == 0:\n        return u\n"
                               "    return rec(np.sin(u) * 0.9 + 0.1 * u, n - 1)")
        shape = self.choice(["s", "v", "m"])
        self.new_var(shape, f"rec({self.expr(shape)}, {self.rng.randint(0, 3)})", indent=indent)

    def c_repeated_index(self, indent):
        shape = self.choice(["v", "m"])
        y = self.new_var(shape, f"{self.choice(self.names(shape))}.copy()", indent=indent, prefix="y")
        index = {"v": self.choice(["[[0, 0, 2]]", "[[1, 1]]", "[np.array([2, 2, 0])]"]),
                 "m": self.choice(["[[1, 1]]", "[[0, 1, 0]]", "[:, [2, 2]]"])}[shape]
        op = self.choice(["+=", "-=", "*=", "="])
        value = self.scalar() if op != "*=" else f"(1.5 + np.sin({self.scalar()}))"
        self.emit(indent, f"{y}{index} {op} {value}")

    def c_alias(self, indent):
        kind = self.choice(["same_object", "reshape_view", "slice_view_input", "slice_view_copy", "row_view",
                            "transpose_view", "rebind_breaks", "loop_alias"])
        if kind == "same_object":
            shape = self.choice(["v", "m"])
            y = self.new_var(shape, self.copy_of(shape), indent=indent, prefix="y")
            z = self.new_var(shape, y, indent=indent, prefix="z")
            self.emit(indent, f"{y}[{self.rng.randrange(2)}] {self.choice(['=', '+=', '*='])} {self.scalar()}")
            if self.coin():
                self.emit(indent, f"{y} += {self.scalar()}")
            self.owned.add(z)  # z and y are one object: later updates of either show in both
        elif kind == "reshape_view":
            w = self.new_var("m", self.copy_of("m"), indent=indent, prefix="w")
            v = self.fresh("v")
            self.emit(indent, f"{v} = {w}.reshape(-1)")
            self.emit(indent, f"{v} {self.choice(['-=', '+=', '*='])} {self.choice(['1.0', self.scalar()])}")
            if self.coin():
                self.emit(indent, f"{v}[{self.rng.randrange(6)}] = {self.scalar()}")
            self.terms.append(f"np.sum({v} * np.arange(6.0))")
        elif kind == "slice_view_input":
            v = self.fresh("v")
            src = self.choice(["x", "r[0]", "M[1]"])
            self.emit(indent, f"{v} = {src}[:]")
            self.emit(indent, f"{v} = {v} * {self.const(0.5, 2.0)} + {self.scalar()}")
            self.scope[v] = "v"
            self.owned.add(v)
            self.emit(indent, f"{v}[0] = {self.scalar()}")
        elif kind == "slice_view_copy":
            w = self.new_var("v", self.copy_of("v"), indent=indent, prefix="w")
            v = self.fresh("v")
            self.emit(indent, f"{v} = {w}[:]")
            self.emit(indent, f"{v}[1] += {self.scalar()}")
            self.emit(indent, f"{v}[0] = {v}[2] * {self.scalar()}")
            self.scope[v] = "v"
            self.owned.add(v)
        elif kind == "row_view":
            w = self.new_var("m", self.copy_of("m"), indent=indent, prefix="w")
            row = self.fresh("row")
            self.emit(indent, f"{row} = {w}[{self.rng.randrange(2)}]")
            self.emit(indent, f"{row} *= {self.scalar()}")
            self.terms.append(f"np.sum(np.sin({row}))")
        elif kind == "transpose_view":
            w = self.new_var("m", self.copy_of("m"), indent=indent, prefix="w")
            t = self.fresh("t")
            self.emit(indent, f"{t} = {w}.T")
            self.emit(indent, f"{t}[{self.rng.randrange(3)}, {self.rng.randrange(2)}] = {self.scalar()}")
        elif kind == "rebind_breaks":
            y = self.new_var("v", self.copy_of("v"), indent=indent, prefix="y")
            self.new_var("v", y, indent=indent, prefix="z")
            self.emit(indent, f"{y} = {y} * {self.const(1.1, 2.0)}")
            self.emit(indent, f"{y}[0] = {self.scalar()}")
        else:
            y = self.new_var("v", self.copy_of("v"), indent=indent, prefix="y")
            z = self.fresh("z")
            self.emit(indent, "for i in range(3):")
            self.emit(indent + 1, f"{z} = {y}")
            self.emit(indent + 1, f"{y}[i] = {z}[i - 1] * 0.5 + np.sin({self.scalar()})")
            self.scope[z] = "v"
            self.owned.add(z)

    def c_copy(self, indent):
        shape = self.choice(["v", "r", "m"])
        y = self.new_var(shape, self.copy_of(shape), indent=indent, prefix="cp")
        index = {"v": "[1]", "r": "[0, 2]", "m": "[1, 0]"}[shape]
        self.emit(indent, f"{y}{index} {self.choice(['=', '+=', '*='])} {self.scalar()}")
        if self.coin(0.3):
            self.emit(indent, f"{y} -= {self.expr(shape)}")

    def c_append(self, indent):
        xs = self.fresh("xs")
        self.emit(indent, f"{xs} = []")
        self.emit(indent, f"for i in range({self.rng.randint(2, 4)}):")
        self.emit(indent + 1, f"{xs}.append(np.sin({self.operand('v')} * (i + 1)) + {self.operand('s')})")
        use = self.choice(["v:{xs}[0] * {xs}[-1]", "v:sum({xs})", "m:np.stack({xs})[:2]",
                           "v:np.sum(np.stack({xs}), axis=0)",
                           "v:{xs}[1] + np.tanh({xs}[0])"])
        shape, value = use.split(":", 1)
        self.new_var(shape, value.format(xs=xs), indent=indent)

    def use_helper(self):
        self.uses_helper = True
        self.module_def("import_helper", "import HELPERMOD as H")

    def c_helper_module(self, indent):
        self.use_helper()
        shape = self.choice(["v", "r", "m"])
        a = self.expr(shape)
        kind = self.choice(["scale", "w", "chain", "pair", "default", "loop", "mut", "from_import", "global_array"])
        if kind == "pair":
            p, q = self.fresh("p"), self.fresh("q")
            self.emit(indent, f"{p}, {q} = H.h_pair({a})")
            self.scope[p] = self.scope[q] = shape
            return
        if kind == "from_import":
            self.module_def("from_helper", "from HELPERMOD import h_chain, h_scale")
            value = f"h_chain({a}) + h_scale({self.operand(shape)})"
        elif kind == "default":
            value = self.choice([f"H.h_default({a})", f"H.h_default({a}, {self.operand('s')})",
                                 f"H.h_default({a}, c={self.const()})"])
        elif kind == "global_array":
            value = f"{a} * H.W + H.SHIFT"
        else:
            value = f"H.h_{kind}({a})"
        self.new_var(shape, value, indent=indent)

    def c_closure(self, indent):
        kind = self.choice(["module", "module_lambda", "helper", "inside_active", "inside_constant"])
        shape = self.choice(["s", "v", "m"])
        self.module_def("make_k", "def make_k(c):\n    def k(u):\n        return np.sin(u) * c + 0.1 * u\n    return k")
        self.module_def("make_l", "def make_l(c):\n    return lambda u: np.tanh(u * c) + c")
        if kind == "module":
            self.module_def("k_global", f"K1 = make_k({self.const()})")
            value = f"K1({self.expr(shape)})"
        elif kind == "module_lambda":
            self.module_def("l_global", f"L1 = make_l({self.const()})")
            value = f"L1({self.expr(shape)}) * L1({self.operand(shape)})"
        elif kind == "helper":
            self.use_helper()
            value = f"H.make_affine({self.const()})({self.expr(shape)})"
        elif kind == "inside_active":
            g = self.fresh("g")
            self.emit(indent, f"{g} = {self.choice(['make_k', 'make_l'])}({self.scalar()})")
            value = f"{g}({self.expr(shape)}) + {g}({self.operand(shape)})"
        else:
            g = self.fresh("g")
            self.emit(indent, f"{g} = make_k({self.const()})")
            value = f"{g}({self.expr(shape)})"
        self.new_var(shape, value, indent=indent)

    def c_funarg(self, indent):
        kind = self.choice(["apply_np", "apply_module", "apply_lambda", "apply_helper", "param", "twice"])
        shape = self.choice(["s", "v", "m"])
        self.module_def("apply", "def apply(fn, u):\n    return fn(u) + 0.5 * fn(0.5 * u)")
        self.module_def("twice", "def twice(fn, u):\n    return fn(fn(u))")
        self.module_def("smooth", "def smooth(u):\n    return np.tanh(u) * 0.8 + 0.1 * u")
        a = self.expr(shape)
        if kind == "apply_np":
            value = f"apply({self.choice(['np.tanh', 'np.sin', 'np.arctan'])}, {a})"
        elif kind == "apply_module":
            value = f"apply(smooth, {a})"
        elif kind == "apply_lambda":
            value = f"apply(lambda u: u * {self.operand('s')} + np.sin(u), {a})"
        elif kind == "apply_helper":
            self.use_helper()
            value = f"apply(H.h_scale, {a})"
        elif kind == "twice":
            value = f"twice({self.choice(['smooth', 'np.sin'])}, {a})"
        else:
            self.has_fn = True
            value = f"fn({a}) + fn({self.operand(shape)})"
        self.new_var(shape, value, indent=indent)

    def c_container(self, indent):
        kind = self.choice(["tuple_helper", "list_helper", "unpack", "helper_module", "index_twice"])
        self.module_def("use_pair", "def use_pair(p):\n    return p[0] * np.tanh(p[1]) + p[0]")
        self.module_def("total", "def total(items):\n    t = 0.0\n    for it in items:\n"
                                 "        t = t + np.sum(np.sin(it))\n    return t")
        shape = self.choice(["v", "m"])
        pk = self.fresh("pk")
        if kind == "tuple_helper":
            self.emit(indent, f"{pk} = ({self.expr(shape)}, {self.operand('s')})")
            self.new_var(shape, f"use_pair({pk}) + use_pair({pk})", indent=indent)
        elif kind == "list_helper":
            self.emit(indent, f"{pk} = [{self.expr(shape)}, {self.operand('v')}, {self.operand('s')}]")
            self.new_var("s", f"total({pk}) * total({pk}[:2])", indent=indent)
        elif kind == "unpack":
            self.emit(indent, f"{pk} = ({self.expr(shape)}, {self.expr('s')})")
            a, b = self.fresh("e"), self.fresh("e")
            self.emit(indent, f"{a}, {b} = {pk}")
            self.scope[a], self.scope[b] = shape, "s"
            self.terms.append(f"np.sum({pk}[0]) * {pk}[1]")
        elif kind == "helper_module":
            self.use_helper()
            self.emit(indent, f"{pk} = ({self.expr(shape)}, {self.operand(shape)})")
            self.new_var(shape, f"H.h_container({pk}) - H.h_container({pk})[::-1] * 0.5", indent=indent)
        else:
            self.emit(indent, f"{pk} = [{self.expr('v')}, {self.expr('v')}]")
            self.new_var("v", f"{pk}[0] * {pk}[1] + {pk}[0]", indent=indent)

    def c_dict(self, indent):
        kind = self.choice(["read", "update", "get", "items", "values", "helper"])
        self.module_def("weigh", "def weigh(d):\n    return np.sum(d['a']) * np.tanh(np.sum(d['b']))")
        shape = self.choice(["v", "s", "m"])
        d = self.fresh("d")
        self.emit(indent, f"{d} = {{'a': {self.expr(shape)}, 'b': {self.expr('s')}}}")
        if kind == "read":
            self.new_var(shape, f"{d}['a'] * {d}['b'] + {d}['a']", indent=indent)
        elif kind == "update":
            self.emit(indent, f"{d}['b'] = {d}['b'] * {self.expr('s')}")
            self.emit(indent, f"{d}['c'] = np.sin({d}['a'])")
            self.new_var(shape, f"{d}['c'] * {d}['b'] + {d}['a']", indent=indent)
        elif kind == "get":
            self.new_var(shape, f"{d}.get('a', 0.0) * {d}.get('z', {self.operand('s')})", indent=indent)
        elif kind == "items":
            t = self.new_var("s", "0.0", indent=indent)
            self.emit(indent, f"for k, u in {d}.items():")
            self.emit(indent + 1, f"{t} = {t} + np.sum(np.sin(u)) * (2.0 if k == 'a' else 0.5)")
        elif kind == "values":
            self.new_var("s", f"sum(np.sum(u ** 2) for u in {d}.values())", indent=indent)
        else:
            self.new_var("s", f"weigh({d}) + weigh({d})", indent=indent)

    def c_comprehension(self, indent):
        kind = self.choice(["list", "filter", "generator", "nested", "dict", "reversed", "max"])
        shape = self.choice(["v", "s"])
        items = self.fresh("it")
        self.emit(indent, f"{items} = [{self.expr(shape)}, {self.expr(shape)}, {self.operand(shape)}]")
        if kind == "list":
            ys = self.fresh("ys")
            self.emit(indent, f"{ys} = [np.tanh(u) * {self.operand('s')} for u in {items}]")
            self.new_var(shape, f"{ys}[0] + {ys}[2] * 0.5", indent=indent)
        elif kind == "filter":
            self.new_var("s", f"sum([np.sum(u * u) for i, u in enumerate({items}) if i != 1])", indent=indent)
        elif kind == "generator":
            self.new_var("s", f"sum(np.sum(np.sin(u)) for u in {items})", indent=indent)
        elif kind == "nested":
            self.new_var("s", f"np.sum(np.array([[np.sum(u) * c for c in (1.0, 2.0)] for u in {items}]))",
                         indent=indent)
        elif kind == "dict":
            d = self.fresh("dc")
            self.emit(indent, f"{d} = {{i: u * 0.5 for i, u in enumerate({items})}}")
            self.new_var(shape, f"{d}[0] * {d}[2] + {d}[1]", indent=indent)
        elif kind == "reversed":
            t = self.new_var("s", "0.0", indent=indent)
            self.emit(indent, f"for u in reversed({items}):")
            self.emit(indent + 1, f"{t} = 0.5 * {t} + np.sum(u * u)")
        else:
            self.new_var("s", f"max(np.sum(u) for u in {items})", indent=indent)

    def c_local_def(self, indent):
        kind = self.choice(["def", "lambda", "def_default"])
        shape = self.choice(["s", "v", "m"])
        name = self.fresh("h")
        free = self.operand("s")
        if kind == "def":
            self.emit(indent, f"def {name}(u):")
            self.emit(indent + 1, f"return np.tanh(u * {free}) + 0.5 * u")
        elif kind == "lambda":
            self.emit(indent, f"{name} = lambda u: np.sin(u) * {free}")
        else:
            self.emit(indent, f"def {name}(u, c={self.const(-0.9 if self.coin() else 0.1, 0.9)}):")
            self.emit(indent + 1, f"w = u * c")
            self.emit(indent + 1, f"return np.cos(w) + {free}")
        self.new_var(shape, f"{name}({self.expr(shape)}) + {name}({self.operand(shape)})", indent=indent)

    # ---- assembly ------------------------------------------------------------------------------------------

    def result(self, partial=False):
        terms = []
        for name, shape in sorted(self.scope.items()):
            if partial and self.coin(0.5):
                continue
            w = self.const(0.2, 1.2)
            t = self.choice(["np.sum(np.tanh({n}))", "np.sum({n} * {w})", "np.mean({n} ** 2)", "np.sum(np.sin({n}))"])
            terms.append(t.format(n=name, w=w))
        terms += [] if partial else self.terms
        return " + ".join(terms) or "np.sum(x)"

    def build(self, n_constructs):
        enabled = [c for c in CONSTRUCTS if c in self.on]
        enabled = [c for c in enabled if c != "partial_wrt"] or ["elementwise"]  # partial_wrt: in generate()
        for _ in range(n_constructs):
            construct = self.choice(enabled)
            if construct == "early_return" and self.coin(0.5):
                construct = self.choice(enabled)
            self.used.add(construct)
            getattr(self, f"c_{construct}")(1)
        main = ["import numpy as np", ""] + [line for line in self.module_lines if line.startswith(("import", "from"))]
        main += [""] + [line + "\n" for line in self.module_lines if not line.startswith(("import", "from"))]
        params = ["x", "s", "M", "r"] + (["fn"] if self.has_fn else [])
        main.append(f"def f({', '.join(params)}):")
        main += ["    " * indent + text for indent, text in self.lines]
        main.append(f"    return {self.result()}")
        return "\n".join(main) + "\n", params


def helper_module(rng: random.Random) -> str:
    c = lambda lo, hi: f"{rng.uniform(lo, hi):.2f}"  # noqa: E731
    return f'''import numpy as np

SCALE = {c(0.3, 1.2)}
SHIFT = {c(-0.5, 0.5)}
W = np.array([{c(-1, 1)}, {c(-1, 1)}, {c(-1, 1)}])


def h_scale(u):
    return np.tanh(u * SCALE) + SHIFT


def h_w(u):
    return u * W + np.sin(u) * SCALE


def h_chain(u):
    return h_scale(u) * 0.5 + h_w(u)


def h_pair(u):
    return np.sin(u) * SCALE, np.cos(u) + SHIFT


def h_default(u, c=SHIFT):
    return u * c + np.tanh(u)


def h_loop(u):
    t = u
    for i in range(3):
        t = 0.5 * t + np.sin(t) * SCALE
    return t


def h_mut(u):
    w = u.copy()
    w[..., 0] += SHIFT
    w[..., 1] *= SCALE
    return w * W


def h_container(p):
    return np.tanh(p[0]) * p[1] + p[0] * SCALE


def make_affine(a):
    def affine(u):
        return a * u + np.sin(u) * W[0]
    return affine
'''


def inputs(seed: int):
    rng = np.random.default_rng(seed)
    return {
        "x": ("array", rng.normal(0.0, 0.8, 3)),
        "s": ("float", float(rng.normal(0.0, 0.8))),
        "M": ("array", rng.normal(0.0, 0.8, (2, 3))),
        "r": ("array", rng.normal(0.0, 0.8, (1, 3))),
    }


def generate(seed: int, profile=PROFILES["all"], size=(2, 5)) -> Program:
    """The program of the given seed, made of ``size`` (a range) constructs drawn from ``profile``."""
    gen = Gen(seed, profile)
    n = gen.rng.randint(*size)
    main, params = gen.build(n)
    values = inputs(seed)
    args = []
    for p in params:
        if p == "fn":
            args.append(("expr", gen.choice(["np.sin", "np.tanh", "smooth"])))
        else:
            args.append(values[p])
    differentiable = ["x", "s", "M", "r"]
    if "partial_wrt" in gen.on and gen.coin(0.4):
        gen.used.add("partial_wrt")
        wrt = tuple(sorted(gen.rng.sample(differentiable, gen.rng.randint(1, 3)), key=differentiable.index))
    else:
        wrt = tuple(differentiable)
    helper = helper_module(random.Random(seed * 7919 + 1)) if gen.uses_helper else None
    return Program(main, helper, params, args, wrt, tuple(sorted(gen.used)), seed)

