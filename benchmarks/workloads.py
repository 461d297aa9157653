"""The benchmark workloads: plain-numpy primals for srcdiff to differentiate, and hand-written gradients.

Primals are module-level functions so that srcdiff can read their source. Each hand-written gradient is
what an expert would write: fused, in place where it pays, without computing the loss value it does not
need, and using the primal's own numpy primitives and control flow for the forward computation.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Callable

import numpy as np

# --------------------------------------------------------------------------------------------- cubic


def cubic(x):
    return x**3 + 2 * x


def cubic_hand(x):
    return 3 * x * x + 2


# ----------------------------------------------------------------------------------------- quadratic


def quadratic(x, y):
    return x**2 + 3 * x * y + y**2


def quadratic_hand(x, y):
    return 2 * x + 3 * y, 3 * x + 2 * y


# ----------------------------------------------------------------------------------------------- mse


def mse(w, b, X, y):
    return np.mean((w * X + b - y) ** 2)


def mse_hand(w, b, X, y):
    residual = X * w
    residual += b
    residual -= y
    scale = 2.0 / residual.size
    return scale * np.dot(residual, X), scale * np.sum(residual)


# -------------------------------------------------------------------------------------------- neuron


def neuron(w, b, x, y):
    z = w * x + b
    s = 1 / (1 + np.exp(-z))
    return (s - y) ** 2


def neuron_hand(w, b, x, y):
    s = 1 / (1 + np.exp(-(w * x + b)))
    dz = 2 * (s - y) * s * (1 - s)
    return dz * x, dz


# ----------------------------------------------------------------------------------------------- mlp


def mlp(W1, b1, W2, b2, X, labels):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    n = X.shape[0]
    return -np.mean(logp[np.arange(n), labels])


def mlp_hand(W1, b1, W2, b2, X, labels):
    n = X.shape[0]
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    p = h @ W2
    p += b2
    p -= np.max(p, axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= np.sum(p, axis=1, keepdims=True)
    p[np.arange(n), labels] -= 1
    p /= n  # now the adjoint of the logits: (softmax - onehot) / n
    dW2 = h.T @ p
    db2 = np.sum(p, axis=0)
    da = p @ W2.T
    da *= 1 - h * h
    return X.T @ da, np.sum(da, axis=0), dW2, db2


# ---------------------------------------------------------------------------------------- sine_loop


def sine_loop(x):
    for i in range(100):
        x = np.sin(x) * 1.01 + 0.1 * x * x
    return x


def sine_loop_hand(x):
    # One input, one output: forward accumulation needs no tape.
    dx = 1.0
    for i in range(100):
        dx *= np.cos(x) * 1.01 + 0.2 * x
        x = np.sin(x) * 1.01 + 0.1 * x * x
    return dx


# -------------------------------------------------------------------------------------- shrink_loop


def shrink_loop(x):
    while np.sum(x**2) > 1:
        x = x * 0.9
    return np.sum(x**2)


def shrink_loop_hand(x):
    steps = 0
    while np.sum(x**2) > 1:  # the user's own control flow: no AD tool may rewrite it
        x = x * 0.9
        steps += 1
    return (2 * 0.9**steps) * x


# ----------------------------------------------------------------------------------------- logistic


def logistic(w, b, X, y):
    margin = y * (X @ w + b)
    return np.mean(np.logaddexp(0, -margin))


def logistic_hand(w, b, X, y):
    # d/dm log(1 + exp(-m)) = -sigmoid(-m) = (tanh(m / 2) - 1) / 2, stable for any m.
    t = X @ w
    t += b
    t *= y
    t *= 0.5
    np.tanh(t, out=t)
    t -= 1
    t *= y
    t *= 0.5 / y.shape[0]
    return t @ X, np.sum(t)


# ---------------------------------------------------------------------------------------------- rnn


def rnn(W, h0, x):
    h = h0
    T = x.shape[0]
    for t in range(T):
        h = np.tanh(W @ h + x[t])
    return np.sum(h)


def rnn_hand(W, h0, x):
    T, H = x.shape
    hs = np.empty((T + 1, H))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(W @ hs[t] + x[t])
    da = np.empty((T, H))
    dh = np.ones(H)
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da[t] = dh * (1 - h * h)
        dh = da[t] @ W
    return da.T @ hs[:-1], dh


# ----------------------------------------------------------------------------------------- registry


def _warmup(x):
    """Differentiated once before timing compile costs, so the first workload pays no lazy imports."""
    return np.sin(x) * x


@dataclasses.dataclass(frozen=True)
class Workload:
    """A function to differentiate, its hand-written gradient and how to make its inputs."""

    name: str
    kind: str  # "scalar" or "array": the two groups the summary averages over
    primal: Callable
    hand: Callable
    wrt: str | tuple[str, ...]
    make_args: Callable[[str], tuple]  # scale ("test", "quick" or "full") -> positional arguments

    @property
    def parameters(self) -> list[str]:
        return list(inspect.signature(self.primal).parameters)

    @property
    def wrt_names(self) -> tuple[str, ...]:
        return (self.wrt,) if isinstance(self.wrt, str) else self.wrt

    @property
    def wrt_positions(self) -> tuple[int, ...]:
        return tuple(self.parameters.index(name) for name in self.wrt_names)

    def describe(self, args: tuple) -> str:
        """One line naming each argument's shape (or value for floats) and the wrt parameters."""
        parts = []
        for name, value in zip(self.parameters, args):
            if np.ndim(value) == 0:
                parts.append(f"{name}={float(value):g}")
            else:
                parts.append(f"{name} {'x'.join(map(str, np.shape(value)))}")
        return f"{', '.join(parts)}; wrt {', '.join(self.wrt_names)}"


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _mse_args(sizes: dict[str, int]) -> Callable[[str], tuple]:
    def make(scale: str) -> tuple:
        n = sizes[scale]
        rng = _rng(3)
        X = rng.standard_normal(n)
        y = 2.5 * X - 0.7 + 0.1 * rng.standard_normal(n)
        return 0.3, 0.1, X, y

    return make


