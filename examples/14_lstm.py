"""Lesson 14: a recurrent network (an LSTM) learns to continue a sine wave.

The task: read a sine wave one value at a time and, at each step, predict the next value. A network that only
sees the current value cannot know whether the wave is rising or falling; it has to remember where it came from.
An LSTM (long short-term memory) keeps two vectors from step to step, the hidden state h and the cell c, and
four gates decide what the cell forgets, what it takes in, and what it shows:

    forget    = sigmoid(Wx_f @ x + Wh_f @ h + b_f)        how much of the old cell to keep
    input     = sigmoid(Wx_i @ x + Wh_i @ h + b_i)        how much of the candidate to add
    output    = sigmoid(Wx_o @ x + Wh_o @ h + b_o)        how much of the cell to show
    candidate = tanh(Wx_c @ x + Wh_c @ h + b_c)
    c = forget * c + input * candidate
    h = output * tanh(c)

The code is written the way one writes it for oneself, not for srcdiff: the parameters are a dict of dicts (one
per gate, plus the readout), each gate is a small helper function, the sequence is a Python list looped over,
and the loss is a list comprehension over (prediction, target) pairs. srcdiff differentiates all of it: the
gradient is a dict of dicts of the same shape, and one step of gradient descent is a `tree_map` over the
parameters and the gradient. Backpropagation through time is the backward sweep of the loop over the sequence.
At the end, scipy's L-BFGS polishes the fit of one sequence: scipy wants one vector, and `tree.ravel` makes one
of the dict of dicts (and its gradient), and turns it back.

Run:  python examples/14_lstm.py [--no-plots] [--no-progress] [--steps N] [--lbfgs N]
"""

from __future__ import annotations

import importlib.util

import numpy as np
from _common import parse_args, progress, pyplot, save_figure, show_source

import srcdiff
import srcdiff.testing
from srcdiff.tree import ravel, tree_map

HIDDEN = 8
GATES = ("forget", "input", "output", "cell")


def sigmoid(z):
    return 0.5 * (np.tanh(0.5 * z) + 1.0)  # 1 / (1 + exp(-z)), without overflow


def gate(weights, x, h):
    return weights["Wx"] @ x + weights["Wh"] @ h + weights["b"]


def lstm_step(params, x, h, c):
    forget = sigmoid(gate(params["forget"], x, h))
    remember = sigmoid(gate(params["input"], x, h))
    show = sigmoid(gate(params["output"], x, h))
    candidate = np.tanh(gate(params["cell"], x, h))
    c = forget * c + remember * candidate
    h = show * np.tanh(c)
    return h, c


def predict(params, xs):
    """The prediction after each value of the sequence ``xs`` (a list of vectors of one number)."""
    h = np.zeros(HIDDEN)
    c = np.zeros(HIDDEN)
    predictions = []
    for x in xs:
        h, c = lstm_step(params, x, h, c)
        predictions.append(params["readout"] @ h)
    return predictions


def loss(params, xs, targets):
    errors = [np.sum((p - t) ** 2) for p, t in zip(predict(params, xs), targets)]
    return sum(errors) / len(errors)


def init_params(rng):
    """Small random weights, zero biases (the forget gate's at 1, so the cell starts out remembering)."""

    def weights(bias):
        return {
            "Wx": 0.5 * rng.standard_normal((HIDDEN, 1)),
            "Wh": 0.5 * rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
            "b": np.full(HIDDEN, bias),
        }

    params = {name: weights(1.0 if name == "forget" else 0.0) for name in GATES}
    params["readout"] = 0.5 * rng.standard_normal((1, HIDDEN))
    return params


def sine_sequence(length, phase):
    """Values of a sine wave as a list of vectors of one number, and the list of the values one step later."""
    wave = np.sin(np.linspace(0.0, 4 * np.pi, length + 1) + phase)
    return [wave[i : i + 1] for i in range(length)], [wave[i + 1 : i + 2] for i in range(length)]


