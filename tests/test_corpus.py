"""End to end: a corpus of realistic whole functions, each checked against central finite differences.

Every float argument of every function is differentiated against; integer arguments (labels, counts, indices)
are constants. Points are chosen away from kinks (``maximum``, ``abs``, branches) so that central differences are
reliable there.
"""

import math

import numpy as np
import pytest

import srcdiff
from srcdiff import testing

RNG = np.random.default_rng(20240501)


def rand(*shape, scale=1.0):
    return scale * RNG.standard_normal(shape)


# ---- losses ---------------------------------------------------------------------------------------------------


def mse(w, b, X, y):
    y_pred = X @ w + b
    return np.mean((y_pred - y) ** 2)


def logistic_regression(w, b, X, y):
    z = X @ w + b
    # log(1 + exp(-y z)) with y in {-1, +1}, computed stably
    return np.mean(np.logaddexp(0.0, -y * z))


def softmax_cross_entropy(W, X, labels):
    logits = X @ W
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    picked = log_probs[np.arange(X.shape[0]), labels]
    return -np.mean(picked)


def hinge(w, X, y):
    margins = 1.0 - y * (X @ w)
    return np.sum(np.maximum(0.0, margins)) + 0.01 * np.sum(w**2)


def huber(pred, target, delta):
    r = pred - target
    quadratic = 0.5 * r**2
    linear = delta * (np.abs(r) - 0.5 * delta)
    return np.sum(np.where(np.abs(r) <= delta, quadratic, linear))


def binary_cross_entropy(p_logit, y):
    p = 1.0 / (1.0 + np.exp(-p_logit))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def l1_l2_regularised(w, X, y, alpha, beta):
    residual = X @ w - y
    return 0.5 * residual @ residual + alpha * np.sum(np.sqrt(w * w + 1e-3)) + beta * np.dot(w, w)


# ---- models ---------------------------------------------------------------------------------------------------


def mlp(W1, b1, W2, b2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    out = hidden @ W2 + b2
    return np.mean((out - y) ** 2)


def mlp_relu_softplus(W1, W2, X):
    h = np.maximum(X @ W1, 0.01 * (X @ W1))  # leaky ReLU
    return np.sum(np.log1p(np.exp(h @ W2)))


def layer_norm(x, gamma, beta):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    normed = (x - mu) / np.sqrt(var + 1e-5)
    out = gamma * normed + beta
    return np.sum(out * np.sin(out))


def attention(Q, K, V):
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    scores = scores - np.max(scores, axis=1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / np.sum(weights, axis=1, keepdims=True)
    out = weights @ V
    return np.sum(out**2)


def conv1d_valid(x, k):
    n = x.shape[0] - k.shape[0] + 1
    total = 0.0
    for i in range(n):
        window = x[i : i + 3]
        total = total + np.dot(window, k) ** 2
    return total


def gaussian_log_likelihood(mu, log_sigma, x):
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    return np.sum(-0.5 * z**2 - log_sigma - 0.5 * np.log(2 * np.pi))


def multivariate_gaussian_quadratic(mu, L, x):
    cov = L @ L.T + np.eye(L.shape[0])
    diff = x - mu
    return 0.5 * diff @ np.linalg.solve(cov, diff) + 0.5 * np.log(np.linalg.det(cov))


def poisson_regression(w, X, counts):
    rate = np.exp(X @ w)
    return np.sum(rate - counts * np.log(rate))


def kl_divergence(logits_p, logits_q):
    p = np.exp(logits_p) / np.sum(np.exp(logits_p))
    q = np.exp(logits_q) / np.sum(np.exp(logits_q))
    return np.sum(p * (np.log(p) - np.log(q)))


def cosine_similarity(a, b):
    return np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))


def einsum_bilinear(x, A, y):
    return np.einsum("i,ij,j->", x, A, y) + np.trace(A @ A.T)


# ---- classic test functions and numerics ----------------------------------------------------------------------


def polynomial(coefficients, x):
    # Horner's rule over the coefficients, highest degree first
    acc = 0.0 * x
    for c in coefficients:
        acc = acc * x + c
    return np.sum(acc)


