"""A derivative never outlives what it was compiled from.

Each test computes a gradient, changes one thing the derivative depends on (a global, a closure variable, a
module attribute, a callee, a default, a class attribute, a rule, a numpy function, the file on disk), and checks
the next gradient against central finite differences of the function as it now is: through the same gradient
object and through a new one (the in-memory cache is shared between them).
"""

import gc
import importlib
import importlib.util
import os
import weakref

import numpy as np
import pytest

import srcdiff
from srcdiff import cache, testing
from srcdiff.errors import SourceUnavailableError

from source_modules import import_source


def load(tmp_path, source: str, name: str | None = None):
    """Write ``source`` to a new module file and import it."""
    return import_source(tmp_path, source, "staleness", name)


def agrees(gradient, fun, *args, wrt=0):
    """The gradient function's value at ``args`` is the finite-difference gradient of ``fun`` there."""
    value = gradient(*args)
    expected = testing.numerical_gradient(fun, args, wrt)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7)
    return value


def both(fun, *args, wrt=0, before=None):
    """Check the gradient through ``before`` (a gradient made before the change) and a new one."""
    if before is not None:
        agrees(before, fun, *args, wrt=wrt)
    agrees(srcdiff.grad(fun, wrt=wrt), fun, *args, wrt=wrt)


# ---- callees: which function a name denotes ------------------------------------------------------------------


def test_two_closures_of_one_factory_get_their_own_callee(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        def square(y):
            return y ** 2

        def cube(y):
            return y ** 3

        def make_objective(fn):
            def objective(x):
                return np.sum(fn(x))
            return objective
    """)
    x = np.array([0.5, 2.0])
    square_objective = module.make_objective(module.square)
    cube_objective = module.make_objective(module.cube)
    first = srcdiff.grad(square_objective)
    agrees(first, square_objective, x)
    second = srcdiff.grad(cube_objective)
    agrees(second, cube_objective, x)
    agrees(first, square_objective, x)  # both stay right, called in turn
    agrees(second, cube_objective, x)
    assert not np.allclose(first(x), second(x))


def test_a_global_holding_a_function_is_rebound(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        act = np.tanh

        def f(x):
            return np.sum(act(x) * x)
    """)
    x = np.array([0.3, -1.2])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    module.act = np.sin
    both(module.f, x, before=gradient)


def test_a_helper_redefined_after_the_first_gradient(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        def helper(x):
            return x ** 2

        def f(x):
            return np.sum(helper(x))
    """)
    x = np.array([1.5, -0.5])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    module.helper = lambda x: x ** 3
    both(module.f, x, before=gradient)


def test_vjp_jvp_hessian_and_jacobian_see_a_redefined_helper(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        def helper(x):
            return x ** 2

        def f(x):
            return np.sum(helper(x))

        def g(x):
            return helper(x) * 2.0
    """)
    x = np.array([1.5, -0.5])
    hessian = srcdiff.hessian(module.f)
    jacobian = srcdiff.jacobian(module.g)
    for _ in range(2):
        _, pullback = srcdiff.vjp(module.f, x)
        np.testing.assert_allclose(pullback(1.0), testing.numerical_gradient(module.f, (x,)), rtol=1e-5)
        _, tangent = srcdiff.jvp(module.f, (x,), (np.ones(2),))
        np.testing.assert_allclose(tangent, np.sum(testing.numerical_gradient(module.f, (x,))), rtol=1e-5)
        gradient = srcdiff.grad(module.f)
        expected_hessian = testing.numerical_jacobian(gradient, (x,))
        np.testing.assert_allclose(hessian(x), expected_hessian, rtol=1e-4, atol=1e-6)
        expected_jacobian = testing.numerical_jacobian(module.g, (x,))
        np.testing.assert_allclose(jacobian(x), expected_jacobian, rtol=1e-5, atol=1e-7)
        module.helper = lambda x: x ** 3  # the second round runs with another helper


def test_a_module_attribute_replaced(tmp_path):
    helpers = load(tmp_path, """
        def helper(x):
            return x * 2.0

        def other(x):
            return x * x
    """)
    module = load(tmp_path, f"""
        import numpy as np
        import {helpers.__name__} as helpers

        def f(x):
            return np.sum(helpers.helper(x))
    """)
    x = np.array([1.0, 3.0])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    helpers.helper = helpers.other
    both(module.f, x, before=gradient)


