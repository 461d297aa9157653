"""The user's view: grad, value_and_grad, source, wrt, dtypes, errors, caching, introspection."""

import inspect
import linecache
import traceback

import numpy as np
import pytest

import srcdiff
from srcdiff import testing

X = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
Y = np.array([2.0, 4.0, 5.0, 4.0, 5.0])


def cubic(x):
    return x**3 + 2 * x


def mse(w, b, X, y):
    y_pred = w * X + b
    return np.mean((y_pred - y) ** 2)


def test_decorator_without_arguments():
    @srcdiff.grad
    def f(x):
        return x**3 + 2 * x

    assert f(2.0) == 14.0
    assert type(f(2.0)) is float


def test_decorator_with_wrt():
    @srcdiff.grad(wrt=("w", "b"))
    def loss(w, b, X, y):
        return np.mean((w * X + b - y) ** 2)

    dw, db = loss(0.5, 1.0, X, Y)
    np.testing.assert_allclose([dw, db], [-9.4, -3.0])


def test_wrt_by_position_name_and_tuple():
    assert srcdiff.grad(mse, wrt=1)(0.5, 1.0, X, Y) == pytest.approx(-3.0)
    assert srcdiff.grad(mse, wrt="b")(0.5, 1.0, X, Y) == pytest.approx(-3.0)
    dw, db = srcdiff.grad(mse, wrt=(0, "b"))(0.5, 1.0, X, Y)
    assert (dw, db) == (pytest.approx(-9.4), pytest.approx(-3.0))
    (single,) = srcdiff.grad(mse, wrt=("w",))(0.5, 1.0, X, Y)
    assert single == pytest.approx(-9.4)


def test_value_and_grad():
    value, (dw, db) = srcdiff.value_and_grad(mse, wrt=("w", "b"))(0.5, 1.0, X, Y)
    assert value == pytest.approx(np.mean((0.5 * X + 1.0 - Y) ** 2))
    assert dw == pytest.approx(-9.4)
    value, gradient = srcdiff.value_and_grad(cubic)(2.0)
    assert (value, gradient) == (12.0, 14.0)


def test_gradient_has_shape_and_dtype_of_input():
    def f(x, y):
        return np.sum(x * y)

    x32 = np.arange(6, dtype=np.float32).reshape(2, 3)
    gx = srcdiff.grad(f)(x32, np.float32(2.0))
    assert gx.shape == (2, 3) and gx.dtype == np.float32
    gy = srcdiff.grad(f, wrt=1)(np.ones((2, 3)), 2.0)
    assert np.shape(gy) == () and gy == pytest.approx(6.0)


def test_broadcast_operand_gets_gradient_of_its_own_shape():
    def f(row, matrix, scalar):
        return np.sum(np.sin(row * matrix + scalar))

    args = (np.array([0.1, 0.2, 0.3]), np.arange(6.0).reshape(2, 3) / 5, 0.7)
    result = testing.check_grad(f, *args, wrt=(0, 1, 2))
    assert result.ok, str(result)
    assert [np.shape(g) for g in result.analytic] == [(3,), (2, 3), ()]


def test_source_is_formatted_and_readable():
    text = srcdiff.source(mse, wrt=("w", "b"))
    assert text.startswith("def dmse_dw_db(w, b, X, y):")
    assert "# grad of: y_pred = w * X + b" in text
    assert "bw" in text and "bb" in text
    compile(text, "<source>", "exec")


def test_source_stages():
    for stage in ("parsed", "normalized", "adjoint", "optimized"):
        assert "def " in srcdiff.source(cubic, stage=stage)
    normal = srcdiff.source(cubic, stage="normalized", format=False)
    assert "_t1 = x ** 3" in normal


def test_getsource_and_traceback_show_generated_code():
    gradient = srcdiff.grad(mse, wrt=("w", "b"))
    gradient(0.5, 1.0, X, Y)
    text = inspect.getsource(gradient)
    assert text.startswith("def dmse_dw_db(")

    def bad(x):
        return np.sum(np.log(x) @ x)

    with pytest.raises(ValueError) as info:
        srcdiff.grad(bad)(np.ones((2, 3)))
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<srcdiff: dbad_dx")]
    assert generated and "@" in generated[0].line
    assert linecache.getline(generated[0].filename, generated[0].lineno).strip() == generated[0].line