def polynomial_closed_form(x, a, b, c):
    return np.sum(a * x**3 - b * x**2 + c * x - 1.0)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_2d(a, b):
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2


def rastrigin(x):
    return 10.0 * x.shape[0] + np.sum(x**2 - 10.0 * np.cos(2 * np.pi * x))


def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def math_module(x, y):
    return math.sin(x) * math.exp(-y) + math.sqrt(x * x + y * y) + math.log(1 + x * x)


def matrix_inverse_quadratic(A, b):
    M = A @ A.T + 2.0 * np.eye(A.shape[0])
    return b @ np.linalg.inv(M) @ b


def stacked_features(x, w):
    features = np.stack([x, x**2, np.sin(x)], axis=1)
    return np.sum((features @ w) ** 2)


def reshape_and_transpose(x):
    m = x.reshape(2, 3)
    return np.sum(m.T @ m) + np.sum(m.mean(axis=0) ** 2)


# ---- simulations -----------------------------------------------------------------------------------------------


def projectile_range(v0, angle, drag):
    # semi-implicit Euler; returns the squared distance at a fixed final time
    dt = 0.01
    x, y = 0.0, 0.0
    vx = v0 * np.cos(angle)
    vy = v0 * np.sin(angle)
    for step in range(200):
        speed = np.sqrt(vx * vx + vy * vy)
        vx = vx - dt * drag * speed * vx
        vy = vy - dt * (9.81 + drag * speed * vy)
        x = x + dt * vx
        y = y + dt * vy
    return x * x + y * y


def damped_oscillator(k, c, x0):
    x = x0
    v = 0.0
    dt = 0.05
    energy = 0.0
    for step in range(100):
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
        energy = energy + dt * (0.5 * v * v + 0.5 * k * x * x)
    return energy


def heat_equation(u0, alpha):
    u = u0
    for step in range(20):
        lap = np.concatenate([u[1:2] - u[0:1], u[2:] - 2 * u[1:-1] + u[:-2], u[-2:-1] - u[-1:]])
        u = u + alpha * lap
    return np.sum(u**2)


def newton_sqrt(a):
    # a fixed number of Newton steps differentiates like the square root it converges to
    x = a
    for step in range(8):
        x = 0.5 * (x + a / x)
    return x


def gradient_descent_unrolled(w0, X, y, lr):
    w = w0
    for step in range(10):
        residual = X @ w - y
        w = w - lr * (X.T @ residual) / X.shape[0]
    return np.sum((X @ w - y) ** 2)


def piecewise_activation(x):
    total = 0.0
    for v in x:
        if v > 1.0:
            total = total + 2.0 * v - 1.0
        elif v > -1.0:
            total = total + v * v
        else:
            total = total - 2.0 * v - 1.0
    return total


def bisection_like_while(a):
    # a data-dependent trip count: halve until small, then a smooth function of the result
    x = a
    while x * x > 0.25:
        x = 0.5 * x + 0.01 * np.sin(x)
    return x * np.exp(a)


# ---- the corpus: (function, arguments) ------------------------------------------------------------------------

N, D, C, H = 6, 3, 4, 5
X = rand(N, D)
Y_REG = rand(N)
Y_SIGN = np.where(rand(N) > 0, 1.0, -1.0)
LABELS = np.array([0, 3, 1, 2, 3, 0])