def test_a_method_on_a_class_replaced(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        class Model:
            scale = 2.0

            @staticmethod
            def link(x):
                return np.tanh(x)

        def f(x):
            return np.sum(Model.link(x) * Model.scale)
    """)
    x = np.array([0.2, -0.4])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    module.Model.scale = 5.0
    both(module.f, x, before=gradient)
    module.Model.link = staticmethod(lambda x: x ** 3)
    both(module.f, x, before=gradient)


# ---- values folded in: a helper's globals and closure, defaults ------------------------------------------------


def test_a_helper_in_another_module_reads_its_global(tmp_path):
    helpers = load(tmp_path, """
        K = 2.0

        def helper(x):
            return x * K
    """)
    module = load(tmp_path, f"""
        import numpy as np
        from {helpers.__name__} import helper

        K = 100.0  # not the K the helper reads

        def f(x):
            return np.sum(helper(x) ** 2)
    """)
    x = np.array([1.0, -2.0])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    helpers.K = 5.0
    both(module.f, x, before=gradient)


def test_a_helper_closure_variable_changed_through_nonlocal(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        def make():
            k = 2.0

            def helper(x):
                return x * k

            def f(x):
                return np.sum(helper(x) ** 2)

            def set_k(value):
                nonlocal k
                k = value

            return f, set_k
    """)
    f, set_k = module.make()
    x = np.array([0.5, 1.5])
    gradient = srcdiff.grad(f)
    agrees(gradient, f, x)
    set_k(7.0)
    both(f, x, before=gradient)


def test_a_global_read_by_a_helper_of_the_same_module(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        SCALE = 3.0

        def helper(x):
            return x * SCALE

        def f(x):
            return np.sum(helper(x) ** 2)
    """)
    x = np.array([1.0, 2.0])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    module.SCALE = -1.5
    both(module.f, x, before=gradient)


def test_a_callee_default_changed(tmp_path):
    module = load(tmp_path, """
        def power(x, p=2.0):
            return x ** p

        def f(x):
            return power(x)
    """)
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, 1.7)
    module.power.__defaults__ = (3.0,)
    both(module.f, 1.7, before=gradient)


def test_the_function_own_default_changed(tmp_path):
    module = load(tmp_path, """
        def f(x, p=2.0, *, q=1.0):
            return q * x ** p
    """)
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, 1.7)
    module.f.__defaults__ = (3.0,)
    both(module.f, 1.7, before=gradient)
    module.f.__kwdefaults__ = {"q": -2.0}
    both(module.f, 1.7, before=gradient)
    _, pullback = srcdiff.vjp(module.f, 1.7)
    np.testing.assert_allclose(pullback(1.0), testing.numerical_gradient(module.f, (1.7,)), rtol=1e-5)


def test_a_function_given_new_code(tmp_path):
    module = load(tmp_path, """
        def f(x):
            return x ** 2

        def g(x):
            return x ** 3
    """)
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, 1.3)
    module.f.__code__ = module.g.__code__
    both(module.f, 1.3, before=gradient)


# ---- numpy and the rule table ----------------------------------------------------------------------------------


def test_a_numpy_function_patched(tmp_path, monkeypatch):
    module = load(tmp_path, """
        import numpy as np

        def f(x):
            return np.sum(np.sin(x))

        def taylor_sine(x):
            return x - x ** 3 / 6.0
    """)
    x = np.array([0.3, 0.8])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    monkeypatch.setattr(np, "sin", module.taylor_sine)  # a Python function: differentiated from its source
    both(module.f, x, before=gradient)
    monkeypatch.setattr(np, "sin", np.tanh)
    both(module.f, x, before=gradient)
    monkeypatch.undo()
    both(module.f, x, before=gradient)


def test_a_numpy_function_replaced_by_one_whose_rule_calls_it(tmp_path, monkeypatch):
    # the rule of np.cos reads np.sin: numpy's sin, not what np.sin is now
    module = load(tmp_path, """
        import numpy as np

        def f(x):
            return np.sum(np.sin(x))
    """)
    x = np.array([0.3, 0.8])
    agrees(srcdiff.grad(module.f), module.f, x)
    monkeypatch.setattr(np, "sin", np.cos)
    agrees(srcdiff.grad(module.f), module.f, x)


def test_a_rule_registered_after_the_first_gradient(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        def clipped(x):
            return np.tanh(x)

        def f(x):
            return clipped(x) * 3.0
    """)
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, 0.4)

    def straight_through(g, ans, x):  # a deliberate surrogate gradient: the rule, not the function, decides
        return (g,)

    srcdiff.defvjp(module.clipped, straight_through)
    expected = 3.0 * straight_through(1.0, None, 0.4)[0]
    assert gradient(0.4) == pytest.approx(expected)
    assert srcdiff.grad(module.f)(0.4) == pytest.approx(expected)


# ---- the source read is the code that runs ---------------------------------------------------------------------


