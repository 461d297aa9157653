"""For the per-rule tests: inputs of each shape and domain, output weights, the gradient check.

Every rule is checked against central finite differences (``check_grad``) and by the directional
test (``dot_product_check``); the gradient must also have the shape of its input and not vanish
where the numbers say it should not.
"""

import inspect

import numpy as np

import srcdiff
from srcdiff import testing

# shapes of single operands: a Python float, a vector, a matrix
SHAPES = [(), (4,), (2, 3)]
SHAPE_IDS = ["scalar", "vector", "matrix"]

# pairs of operand shapes: equal shapes, then the broadcasting pairs
PAIRS = [
    ((), ()),
    ((4,), (4,)),
    ((2, 3), (2, 3)),
    ((3,), (2, 3)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
]
PAIR_IDS = [
    "scalars",
    "vectors",
    "matrices",
    "row-matrix",
    "column-row",
    "scalar-matrix",
    "matrix-scalar",
]


def name_of(value):
    """A test id: a function's name, or a shape or a domain without spaces."""
    return getattr(value, "__name__", None) or str(value).replace(" ", "")


def weights(out):
    """Distinct weights shaped like ``out``, so a gradient mixed up between elements cannot pass."""
    count = np.size(out)
    values = 1.5 + np.cos(1.3 * np.arange(count)) + 0.1 * np.arange(count)
    return values.reshape(np.shape(out)) if np.ndim(out) else float(values[0])


# generated code calls ``weights`` in the forward sweep, as a constant
srcdiff.nondifferentiable(weights)


def sample(shape, low=-1.0, high=1.0, seed=0, dtype=np.float64):
    """Values spread over [low, high] in a shuffled order: a Python float for the shape ()."""
    rng = np.random.default_rng(seed + 7 * len(shape) + sum(shape))
    count = int(np.prod(shape))
    # evenly spaced values, so no two are within (high - low) / (count + 1) of each other (no ties)
    values = low + (high - low) * (np.arange(1, count + 1) / (count + 1))
    values = rng.permutation(values) + rng.uniform(-0.2, 0.2, count) * (high - low) / (count + 1)
    if shape == ():
        return float(values[0])
    return values.reshape(shape).astype(dtype)


def well_conditioned(shape, seed=0):
    """A square matrix (or stack of them) close to 2 I: invertible, with a positive determinant."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    return 2.0 * np.eye(n) + 0.3 * rng.standard_normal(shape)


def assert_gradient(fun, *args, wrt=0, rtol=1e-5, atol=1e-7, nonzero=True):
    """Check srcdiff's gradient of ``fun`` at ``args`` numerically; return the gradients."""
    result = testing.check_grad(fun, *args, wrt=wrt, rtol=rtol, atol=atol)
    assert result.ok, f"{fun.__name__}:\n{result}\n\n{srcdiff.source(fun, wrt=wrt)}"
    positions = _positions(fun, wrt)
    for gradient, position in zip(result.analytic, positions):
        assert np.shape(gradient) == np.shape(args[position])
        if isinstance(args[position], np.ndarray):
            assert isinstance(gradient, np.ndarray) and gradient.dtype == args[position].dtype
    if nonzero:
        moving = any(np.any(np.asarray(n) != 0) for n in result.numeric)
        assert moving, f"{fun.__name__}: the gradient is zero here, so the test proves little"
    ok, analytic, numeric = testing.dot_product_check(fun, *args, wrt=wrt)
    message = f"{fun.__name__}: dot-product test: srcdiff {analytic!r}, differences {numeric!r}"
    assert ok, message
    return result.analytic


def _positions(fun, wrt):
    names = list(inspect.signature(fun).parameters)
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    return [item if isinstance(item, int) else names.index(item) for item in items]
