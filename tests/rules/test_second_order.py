"""Second derivatives through every rule: ``srcdiff.hessian`` (forward mode over the generated gradient) against
central differences of srcdiff's gradient, on the test functions of the per-rule tests.

Forward over reverse differentiates the generated gradient code, so it meets every runtime helper and every rule
that gradient code calls: each needs a forward rule of its own, or the Hessian fails.
"""

import numpy as np
import pytest

import srcdiff
from srcdiff.testing import numerical_jacobian, numerical_jvp

from . import test_edge_cases as edge
from . import test_math_rules as mr
from . import test_numpy_rules as nr
from . import test_operators as ops
from .helpers import name_of, sample, weights, well_conditioned

ANY = (-1.0, 1.0)
POSITIVE = (0.5, 2.0)


def assert_hessian(fun, *args, wrt=0, rtol=1e-4, atol=1e-6):
    """srcdiff.hessian of ``fun`` with respect to one argument, or hvp with respect to several, against
    central differences of the gradient."""
    if isinstance(wrt, int):
        x = args[wrt]
        hessian = srcdiff.hessian(fun, wrt=wrt)(*args)
        assert np.shape(hessian) == np.shape(x) + np.shape(x)
        numeric = numerical_jacobian(srcdiff.grad(fun, wrt=wrt), args, wrt, eps=1e-5)
        assert np.all(np.isfinite(hessian)), hessian
        np.testing.assert_allclose(hessian, numeric, rtol=rtol, atol=atol * max(1.0, np.max(np.abs(numeric),
                                                                                               initial=0.0)),
                                   err_msg=f"{fun.__name__}: Hessian")
        return hessian
    rng = np.random.default_rng(5)
    vectors = tuple(rng.uniform(0.5, 1.5, np.shape(args[p])) * rng.choice([-1.0, 1.0], np.shape(args[p]))
                    if np.ndim(args[p]) else float(rng.uniform(0.5, 1.5)) for p in wrt)
    product = srcdiff.hvp(fun, wrt=tuple(wrt))(*args, vectors)
    tangents = [None] * len(args)
    for position, vector in zip(wrt, vectors):
        tangents[position] = vector
    numeric = numerical_jvp(srcdiff.grad(fun, wrt=tuple(wrt)), args, tangents, eps=1e-5)
    for exact, approximate in zip(product, numeric):
        assert np.all(np.isfinite(exact)), exact
        np.testing.assert_allclose(exact, approximate, rtol=rtol,
                                   atol=atol * max(1.0, np.max(np.abs(approximate), initial=0.0)),
                                   err_msg=f"{fun.__name__}: Hessian-vector product")
    return product


# ---- one argument ---------------------------------------------------------------------------------------------

ONE = (
    [(f, (4,), domain, 0) for f, domain in nr.ELEMENTWISE]
    + [(f, (2, 3), domain, 0) for f, domain in nr.FULL_REDUCTIONS]
    + [(f, (2, 3), ANY, 0) for f in (nr.f_var, nr.f_var_ddof, nr.f_std, nr.f_std_ddof)]
    + [(f, shape, POSITIVE if "prod" in f.__name__ else ANY, 0) for f, shape in nr.AXIS_REDUCTIONS]
    + [(f, shape, ANY, 0) for f, shape in nr.NORMS]
    + [(f, (2, 3), ANY, 0) for f in nr.ARRAY_METHODS]
    + [(f, shape, ANY, 0) for f, shape in nr.SHAPE_FUNCTIONS]
    + [(f, shape, ANY, 0) for f, shape in nr.INDEXING]
    + [(f, (3,), domain, 0) for f, domain in ops.UNARY_FORMS]
    + [(f, shape, ANY, 0) for f, shape in edge.NORMS]
    + [(f, (), ANY, 0) for f in (edge.b_full, edge.b_full_shape, edge.b_full_like, edge.b_full_like_keyword)]
    + [(f, shape, ANY, 0) for f, shape in [
        (nr.f_transpose, (2, 3)), (nr.f_transpose_axes, (2, 3, 4)), (nr.f_trace, (3, 3)), (edge.k_trace3, (2, 3, 2)),
        (edge.k_transpose_negative, (2, 3, 4)), (nr.f_diag_build, (3,)), (nr.f_diag_read, (3, 4)),
        (nr.f_flip, (2, 3)), (nr.f_roll, (2, 4)), (nr.f_triangles, (3, 3)), (nr.f_axes, (2, 3, 4)),
        (nr.f_float64, ()), (nr.f_clip, (5,)), (nr.f_clip_keywords, (5,)), (nr.f_where_constant_branch, (4,))]]
    + [(edge.x_r, (2,), ANY, 0), (edge.x_r_scalars, (), ANY, 0), (edge.x_c, (3,), ANY, 0),
       (edge.x_c_matrix, (2, 3), ANY, 0)]
    + [(edge.b_full_row, (3,), ANY, 0), (edge.b_unique, (4,), ANY, 0), (edge.v_std_axis, (3, 1), ANY, 0),
       (edge.p_pow2, (), ANY, 0), (edge.p_pow3, (3,), ANY, 0), (edge.p_pow_negative, (3,), POSITIVE, 0)]
)


