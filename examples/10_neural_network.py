"""Lesson 10: a small neural network that reads handwritten digits.

The data: scikit-learn's bundled digits set (1,797 images of 8x8 pixels, digits 0-9; shipped with the
package, nothing is downloaded). Each image is a vector of 64 numbers, scaled to [0, 1].

The network, for a batch of images (one per row):

    hidden = tanh(images @ W1 + b1)            64 inputs -> 32 hidden units
    logits = hidden @ W2 + b2                  32 hidden units -> 10 scores, one per digit
    logp   = log softmax(logits)               log-probabilities: logits - log(sum(exp(logits)))
    loss   = -mean(logp[i, label_i])           cross-entropy: the log-probability given to the right answer

Two numerical details: subtracting each row's max before exp() keeps exp() from overflowing (log softmax is
unchanged by it), and `logp[np.arange(n), labels]` picks, in row i, the column of that image's label.

The parameters live in one dict, {"W1": ..., "b1": ..., "W2": ..., "b2": ...}, and srcdiff differentiates the
loss with respect to the dict: the gradient is a dict with the same keys, and a step of gradient descent is one
`tree_map` over both (srcdiff.tree works on any nesting of dicts, lists and tuples). The generated code is the
backward pass (backpropagation) that would otherwise be written by hand, printed below. Things to find in it:
the label pick runs backwards as a scatter (`_rt.index_add` puts each row's adjoint back in its label's
column, zeros elsewhere); tanh's derivative appears as 1 - hidden * hidden; each `@` turns into two matrix
products, one for each operand; and the biases' adjoints are the layer adjoints summed over the batch
(`_rt.unbroadcast`), because b1 and b2 were broadcast to every row. Training is mini-batch gradient descent,
as in lesson 7.

Run:  python examples/10_neural_network.py [--no-plots] [--no-progress] [--epochs N]
"""

from __future__ import annotations

import numpy as np
from _common import parse_args, progress, pyplot, save_figure, show_source

import srcdiff
import srcdiff.testing
from srcdiff.tree import tree_map


def network_loss(params, images, labels):
    hidden = np.tanh(images @ params["W1"] + params["b1"])
    logits = hidden @ params["W2"] + params["b2"]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    n = images.shape[0]
    return -np.mean(logp[np.arange(n), labels])


def predict(params, images):
    """The digit with the highest score, for each image (softmax does not change which score is highest)."""
    hidden = np.tanh(images @ params["W1"] + params["b1"])
    return np.argmax(hidden @ params["W2"] + params["b2"], axis=1)


def init_params(n_inputs, n_hidden, n_outputs, rng):
    """Small random weights (scaled by 1/sqrt(fan-in), so tanh starts in its linear range), zero biases."""
    W1 = rng.normal(size=(n_inputs, n_hidden)) / np.sqrt(n_inputs)
    W2 = rng.normal(size=(n_hidden, n_outputs)) / np.sqrt(n_hidden)
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_outputs)}


def load_data(seed):
    """Digits as (train images, train labels, test images, test labels); a quarter is kept for testing."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = digits.data / 16.0  # pixel values are 0..16
    return train_test_split(
        images, digits.target, test_size=0.25, random_state=seed, stratify=digits.target
    )


def add_options(parser):
    parser.add_argument(
        "--epochs", type=int, default=15, help="passes over the training data (default 15)"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="images per step (default 32)")
    parser.add_argument("--rate", type=float, default=0.5, help="learning rate (default 0.5)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the split, weights and batches"
    )


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, add_options)
    rng = np.random.default_rng(args.seed)
    train_images, test_images, train_labels, test_labels = load_data(args.seed)
    print(f"digits: {len(train_labels)} training images, {len(test_labels)} test images")

    show_source("generated backward pass of the network:", srcdiff.source(network_loss))
    loss_and_grads = srcdiff.value_and_grad(network_loss)
    params = init_params(train_images.shape[1], args.hidden, 10, rng)

    # Before training on it, check the gradient against finite differences on a few images.
    check = srcdiff.testing.check_grad(network_loss, params, train_images[:8], train_labels[:8])
    print(f"gradient check: max abs error {check.max_abs_error:.1e} ok={check.ok}")

    n = len(train_labels)
    history = []
    for epoch in progress(range(args.epochs), "training", args.progress):
        order = rng.permutation(n)
        losses = []
        # Whole batches only: a last batch of 3 images would give a noisy gradient a full-size step.
        for start in range(0, n - args.batch_size + 1, args.batch_size):
            rows = order[start : start + args.batch_size]
            loss, grads = loss_and_grads(params, train_images[rows], train_labels[rows])
            params = tree_map(lambda p, g: p - args.rate * g, params, grads)
            losses.append(loss)
        history.append(float(np.mean(losses)))
        if epoch == 0 or (epoch + 1) % 5 == 0 or epoch + 1 == args.epochs:
            print(f"epoch {epoch + 1:3d}: mean training loss {history[-1]:.4f}")

    train_accuracy = np.mean(predict(params, train_images) == train_labels)
    test_accuracy = np.mean(predict(params, test_images) == test_labels)
    print(f"train accuracy: {train_accuracy:.4f}")
    print(f"test accuracy: {test_accuracy:.4f}")

    if args.plots:
        plt = pyplot()
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 2]}
        )
        left.plot(range(1, len(history) + 1), history, marker=".")
        left.set_xlabel("epoch")
        left.set_ylabel("mean training loss (cross-entropy)")
        left.set_title(f"test accuracy {test_accuracy:.3f}")
        # A few test digits with the network's answers.
        right.axis("off")
        guesses = predict(params, test_images[:8])
        for i in range(8):
            inset = right.inset_axes([(i % 4) * 0.25, 0.5 - (i // 4) * 0.5, 0.23, 0.45])
            inset.imshow(test_images[i].reshape(8, 8), cmap="gray_r")
            inset.set_title(
                f"says {guesses[i]}",
                fontsize=9,
                color="black" if guesses[i] == test_labels[i] else "red",
            )
            inset.axis("off")
        save_figure(fig, args.outdir, "10_neural_network.png")

    return {"history": history, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy}


if __name__ == "__main__":
    main()
