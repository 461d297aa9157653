"""The functions whose generated gradient code is kept in tests/golden/expected/, with a point to check it at.

Each case is a function as a user writes it, the arguments it is differentiated against (``wrt``) and a
point away from any kink or branch boundary, where central differences see one smooth piece.
"""

import numpy as np


def polynomial(x):
    return 3.0 * x**3 - 2.0 * x**2 + x - 5.0


def mse(w, b, X, y):
    residual = X @ w + b - y
    return np.mean(residual**2)


def sigmoid_neuron(w, b, x, y):
    z = np.dot(w, x) + b
    p = 1.0 / (1.0 + np.exp(-z))
    return (p - y) ** 2


def two_layer_mlp(W1, b1, W2, b2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    out = hidden @ W2 + b2
    return np.mean((out - y) ** 2)


def softmax_cross_entropy(W, X, labels):
    logits = X @ W
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(labels * log_probs, axis=1))


def for_loop(x, n):
    total = 0.0
    for i in range(n):
        total = total + np.sin(x[i]) * x[i]
    return total


def while_loop(x):
    y = x
    steps = 0
    while y > 1.0:
        y = 0.5 * y + 0.1 * np.sin(y)
        steps += 1
    return y * steps


def if_branch(x, threshold):
    if np.sum(x) > threshold:
        out = np.sum(x**2)
    else:
        out = np.sum(np.exp(x))
    return out


def squash(v):
    return np.tanh(v) * 2.0


def helper_call(x):
    return np.sum(squash(x) * x)


def in_place_loop(x):
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = x[i] * x[(i + 1) % x.shape[0]]
    return np.sum(out**2)


def rnn_steps(h0, W, U, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h**2)


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def _cases() -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    return {
        "polynomial": (polynomial, (0.7,), 0),
        "mse": (mse, (np.array([0.5, -0.3, 0.8]), 0.2, X, rng.standard_normal(5)), (0, 1)),
        "sigmoid_neuron": (
            sigmoid_neuron,
            (np.array([0.4, -0.6, 0.2]), 0.1, np.array([1.0, 0.5, -1.5]), 1.0),
            (0, 1),
        ),
        "two_layer_mlp": (
            two_layer_mlp,
            (
                0.5 * rng.standard_normal((3, 4)),
                0.1 * rng.standard_normal(4),
                0.5 * rng.standard_normal(4),
                0.3,
                X,
                rng.standard_normal(5),
            ),
            (0, 1, 2, 3),
        ),
        "softmax_cross_entropy": (
            softmax_cross_entropy,
            (0.5 * rng.standard_normal((3, 4)), X, np.eye(4)[[0, 2, 1, 3, 2]]),
            0,
        ),
        "for_loop": (for_loop, (np.array([0.3, -1.2, 0.8, 2.0]), 4), 0),
        "while_loop": (while_loop, (5.3,), 0),
        "if_branch": (if_branch, (np.array([0.3, -0.2, 0.6]), 0.2), 0),
        "helper_call": (helper_call, (np.array([0.3, -0.5, 1.2]),), 0),
        "in_place_loop": (in_place_loop, (np.array([0.3, -0.5, 1.2, 0.9]),), 0),
        "rnn_steps": (
            rnn_steps,
            (
                0.5 * rng.standard_normal(3),
                0.5 * rng.standard_normal((3, 3)),
                0.5 * rng.standard_normal((3, 2)),
                rng.standard_normal((4, 2)),
            ),
            (0, 1, 2),
        ),
        "logsumexp": (logsumexp, (np.array([0.5, -1.0, 2.0, 0.3]),), 0),
    }


CASES = _cases()
