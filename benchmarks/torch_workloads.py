"""The workloads written in PyTorch the way a PyTorch user would, same algorithms as the numpy primals."""

import torch


def cubic(x):
    return x**3 + 2 * x


def quadratic(x, y):
    return x**2 + 3 * x * y + y**2


def mse(w, b, X, y):
    return torch.mean((w * X + b - y) ** 2)


def neuron(w, b, x, y):
    return (torch.sigmoid(w * x + b) - y) ** 2


def mlp(W1, b1, W2, b2, X, labels):
    h = torch.tanh(X @ W1 + b1)
    logp = torch.log_softmax(h @ W2 + b2, dim=1)
    return -torch.mean(logp[torch.arange(X.shape[0]), labels])


def sine_loop(x):
    for i in range(100):
        x = torch.sin(x) * 1.01 + 0.1 * x * x
    return x


def shrink_loop(x):
    while torch.sum(x**2) > 1:
        x = x * 0.9
    return torch.sum(x**2)


def logistic(w, b, X, y):
    margin = y * (X @ w + b)
    return torch.mean(torch.nn.functional.softplus(-margin))


def rnn(W, h0, x):
    h = h0
    for t in range(x.shape[0]):
        h = torch.tanh(W @ h + x[t])
    return torch.sum(h)


FUNCTIONS = {
    "cubic": cubic,
    "quadratic": quadratic,
    "mse_small": mse,
    "mse_medium": mse,
    "mse_large": mse,
    "neuron": neuron,
    "mlp": mlp,
    "sine_loop": sine_loop,
    "shrink_loop": shrink_loop,
    "logistic": logistic,
    "rnn": rnn,
}