def polish_with_lbfgs(loss_and_grads, params, xs, targets, iterations):
    """Minimise the loss on one sequence with scipy's L-BFGS, the parameters raveled into one vector."""
    from scipy.optimize import minimize

    vector, unravel = ravel(params)

    def value_and_flat_gradient(v):
        value, grads = loss_and_grads(unravel(v), xs, targets)
        return value, ravel(grads)[0]

    result = minimize(
        value_and_flat_gradient,
        vector,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": iterations},
    )
    return unravel(result.x), float(result.fun)


def add_options(parser):
    parser.add_argument("--steps", type=int, default=300, help="gradient steps (default 300)")
    parser.add_argument("--rate", type=float, default=0.2, help="learning rate (default 0.2)")
    parser.add_argument("--length", type=int, default=24, help="sequence length (default 24)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and phases")
    parser.add_argument(
        "--lbfgs",
        type=int,
        default=50,
        help="L-BFGS iterations at the end, 0 for none (default 50)",
    )


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, add_options)
    rng = np.random.default_rng(args.seed)
    params = init_params(rng)
    xs, targets = sine_sequence(args.length, phase=0.0)

    # The loss's generated code has a vjp function per helper it calls; this is the one of an LSTM step: the
    # forward computation, then a pullback that takes the cotangents of (h, c) back to the parameters and inputs.
    generated = srcdiff.source(loss)
    start = generated.index("def vjp_lstm_step")
    show_source(
        "generated vjp of one LSTM step:", generated[start : generated.index("\ndef ", start)]
    )
    check = srcdiff.testing.check_grad(loss, params, xs, targets)
    print(
        f"gradient check against finite differences: max abs error {check.max_abs_error:.1e} ok={check.ok}"
    )

    loss_and_grads = srcdiff.value_and_grad(loss)
    history = []
    for _ in progress(range(args.steps), "training", args.progress):
        # a fresh phase each step: the network learns the wave, not one sequence
        xs, targets = sine_sequence(args.length, phase=rng.uniform(0.0, 2 * np.pi))
        value, grads = loss_and_grads(params, xs, targets)
        params = tree_map(lambda p, g: p - args.rate * g, params, grads)
        history.append(float(value))
    checkpoints = sorted({0, len(history) // 2, len(history) - 1})
    for step in checkpoints:
        print(f"step {step + 1:4d}: mean squared error {history[step]:.4f}")

    test_xs, test_targets = sine_sequence(args.length, phase=1.0)
    test_error = float(loss(params, test_xs, test_targets))
    print(f"error on a wave it has not seen (phase 1.0): {test_error:.4f}")

    # scipy's optimisers want one vector of numbers: tree.ravel turns the dict of dicts into one, and back.
    # L-BFGS then fits one fixed sequence more closely than the steps above (a last polish, not more learning).
    polished_error = before = None
    if args.lbfgs and importlib.util.find_spec("scipy") is None:
        print("scipy is not installed: no L-BFGS polish (pip install scipy)")
    elif args.lbfgs:
        before = float(loss(params, xs, targets))
        _, polished_error = polish_with_lbfgs(loss_and_grads, params, xs, targets, args.lbfgs)
        print(
            f"L-BFGS ({args.lbfgs} iterations on one sequence): error {polished_error:.5f}, "
            f"was {before:.5f}"
        )

    if args.plots:
        plt = pyplot()
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.semilogy(range(1, len(history) + 1), history)
        left.set_xlabel("gradient step")
        left.set_ylabel("mean squared error")
        predictions = [float(p[0]) for p in predict(params, test_xs)]
        right.plot([float(t[0]) for t in test_targets], label="next value")
        right.plot(predictions, "--", label="LSTM's prediction")
        right.set_xlabel("step of the sequence")
        right.legend()
        save_figure(fig, args.outdir, "14_lstm.png")

    return {
        "history": history,
        "test_error": test_error,
        "check_ok": check.ok,
        "polished_error": polished_error,
        "error_before_polish": before,
    }


if __name__ == "__main__":
    main()