def _mlp_args(scale: str) -> tuple:
    n, d, hidden, classes = {"test": (6, 5, 4, 3), "quick": (32, 64, 32, 10)}.get(
        scale, (256, 784, 256, 10)
    )
    rng = _rng(5)
    W1 = rng.standard_normal((d, hidden)) / np.sqrt(d)
    b1 = 0.1 * rng.standard_normal(hidden)
    W2 = rng.standard_normal((hidden, classes)) / np.sqrt(hidden)
    b2 = 0.1 * rng.standard_normal(classes)
    X = rng.standard_normal((n, d))
    labels = rng.integers(0, classes, size=n)
    return W1, b1, W2, b2, X, labels


def _shrink_args(scale: str) -> tuple:
    return (_rng(7).standard_normal(10 if scale == "test" else 100),)


def _logistic_args(scale: str) -> tuple:
    n, d = {"test": (12, 4), "quick": (1000, 20)}.get(scale, (10_000, 100))
    rng = _rng(8)
    X = rng.standard_normal((n, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n))
    y[y == 0] = 1.0
    return 0.1 * rng.standard_normal(d), 0.05, X, y


def _rnn_args(scale: str) -> tuple:
    T, H = {"test": (3, 4), "quick": (10, 16)}.get(scale, (50, 64))
    rng = _rng(9)
    W = 0.9 * rng.standard_normal((H, H)) / np.sqrt(H)
    return W, 0.5 * rng.standard_normal(H), 0.5 * rng.standard_normal((T, H))


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        Workload("cubic", "scalar", cubic, cubic_hand, "x", lambda scale: (1.5,)),
        Workload(
            "quadratic", "scalar", quadratic, quadratic_hand, ("x", "y"), lambda scale: (0.7, -1.3)
        ),
        Workload(
            "mse_small",
            "array",
            mse,
            mse_hand,
            ("w", "b"),
            _mse_args({"test": 20, "quick": 100, "full": 100}),
        ),
        Workload(
            "mse_medium",
            "array",
            mse,
            mse_hand,
            ("w", "b"),
            _mse_args({"test": 30, "quick": 1000, "full": 10_000}),
        ),
        Workload(
            "mse_large",
            "array",
            mse,
            mse_hand,
            ("w", "b"),
            _mse_args({"test": 40, "quick": 10_000, "full": 1_000_000}),
        ),
        Workload(
            "neuron", "scalar", neuron, neuron_hand, ("w", "b"), lambda scale: (0.8, -0.3, 1.5, 1.0)
        ),
        Workload("mlp", "array", mlp, mlp_hand, ("W1", "b1", "W2", "b2"), _mlp_args),
        Workload("sine_loop", "scalar", sine_loop, sine_loop_hand, "x", lambda scale: (-0.3,)),
        Workload("shrink_loop", "array", shrink_loop, shrink_loop_hand, "x", _shrink_args),
        Workload("logistic", "array", logistic, logistic_hand, ("w", "b"), _logistic_args),
        Workload("rnn", "array", rnn, rnn_hand, ("W", "h0"), _rnn_args),
    ]
}