def test_cache_reuses_and_redefinition_recompiles():
    srcdiff.cache.clear() if hasattr(srcdiff, "cache") else None
    from srcdiff import cache

    cache.clear()
    srcdiff.grad(cubic)(1.0)
    srcdiff.grad(cubic)(1.0)
    assert cache.stats["misses"] == 1 and cache.stats["hits"] == 1

    namespace = {}
    first = "def g(x):\n    return x * x\n"
    second = "def g(x):\n    return x * x * x\n"
    import tempfile, importlib.util, os, sys

    directory = tempfile.mkdtemp()
    path = os.path.join(directory, "redefined.py")
    for text, expected in ((first, 6.0), (second, 27.0)):
        with open(path, "w") as handle:
            handle.write(text)
        linecache.checkcache(path)
        spec = importlib.util.spec_from_file_location("redefined", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert srcdiff.grad(module.g)(3.0) == expected
    del namespace, sys


def test_globals_and_closures_are_read_live():
    scale = [2.0]

    def make(factor):
        def f(x):
            return factor * x * x + OFFSET * x

        return f

    f = make(3.0)
    assert srcdiff.grad(f)(1.0) == pytest.approx(6.0 + OFFSET)
    del scale


OFFSET = 0.5


def test_keyword_and_default_arguments():
    def f(x, power=3, *, scale=2.0):
        return scale * x**power

    g = srcdiff.grad(f)
    assert g(2.0) == pytest.approx(24.0)
    assert g(2.0, power=2) == pytest.approx(8.0)
    assert g(2.0, scale=1.0) == pytest.approx(12.0)
    assert srcdiff.grad(f, wrt="scale")(2.0, scale=1.0) == pytest.approx(8.0)


def test_tuple_unpacking_swap_and_reassignment():
    def f(a, b):
        a, b = b, a
        c = a * 2
        c = c + b
        c *= a
        c -= 1.0
        return c

    assert testing.check_grad(f, 1.5, -0.5, wrt=(0, 1)).ok


def test_lambda():
    square = lambda x: x * x  # noqa: E731
    assert srcdiff.grad(square)(3.0) == 6.0


def test_inactive_argument_gets_zero_gradient():
    def f(x, y):
        return x * 2.0

    assert srcdiff.grad(f, wrt=1)(1.0, np.ones(3)).tolist() == [0.0, 0.0, 0.0]


# ---- errors -----------------------------------------------------------------------------------------------


def test_non_scalar_output_error():
    def f(x):
        return x * 2

    with pytest.raises(srcdiff.NonScalarOutputError, match="scalar"):
        srcdiff.grad(f)(np.ones(3))


def test_wrt_errors():
    with pytest.raises(srcdiff.WrtError, match="not a parameter"):
        srcdiff.grad(mse, wrt="z")
    with pytest.raises(srcdiff.WrtError, match="out of range"):
        srcdiff.grad(mse, wrt=4)


def test_integer_input_error():
    with pytest.raises(srcdiff.InputTypeError, match="2.0"):
        srcdiff.grad(cubic)(2)
    with pytest.raises(srcdiff.InputTypeError, match="int64"):
        srcdiff.grad(cubic)(np.arange(3))


def test_no_source_error():
    with pytest.raises(srcdiff.SourceUnavailableError, match="not a Python function"):
        srcdiff.grad(np.sin)(1.0)
    namespace = {}
    exec("def typed(x):\n    return x * 2\n", namespace)
    with pytest.raises(srcdiff.SourceUnavailableError, match="cannot read the source"):
        srcdiff.grad(namespace["typed"])(1.0)


def test_unsupported_syntax_is_located():
    def f(x):
        try:
            y = x * 2
        except ValueError:
            y = x
        return y

    with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
        srcdiff.grad(f)(1.0)
    error = info.value
    assert error.filename == __file__
    assert "try" in str(error) and error.lineno == f.__code__.co_firstlineno + 1
    assert "try:" in error.source_line


def unknown_function(x):
    return x


def test_missing_rule_error_names_function_and_remedy():
    import math

    def f(x):
        return math.gamma(x)

    with pytest.raises(srcdiff.NoRuleError) as info:
        srcdiff.grad(f)(1.5)
    assert "gamma" in str(info.value) and "defvjp" in str(info.value)
    assert info.value.lineno == f.__code__.co_firstlineno + 1


def test_defvjp_decorator_and_lambda_rule():
    import math

    def softplus(x):
        return math.log1p(math.exp(x))

    @srcdiff.defvjp(math.gamma)
    def gamma_vjp(g, ans, x):
        return (g * ans * digamma(x),)

    def digamma(x):
        return testing.numerical_gradient(math.lgamma, (x,), eps=1e-5)

    def f(x):
        return math.gamma(x) * 2.0

    assert srcdiff.grad(f)(2.5) == pytest.approx(2 * math.gamma(2.5) * digamma(2.5), rel=1e-6)

    srcdiff.defvjp(softplus)(lambda g, ans, x: (g / (1.0 + math.exp(-x)),))

    def h(x):
        return softplus(x) * 3.0

    assert srcdiff.grad(h)(0.0) == pytest.approx(1.5)


def test_nondifferentiable_declaration():
    def clipped(x):
        return float(int(x))

    srcdiff.nondifferentiable(clipped)

    def f(x):
        return x * clipped(x)

    assert srcdiff.grad(f)(2.5) == 2.0


def test_redefining_a_called_helper_recompiles(tmp_path, monkeypatch):
    (tmp_path / "helpers_module.py").write_text(
        "def helper(x):\n    return x * x\n\n\ndef f(x):\n    return helper(x) + 1.0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import helpers_module

    gradient = srcdiff.grad(helpers_module.f)
    assert gradient(3.0) == 6.0

    def cubic_helper(x):
        return x * x * x

    monkeypatch.setattr(helpers_module, "helper", cubic_helper)
    assert gradient(3.0) == 27.0
    assert srcdiff.grad(helpers_module.f)(3.0) == 27.0


def test_generated_module_holds_a_vjp_function_per_callee():
    text = srcdiff.source(calls_helpers)
    assert "def dcalls_helpers_dx(x):" in text
    assert "def vjp_square(x):" in text and "def pullback(" in text
    assert testing.check_grad(calls_helpers, 0.8).ok


def square(x):
    return x * x


def calls_helpers(x):
    return square(np.sin(x)) + square(x)


class Quadratic:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w, shift=0.0):
        return np.sum(self.scale * (w - shift) ** 2)


def test_bound_methods():
    model = Quadratic(3.0)
    gradient = srcdiff.grad(model.loss)
    np.testing.assert_allclose(gradient(np.array([1.0, 2.0])), [6.0, 12.0])
    np.testing.assert_allclose(gradient(np.array([1.0, 2.0]), shift=1.0), [0.0, 6.0])
    assert srcdiff.grad(model.loss, wrt="shift")(np.array([1.0, 2.0]), 0.5) == pytest.approx(-12.0)
    value, _ = srcdiff.value_and_grad(model.loss)(np.array([1.0, 2.0]))
    assert value == pytest.approx(15.0)
    with pytest.raises(srcdiff.SrcdiffError, match="object as its first argument"):
        srcdiff.jvp(model.loss, (np.ones(2),), (np.ones(2),))


def test_getsource_before_the_first_call_and_helpers_defined_later(tmp_path, monkeypatch):
    (tmp_path / "later_module.py").write_text(
        "import srcdiff\n\n\n@srcdiff.grad\ndef f(x):\n    return helper(x) * 2.0\n\n\n"
        "def helper(x):\n    return x * x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import later_module

    assert later_module.f(3.0) == 12.0  # helper did not exist when f was decorated
    gradient = srcdiff.grad(cubic)
    assert inspect.getsource(gradient).startswith("def dcubic_dx(x):")