def test_a_file_edited_but_not_reimported_is_refused_then_reload_works(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    module = load(tmp_path, """
        def f(x):
            return x ** 2
    """)
    agrees(srcdiff.grad(module.f), module.f, 1.5)
    path = tmp_path / f"{module.__name__}.py"
    path.write_text("def f(x):\n    return x ** 3\n")
    stat = os.stat(path)
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    cache.clear()
    with pytest.raises(SourceUnavailableError, match="not the code that runs"):
        srcdiff.grad(module.f)(1.5)
    reloaded = importlib.reload(module)
    both(reloaded.f, 1.5)


def test_a_decorated_function_is_differentiated_as_it_runs(tmp_path):
    module = load(tmp_path, """
        import functools

        def double(fn):
            @functools.wraps(fn)
            def wrapper(x):
                return 2.0 * fn(x)
            return wrapper

        @double
        def f(x):
            return x ** 3
    """)
    both(module.f, 1.2)
    assert srcdiff.grad(module.f)(1.2) == pytest.approx(2.0 * srcdiff.grad(module.f.__wrapped__)(1.2))


def test_a_wrapper_srcdiff_cannot_read_is_refused_where_it_is(tmp_path):
    module = load(tmp_path, """
        import functools

        def logged(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                return fn(*args, **kwargs)
            return wrapper

        @logged
        def f(x):
            return x ** 3
    """)
    with pytest.raises(srcdiff.SrcdiffError) as error:
        srcdiff.grad(module.f)(1.2)
    assert error.value.filename == str(tmp_path / f"{module.__name__}.py")
    assert error.value.lineno in (4, 5)


# ---- memory ------------------------------------------------------------------------------------------------------


def test_vjp_and_jvp_with_a_new_lambda_each_step_keep_no_old_data(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        def loss(w, X):
            return np.sum((X @ w) ** 2)

        def objective(X):
            return lambda w: loss(w, X)  # a new function, and a new closure over X, at each step
    """)
    w = np.ones(3)
    alive = []
    for step in range(30):
        batch = np.full((50, 3), float(step))
        alive.append(weakref.ref(batch))
        _, pullback = srcdiff.vjp(module.objective(batch), w)
        np.testing.assert_allclose(pullback(1.0), 2.0 * batch.T @ (batch @ w))
        srcdiff.jvp(module.objective(batch), (w,), (np.ones(3),))
        del batch, pullback
    gc.collect()
    assert sum(ref() is not None for ref in alive) <= 2


def test_the_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 5)
    cache.clear()
    functions = load(tmp_path, "\n".join(f"def f{i}(x):\n    return x ** {i + 2}\n" for i in range(12)))
    for i in range(12):
        function = getattr(functions, f"f{i}")
        agrees(srcdiff.grad(function), function, 1.1)
    assert len(cache._ENTRIES) <= 5


def test_closures_keep_working_when_the_cache_holds_another_variant(tmp_path):
    module = load(tmp_path, """
        def make(power):
            def helper(x):
                return x ** power
            def f(x):
                return helper(x)
            return f
    """)
    made = [module.make(p) for p in (2.0, 3.0, 4.0, 5.0, 6.0, 7.0)]
    gradients = [srcdiff.grad(f) for f in made]
    for _ in range(2):
        for f, gradient in zip(made, gradients):
            agrees(gradient, f, 1.3)




# ---- data read when the derivative runs is not a reason to compile again -------------------------------------------


def test_a_global_array_rebound_at_each_step_is_read_live_without_compiling_again(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        X = np.ones((4, 3))

        def f(w):
            return np.sum((X.T @ X @ w) ** 2) + X.shape[0] * np.sum(w)
    """)
    w = np.array([0.5, -1.0, 2.0])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, w)
    misses = cache.stats["misses"]
    rng = np.random.default_rng(0)
    for _ in range(3):
        module.X = rng.standard_normal((int(rng.integers(2, 6)), 3))
        agrees(gradient, module.f, w)
    assert cache.stats["misses"] == misses


def test_a_function_held_by_an_instance_replaced(tmp_path):
    module = load(tmp_path, """
        import numpy as np

        class Model:
            def __init__(self):
                self.link = np.tanh

        model = Model()

        def f(x):
            return np.sum(model.link(x) ** 2)

        def cube(x):
            return x ** 3
    """)
    x = np.array([0.3, -0.6])
    gradient = srcdiff.grad(module.f)
    agrees(gradient, module.f, x)
    module.model.link = np.sin
    both(module.f, x, before=gradient)
    module.model.link = module.cube
    both(module.f, x, before=gradient)
    module.Model.link = property(lambda self: np.tanh)  # a property of the class now wins over the instance
    both(module.f, x, before=gradient)
