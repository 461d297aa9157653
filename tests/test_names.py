"""Names: each resolves where the user's code resolves it, and the names srcdiff introduces never collide.

Every case is checked against central finite differences, or expects a srcdiff error located in the user's file.
"""

import numpy as np
import pytest

import srcdiff
from srcdiff import parsing, testing
from srcdiff.errors import SrcdiffError

from source_modules import import_source


def load(tmp_path, source: str):
    return import_source(tmp_path, source, "names")


def line_of(module, marker: str) -> int:
    with open(module.__file__) as handle:
        return next(i for i, line in enumerate(handle, start=1) if marker in line)


def agrees(fun, *args, wrt=0):
    testing.assert_grad(fun, *args, wrt=wrt)


# ---- locals are locals --------------------------------------------------------------------------------------


def test_a_parameter_that_shadows_a_global_function_is_never_the_global(tmp_path):
    module = load(tmp_path, """
        def func(y):
            return y ** 2

        def cube(y):
            return y ** 3

        def apply(func, y):
            return func(y)  # here
    """)
    with pytest.raises(SrcdiffError) as error:
        srcdiff.grad(module.apply, wrt=1)(module.cube, 2.0)
    assert error.value.filename == module.__file__
    assert error.value.lineno == line_of(module, "# here")


def test_an_assigned_local_that_shadows_a_global_function_is_never_the_global(tmp_path):
    module = load(tmp_path, """
        def helper(y):
            return y ** 2

        def other(y):
            return y ** 3

        def f(x, use_other):
            helper = other
            return helper(x)  # here
    """)
    with pytest.raises(SrcdiffError) as error:
        srcdiff.grad(module.f)(2.0, True)
    assert error.value.lineno == line_of(module, "# here")


# ---- lambdas ----------------------------------------------------------------------------------------------------


def test_two_lambdas_on_one_line(tmp_path):
    module = load(tmp_path, """
        sq, cube = lambda x: x ** 2, lambda x: x ** 3
        double, shift = lambda x: x * 2.0, lambda x: x + 2.0
    """)
    for fun in (module.sq, module.cube, module.double, module.shift):
        agrees(fun, 1.7)


def test_a_lambda_among_others_across_lines(tmp_path):
    module = load(tmp_path, """
        table = {
            "a": lambda x: x ** 2, "b": lambda x: x ** 3,
            "c": lambda x: 3.0 * x,
        }
    """)
    for fun in module.table.values():
        agrees(fun, 1.3)


# ---- names srcdiff introduces -------------------------------------------------------------------------------------


def test_a_user_variable_named_like_a_placeholder(tmp_path):
    module = load(tmp_path, """
        def f(x):
            __result__ = x * 2.0
            return __result__ ** 2

        def g(x, __result__):  # here
            return x * __result__ ** 2
    """)
    agrees(module.f, 2.0)
    with pytest.raises(SrcdiffError) as error:  # a parameter's name is the caller's: refused, not renamed
        srcdiff.grad(module.g)(2.0, 3.0)
    assert error.value.lineno == line_of(module, "# here")


CALLER_NAMES = ["type", "float", "_check", "_check_input", "_state", "_compiled", "_floats", "_guards", "refresh",
                "_g0", "_g1", "_value", "_gradient", "_default", "_unset", "_bound_object", "_type", "_float"]


@pytest.mark.parametrize("name", CALLER_NAMES)
def test_parameters_named_like_the_caller_s_own_names(tmp_path, name):
    module = load(tmp_path, f"""
        import numpy as np

        def f(x, {name}=1.5):
            return x ** 3 * {name}

        def g(x, {name}):
            return np.sum(x ** 3 * {name})
    """)
    agrees(module.f, 1.2)
    agrees(module.f, 1.2, 0.5, wrt=(0, 1))
    agrees(module.g, 1.2, 0.7, wrt=1)
    value, gradient = srcdiff.value_and_grad(module.g, wrt=(0, 1))(1.2, 0.7)
    assert value == pytest.approx(module.g(1.2, 0.7))
    np.testing.assert_allclose(gradient, [testing.numerical_gradient(module.g, (1.2, 0.7), p) for p in (0, 1)],
                               rtol=1e-6)
    array = np.array([0.5, 1.0])
    agrees(module.g, array, array, wrt=(0, 1))


