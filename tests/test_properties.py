"""Property: for random programs from the supported subset, srcdiff's gradient agrees with central differences.

Programs are straight-line numpy code over a vector ``x`` (3,), a scalar ``y`` and a matrix ``M`` (2, 3), with
elementwise functions, arithmetic, small integer powers, reductions with ``axis``, broadcasting, ``if`` statements
and conditional expressions on data-dependent conditions, and ``for`` loops over small ranges. Every value stays
bounded (``tanh``, ``sin`` and friends guard the operations that could blow up), so central differences are
reliable. srcdiff needs real source, so each program is written to a file and imported.

The ``srcdiff-ci`` profile (the default) is derandomised and bounded in time; set SRCDIFF_HYPOTHESIS_PROFILE=dev
for a longer, random search.
"""

import importlib.util
import itertools
import os
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import srcdiff
from srcdiff import testing

settings.register_profile(
    "srcdiff-ci", derandomize=True, max_examples=50, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "srcdiff-dev", max_examples=500, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile(
    {"dev": "srcdiff-dev"}.get(os.environ.get("SRCDIFF_HYPOTHESIS_PROFILE", ""), "srcdiff-ci"))

SHAPES = {"s": (), "v": (3,), "m": (2, 3)}
RANK = {"s": 0, "v": 1, "m": 2}
UNARY = ["np.sin({a})", "np.cos({a})", "np.tanh({a})", "np.exp(np.tanh({a}))", "np.log(1 + {a} * {a})",
         "np.tanh({a}) ** 2", "np.tanh({a}) ** 3", "-{a}", "0.5 * {a}"]
BINARY = ["{a} + {b}", "{a} - {b}", "{a} * np.tanh({b})", "np.sin({a}) * {b}", "{a} / (1.5 + np.sin({b}))",
          "{a} - 0.3 * {b} ** 2"]


class Program:
    """A program under construction: its lines, and the names of each shape in scope."""

    def __init__(self, draw):
        self.draw = draw
        self.lines = []  # (indent, differentiated text, probe text or None)
        self.names = {"x": "v", "y": "s", "M": "m"}
        self.counter = itertools.count(1)

    def of_shape(self, shape):
        return [n for n, s in self.names.items() if s == shape]

    def name(self, shape):
        return self.draw(st.sampled_from(sorted(self.of_shape(shape))))

    def at_most(self, shape):
        """A name whose shape broadcasts to ``shape``."""
        options = sorted(n for n, s in self.names.items() if RANK[s] <= RANK[shape])
        return self.draw(st.sampled_from(options))

    def expression(self, shape, depth=0):
        draw = self.draw
        kinds = ["unary", "binary", "binary"]
        if shape == "s":
            kinds += ["reduce", "reduce"]
        if shape == "v":
            kinds += ["reduce_axis"]
        if shape == "m":
            kinds += ["keepdims"]
        kind = draw(st.sampled_from(kinds))
        operand = (lambda s: self.expression(s, depth + 1)) if depth < 1 and draw(st.booleans()) else self.name
        if kind == "unary":
            return draw(st.sampled_from(UNARY)).format(a=operand(shape))
        if kind == "binary":
            a, b = operand(shape), self.at_most(shape)
            if draw(st.booleans()):
                a, b = b, a  # the broadcast operand on the left
                template = draw(st.sampled_from(["{a} + {b}", "{a} - {b}", "np.tanh({a}) * {b}"]))
            else:
                template = draw(st.sampled_from(BINARY))
            return template.format(a=a, b=b)
        if kind == "reduce":
            source = self.name(draw(st.sampled_from(["v", "m"])))
            reduction = draw(st.sampled_from(["np.sum({a})", "np.mean({a})", "np.sum(np.sin({a}))",
                                              "np.mean({a} ** 2)"]))
            if self.names[source] == "m" and draw(st.booleans()):
                reduction = "np.sum(np.tanh({a} @ x))"
            return reduction.format(a=source)
        if kind == "reduce_axis":
            reduction = draw(st.sampled_from(["np.sum({a}, axis=0)", "np.mean({a}, axis=0)",
                                              "np.mean(np.cos({a}), axis=-2)"]))
            return reduction.format(a=self.name("m"))
        # a matrix scaled by its own row means: (2, 3) * (2, 1)
        a, b = self.name("m"), self.name("m")
        return f"{a} * np.mean(np.tanh({b}), axis=1, keepdims=True)"

    def condition(self):
        subject = self.name(self.draw(st.sampled_from(["s", "v", "m"])))
        lhs = f"np.sum({subject})" if self.names[subject] != "s" else subject
        threshold = self.draw(st.sampled_from([-0.5, 0.0, 0.25, 1.0]))
        return f"{lhs} > {threshold}", f"{lhs} - {threshold}"

    def emit(self, indent, text, probe=None):
        self.lines.append((indent, text, probe))

    def statement(self, indent, in_loop=False, depth=0):
        """One statement; inside a block (depth > 0) it only reassigns names, so every name is always bound."""
        draw = self.draw
        kinds = ["new", "new", "reassign"]
        if depth < 2:
            kinds += ["if", "ifexp"] + ([] if in_loop else ["for"])
        kind = draw(st.sampled_from(kinds))
        if kind == "new" and depth == 0:
            shape = draw(st.sampled_from(["s", "v", "m"]))
            target = f"v{next(self.counter)}"
            self.emit(indent, f"{target} = {self.expression(shape)}")
            self.names[target] = shape
        elif kind in ("new", "reassign"):
            target = draw(st.sampled_from(sorted(self.names)))
            shape = self.names[target]
            update = draw(st.sampled_from(["{t} = {e}", "{t} = np.tanh({e}) + 0.5 * {t}",
                                           "{t} = 0.9 * {t} + 0.1 * np.sin({e})"]))
            self.emit(indent, update.format(t=target, e=self.expression(shape)))
        elif kind == "if":
            test, margin = self.condition()
            self.emit(indent, f"if {test}:", f"_record({margin})")
            target = draw(st.sampled_from(sorted(self.names)))
            shape = self.names[target]
            self.emit(indent + 1, f"{target} = {self.expression(shape)}")
            if draw(st.booleans()):
                self.statement(indent + 1, in_loop, depth + 1)
            if draw(st.booleans()):
                self.emit(indent, "else:")
                self.emit(indent + 1, f"{target} = {self.expression(shape)}")
        elif kind == "ifexp":
            test, margin = self.condition()
            target = draw(st.sampled_from(sorted(self.names)))
            shape = self.names[target]
            self.emit(indent, f"{target} = ({self.expression(shape)}) if {test} else ({self.expression(shape)})",
                      f"_record({margin})")
        else:
            count = draw(st.integers(min_value=0, max_value=3))
            index = f"i{next(self.counter)}"
            self.emit(indent, f"for {index} in range({count}):")
            for _ in range(draw(st.integers(min_value=1, max_value=2))):
                self.statement(indent + 1, in_loop=True, depth=depth + 1)
            if draw(st.booleans()):
                target = draw(st.sampled_from(sorted(self.names)))
                self.emit(indent + 1, f"{target} = {target} * (1.0 - 0.1 * {index})")

    def source(self, name, probe):
        """The function's text; the probe variant records the condition margins instead of differentiating."""
        out = [f"def {name}(x, y, M):"]
        for indent, text, probe_text in self.lines:
            pad = "    " * (indent + 1)
            if probe and probe_text:
                out.append(pad + probe_text)
            out.append(pad + text)
        terms = [f"np.sum({n})" for n in sorted(self.names) if n.startswith("v")][-3:] or ["0.0"]
        out.append(f"    return np.sum(x * M) + y * y + {' + '.join(terms)}")
        return "\n".join(out) + "\n"


@st.composite
def programs(draw):
    program = Program(draw)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        program.statement(0)
    module = "import numpy as np\n\n_margins = []\n\n\ndef _record(value):\n    _margins.append(float(value))\n\n\n"
    return module + program.source("f", probe=False) + "\n\n" + program.source("f_probe", probe=True)


@st.composite
def points(draw):
    seed = draw(st.integers(min_value=0, max_value=2**16))
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1.5, 1.5, 3), float(rng.uniform(-1.5, 1.5)), rng.uniform(-1.5, 1.5, (2, 3)))