@pytest.mark.parametrize("fun, shape, domain, seed", ONE, ids=lambda v: name_of(v) if callable(v) else None)
def test_hessian_of_one_argument(fun, shape, domain, seed):
    assert_hessian(fun, sample(shape, *domain, seed=50 + seed))


@pytest.mark.parametrize("fun, shape", [(nr.f_inv, (3, 3)), (nr.f_inv, (2, 2, 2)), (nr.f_det, (3, 3)),
                                        (nr.f_det_batched, (2, 2, 2)), (nr.f_logdet, (3, 3))], ids=name_of)
def test_hessian_through_inverse_and_determinant(fun, shape):
    assert_hessian(fun, well_conditioned(shape, seed=51))


def s_builtin_sum(x, y):
    return sum([x * y, x**2, np.sin(y)]) * 1.5


def s_builtin_sum_of_array(x):
    return np.sum(sum(x**3) * weights(x[0]))


def test_hessian_through_python_sum():
    assert_hessian(s_builtin_sum, 0.4, -0.8, wrt=(0, 1))
    assert_hessian(s_builtin_sum_of_array, sample((3, 2), seed=56))


@pytest.mark.parametrize("fun, points", mr.UNARY, ids=name_of)
def test_hessian_of_math_functions(fun, points):
    for x in points:
        assert_hessian(fun, x)


# ---- several arguments: Hessian-vector products with respect to all of them ------------------------------------

SEVERAL = (
    [(f, ((3,), (2, 3)), x_domain, y_domain) for f, x_domain, y_domain in nr.BINARY]
    + [(f, ((2, 3), (2, 3)), x_domain, y_domain) for f, x_domain, y_domain in ops.BINARY]
    + [(f, (x, y), ANY, ANY) for f, x, y in nr.PRODUCTS]
    + [(f, (x, y), ANY, ANY) for f, x, y in nr.EINSUMS]
    + [(f, (x, y), ANY, ANY) for f, x, y in edge.EINSUMS]
    + [(f, (x, y), ANY, ANY) for f, x, y in nr.JOINS]
    + [(f, shapes, ANY, ANY) for f, shapes in [(ops.f_matmul, s) for s in ops.MATMUL_SHAPES[:4]]]
    + [(nr.f_where, ((3,), (2, 3)), ANY, ANY), (nr.f_clip_keyword_bound, ((4,), ()), ANY, (-0.5, -0.4)),
       (edge.b_heaviside, ((4,), ()), ANY, ANY)]
    + [(edge.d_dot3, ((2, 3), (4, 3, 2)), ANY, ANY), (edge.p_variable_exponent, ((3,), (3,)), POSITIVE, ANY)]
    + [(f, ((), ()), (0.3, 0.9), (1.2, 1.7)) for f in (edge.b_linspace, edge.b_linspace_open, edge.b_linspace_step)]
    + [(edge.b_linspace_arrays, ((2,), (2,)), ANY, ANY), (edge.b_arange, ((), ()), (0.1, 0.2), (0.3, 0.4))]
)


@pytest.mark.parametrize("fun, shapes, x_domain, y_domain", SEVERAL, ids=lambda v: name_of(v) if callable(v)
                         else None)
def test_hessian_vector_product_of_two_arguments(fun, shapes, x_domain, y_domain):
    x = sample(shapes[0], *x_domain, seed=52)
    y = sample(shapes[1], *y_domain, seed=53)
    assert_hessian(fun, x, y, wrt=(0, 1))