GENERATED_NAMES = ["_rt", "_np", "_tape", "bx", "by", "b_t1", "_t1", "_t2", "_pullback1", "_cot1", "vjp_helper",
                   "_value1", "_aux1", "_new1", "dx"]


@pytest.mark.parametrize("name", GENERATED_NAMES)
def test_user_variables_named_like_generated_ones(tmp_path, name):
    module = load(tmp_path, f"""
        import numpy as np

        def helper(v):
            return np.tanh(v) * v

        def f(x, y):
            {name} = x * y
            total = 0.0
            for i in range(3):
                total = total + helper({name}) * x
            return np.sum(total + np.sin({name}))
    """)
    x, y = np.array([0.3, -0.7]), np.array([1.1, 0.4])
    agrees(module.f, x, y, wrt=(0, 1))
    agrees(module.f, 0.3, 1.1, wrt=(0, 1))


def test_helpers_of_one_name_from_two_modules(tmp_path):
    first = load(tmp_path, """
        def helper(x):
            return x ** 2
    """)
    second = load(tmp_path, """
        def helper(x):
            return x ** 3
    """)
    module = load(tmp_path, f"""
        import {first.__name__} as first
        import {second.__name__} as second

        def f(x):
            return first.helper(x) + second.helper(x) * 2.0
    """)
    agrees(module.f, 1.3)


# ---- names in each derivative resolve in that function's own module ----------------------------------------------


def test_helpers_read_their_own_module_s_names(tmp_path):
    other = load(tmp_path, """
        import math

        K = 2.0

        def helper(x):
            return math.sin(x) * K
    """)
    module = load(tmp_path, f"""
        import math

        import numpy as np
        from numpy import exp

        from {other.__name__} import helper as remote

        SCALE = 3.0
        K = -7.0  # not the K the remote helper reads

        def scaled(x):
            return x * SCALE

        def transcendental(x):
            return math.cos(x) + exp(x)

        def f(x):
            return np.sum(scaled(x)) + transcendental(x) + remote(x) + K * x
    """)
    agrees(module.f, 0.4)


def test_a_helper_reading_an_undefined_name_is_a_located_error(tmp_path):
    module = load(tmp_path, """
        def helper(x):
            return x * NOT_DEFINED  # here

        def f(x):
            return helper(x)
    """)
    with pytest.raises(SrcdiffError) as error:
        srcdiff.grad(module.f)(1.0)
    assert "NOT_DEFINED" in str(error.value)
    assert error.value.filename == module.__file__
    assert error.value.lineno == line_of(module, "# here")
    module.NOT_DEFINED = 4.0  # defined later: the same gradient works
    assert srcdiff.grad(module.f)(1.0) == pytest.approx(4.0)


def test_a_local_function_reading_a_module_global(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        SCALE = 2.5

        def f(x):
            def g(y):
                return y * SCALE
            return np.sum(g(x) ** 2)
    """)
    agrees(module.f, np.array([0.5, -1.0]))


# ---- the source is checked against the code that runs, without false alarms --------------------------------------


def test_code_checks_accept_methods_annotations_and_local_functions(tmp_path):
    module = load(tmp_path, """
        from __future__ import annotations

        import functools

        import numpy as np


        class Base:
            def scale(self) -> float:
                return 2.0


        class Model(Base):
            __k = 3.0

            def loss(self, x: np.ndarray) -> float:
                return np.sum(x ** 2) * self.__k

            def scaled(self, x: np.ndarray) -> float:
                return np.sum(x ** 2) * super().scale()


        def tagged(label):
            def decorate(fn):
                fn.label = label
                return fn
            return decorate


        @tagged("loss")
        def with_local(x: float, k: float = 2.0) -> float:
            def inner(y: float) -> float:
                return y * k
            return inner(x) ** 2


        def make(c):
            class Inner:
                def f(self, x):
                    return x ** 2 * c
            return Inner()
    """)
    model = module.Model()
    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(srcdiff.grad(model.loss)(x), testing.numerical_gradient(model.loss, (x,)), rtol=1e-6)
    parsing.parse_function(module.Model.scaled)  # super(): its code object has a __class__ cell
    agrees(module.with_local, 1.3)
    inner = module.make(3.0)
    assert srcdiff.grad(inner.f)(2.0) == pytest.approx(testing.numerical_gradient(inner.f, (2.0,)), rel=1e-6)