CORPUS = [
    (mse, (rand(D), 0.3, X, Y_REG)),
    (logistic_regression, (rand(D), -0.2, X, Y_SIGN)),
    (softmax_cross_entropy, (rand(D, C), X, LABELS)),
    (hinge, (np.array([0.9, -0.6, 0.35]), X, Y_SIGN)),
    (huber, (np.array([0.1, 2.0, -1.5, 0.4]), np.array([0.3, 0.2, 0.1, -0.6]), 0.8)),
    (binary_cross_entropy, (rand(N), (RNG.random(N) > 0.5).astype(float))),
    (l1_l2_regularised, (rand(D), X, Y_REG, 0.1, 0.05)),
    (mlp, (rand(D, H, scale=0.5), rand(H), rand(H, 2, scale=0.5), rand(2), X, rand(N, 2))),
    (mlp_relu_softplus, (rand(D, H, scale=0.5), rand(H, scale=0.5), X)),
    (layer_norm, (rand(4, 5), 1.0 + 0.1 * rand(5), 0.1 * rand(5))),
    (attention, (rand(4, 3), rand(5, 3), rand(5, 2))),
    (conv1d_valid, (rand(8), rand(3))),
    (gaussian_log_likelihood, (0.3, -0.2, rand(10))),
    (multivariate_gaussian_quadratic, (rand(3), rand(3, 3, scale=0.5), rand(3))),
    (poisson_regression, (rand(D, scale=0.3), X, np.array([1.0, 0.0, 3.0, 2.0, 1.0, 4.0]))),
    (kl_divergence, (rand(5), rand(5))),
    (cosine_similarity, (rand(4), rand(4))),
    (einsum_bilinear, (rand(3), rand(3, 4), rand(4))),
    (polynomial, (np.array([0.5, -1.0, 2.0, 0.25]), rand(5))),
    (polynomial_closed_form, (rand(5), 0.7, -0.4, 1.3)),
    (rosenbrock, (np.array([0.5, 1.2, -0.3, 0.8]),)),
    (rosenbrock_2d, (-1.2, 1.0)),
    (rastrigin, (np.array([0.3, -0.7, 1.1]),)),
    (log_sum_exp, (rand(6),)),
    (math_module, (0.7, 0.4)),
    (matrix_inverse_quadratic, (rand(3, 3), rand(3))),
    (stacked_features, (rand(5), rand(3))),
    (reshape_and_transpose, (rand(6),)),
    (projectile_range, (12.0, 0.8, 0.05)),
    (damped_oscillator, (2.0, 0.3, 1.0)),
    (heat_equation, (rand(6), 0.2)),
    (newton_sqrt, (2.0,)),
    (gradient_descent_unrolled, (rand(D), X, Y_REG, 0.1)),
    (piecewise_activation, (np.array([1.5, 0.3, -0.4, -2.5, 0.9]),)),
    (bisection_like_while, (3.0,)),
]

# Known compiler bugs, as strict xfail marks: fixing a bug turns its tests into unexpected passes, a reminder to
# remove the mark. (Fixed so far: slices in adjoints, value_and_grad's value when the result is on the tape, and
# np.linalg.solve's two cotangents.)
GRADIENT_BUGS: dict = {}
VALUE_BUGS: dict = {}


def float_positions(args):
    """Positions of the arguments that are floats or float arrays: the ones to differentiate against."""
    return tuple(
        i for i, a in enumerate(args)
        if isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f")
    )


def corpus_params(known_bugs):
    for function, args in CORPUS:
        marks = [known_bugs[function.__name__]] if function.__name__ in known_bugs else []
        yield pytest.param(function, args, id=function.__name__, marks=marks)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30
    assert len({f.__name__ for f, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("function, args", list(corpus_params(GRADIENT_BUGS)))
def test_gradient_matches_finite_differences(function, args):
    wrt = float_positions(args)
    assert wrt, "every corpus function has a float argument"
    value = function(*args)
    assert np.ndim(value) == 0 and np.isfinite(value)
    result = testing.check_grad(function, *args, wrt=wrt, rtol=1e-4, atol=1e-6)
    assert result.ok, str(result)
    for gradient, position in zip(result.analytic, wrt):
        assert np.shape(gradient) == np.shape(args[position])
        assert np.all(np.isfinite(gradient))


@pytest.mark.parametrize("function, args", list(corpus_params(VALUE_BUGS)))
def test_value_and_grad_value_is_the_function_value(function, args):
    wrt = float_positions(args)
    value, _ = srcdiff.value_and_grad(function, wrt=wrt)(*args)
    np.testing.assert_allclose(value, function(*args), rtol=1e-12)