@pytest.mark.parametrize("a_shape, b_shape", [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))], ids=str)
def test_hessian_through_solve(a_shape, b_shape):
    assert_hessian(nr.f_solve, well_conditioned(a_shape, seed=54), sample(b_shape, seed=55), wrt=(0, 1))


@pytest.mark.parametrize("fun, points", mr.BINARY, ids=name_of)
def test_hessian_of_math_functions_of_two_arguments(fun, points):
    for x, y in points:
        assert_hessian(fun, x, y, wrt=(0, 1))


# ---- rules of the user's: pasted when they are one expression, called (and differentiated from source) else ----


def u_scaled_sine(x):
    return np.sin(x) * 2.0


def _register_lambda_rule():
    from numpy import cos  # a name the lambda closes over: the pasted expression must still find it

    srcdiff.defvjp(u_scaled_sine)(lambda g, ans, x: (g * 2.0 * cos(x),))


_register_lambda_rule()
srcdiff.defjvp(u_scaled_sine)(lambda tangents, ans, x: tangents[0] * 2.0 * np.cos(x))


def u_scaled_cube(x):
    return 0.5 * x**3


@srcdiff.defvjp(u_scaled_cube)
def _scaled_cube_vjp(g, ans, x):
    square = x * x
    return (1.5 * g * square,)


srcdiff.defjvp(u_scaled_cube)(lambda tangents, ans, x: 1.5 * x * x * tangents[0])


def u_lambda_rule(x):
    return np.sum(u_scaled_sine(x) ** 2 * x)


def u_called_rule(x):
    return np.sum(u_scaled_cube(x) * np.sin(x))


@pytest.mark.parametrize("fun", [u_lambda_rule, u_called_rule], ids=name_of)
def test_hessian_through_a_rule_of_the_users(fun):
    assert_hessian(fun, np.array([0.3, -0.7, 1.1]))


# ---- every helper generated gradient code can call has a forward rule ------------------------------------------

# handled by the passes themselves (in-place updates), applied outside generated code, or called only from
# inside other helpers and rules
_NOT_EMITTED = {"setitem", "append", "pop", "match", "einsum_spec", "einsum_cotangent", "einsum_cotangents",
                "arange_tangent", "unique_tangent", "cofactors", "others_product", "well_conditioned"}


def test_every_runtime_helper_and_called_rule_has_a_forward_rule():
    import inspect

    from srcdiff import runtime
    from srcdiff.rules import lookup
    from srcdiff.rules.registry import _RULES

    missing = []
    for name, helper in inspect.getmembers(runtime, inspect.isfunction):
        if helper.__module__ == runtime.__name__ and not name.startswith("_") and name not in _NOT_EMITTED:
            rule = lookup(helper)
            if rule is None or (rule.forward is None and rule.vjp is not None):
                missing.append(name)
    for rule in list(_RULES.values()):
        if rule.vjp is not None and rule.template is None and rule.vjp.__module__.startswith("srcdiff."):
            called = lookup(rule.vjp)
            if called is None or called.forward is None:
                missing.append(f"the rule of {rule.name}")
    assert missing == [], f"no forward rule (second derivatives would fail): {missing}"


def test_every_differentiable_numpy_rule_has_a_second_order_test():
    import inspect

    functions = [case[0] for case in ONE + SEVERAL] + [nr.f_inv, nr.f_det, nr.f_logdet, nr.f_solve]
    text = "\n".join(inspect.getsource(f) for f in functions)
    missing = [" or ".join(dotted for dotted, _ in spellings)
               for spellings in nr._numpy_names_with_rules().values()
               if spellings[0][1].vjp is not None
               and not any(f"{dotted}(" in text or f"{dotted}[" in text for dotted, _ in spellings)]
    assert missing == [], f"rules without a Hessian test: {missing}"


@pytest.mark.parametrize("a", edge.SINGULAR, ids=["rank-1 2x2", "zeros", "rank-1 3x3", "rank-2 3x3"])
def test_hessian_of_the_determinant_of_a_singular_matrix(a):
    assert_hessian(edge.k_det, a)
    assert_hessian(edge.k_det_batched, np.stack([a, a.T + 0.5]))
