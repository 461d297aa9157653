"""One function srcdiff differentiates and one it rejects (a try statement)."""


def fine(x):
    return x * x


def uses_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y