_COUNTER = itertools.count()
_DIRECTORY = tempfile.TemporaryDirectory(prefix="srcdiff_properties_")


def import_program(text):
    """Write ``text`` to a fresh file and import it (srcdiff reads the function's real source)."""
    name = f"srcdiff_property_program_{next(_COUNTER)}"
    path = os.path.join(_DIRECTORY.name, name + ".py")
    with open(path, "w") as handle:
        handle.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def usable_program(text, point, margin):
    """The program imported, and its value at ``point``; examples whose value is not finite, or whose branch
    conditions lie within ``margin`` of flipping (where differences would straddle two pieces), are skipped."""
    note(text)
    module = import_program(text)
    with np.errstate(all="ignore"):
        value = module.f_probe(*point)
    assume(np.isfinite(value))
    assume(all(abs(m) > margin for m in module._margins))
    return module, value


@settings(PROFILE)
@given(programs(), points())
def test_random_programs_match_central_differences(text, point):
    module, value = usable_program(text, point, margin=1e-3)
    x, y, M = point
    assert module.f(x, y, M) == value
    result = testing.check_grad(module.f, x, y, M, wrt=(0, 1, 2), rtol=1e-4, atol=1e-6)
    assert result.ok, str(result)
    gradient_value, _ = srcdiff.value_and_grad(module.f, wrt=(0, 1, 2))(x, y, M)
    assert gradient_value == pytest.approx(value, rel=1e-12, abs=1e-12)


def test_the_generator_covers_the_subset():
    # the generator reaches every construct the property is meant to exercise
    texts = []

    @settings(PROFILE, max_examples=200)
    @given(programs())
    def collect(text):
        texts.append(text)

    collect()
    joined = "\n".join(texts)
    for construct in ("if ", "else:", " if ", "for ", "axis=0", "keepdims=True", "** 2", "np.log(1 +", " @ x",
                      "np.exp(", "np.mean("):
        assert construct in joined, construct


@settings(PROFILE)
@given(programs(), points())
def test_random_programs_forward_mode_and_second_order(text, point):
    """On the same programs: the jvp equals the gradient's dot product with the tangent, and the Hessian-vector
    product equals central differences of the gradient."""
    module, _ = usable_program(text, point, margin=1e-2)
    x, y, M = point
    tangents = (np.array([0.3, -0.5, 0.8]), 0.7, np.array([[0.2, -0.1, 0.4], [-0.6, 0.5, 0.1]]))
    gradients = srcdiff.grad(module.f, wrt=(0, 1, 2))(x, y, M)
    _, tangent = srcdiff.jvp(module.f, (x, y, M), tangents)
    expected = sum(float(np.sum(g * t)) for g, t in zip(gradients, tangents))
    assert tangent == pytest.approx(expected, rel=1e-9, abs=1e-9)

    v = tangents[0]
    product = srcdiff.hvp(module.f)(x, y, M, v)
    differences = testing.numerical_jvp(srcdiff.grad(module.f), (x, y, M), (v, None, None), eps=1e-5)
    np.testing.assert_allclose(product, differences, rtol=1e-4, atol=1e-5)
