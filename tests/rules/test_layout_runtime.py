"""The runtime package's surface: generated code calls ``_rt.NAME``, so every helper a module of
``srcdiff/runtime/`` defines must be an attribute of ``srcdiff.runtime`` that reports it as its module; the
error hooks srcdiff sets on the package must reach the checks; and the package must import nothing but numpy,
the standard library and itself, or exported gradient modules could not copy it.
"""

import ast
import inspect
import pkgutil
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff import runtime

SUBMODULES = [
    __import__(f"srcdiff.runtime.{info.name}", fromlist=["_"])
    for info in pkgutil.iter_modules(runtime.__path__)
]


def test_the_package_has_modules():
    assert len(SUBMODULES) > 1


@pytest.mark.parametrize("module", SUBMODULES, ids=lambda m: m.__name__)
def test_each_helper_is_an_attribute_of_the_package(module):
    tree = ast.parse(inspect.getsource(module))
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert defined, f"{module.__name__} defines no helper"
    for name in defined:
        helper = getattr(module, name)
        assert (
            getattr(runtime, name, None) is helper
        ), f"srcdiff.runtime.{name} is not {module.__name__}'s"
        # srcdiff tells runtime helpers by their module: generated code reaches them as _rt.NAME
        assert helper.__module__ == "srcdiff.runtime"


def weighted_sum(x, y):
    return np.sum(x * y)


def test_generated_code_calls_the_helpers_of_the_modules_through_the_package():
    text = srcdiff.source(weighted_sum)
    # defined in runtime/reductions.py and runtime/broadcasting.py
    assert "_rt.reduced_cotangent(" in text and "_rt.unbroadcast_product(" in text
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(weighted_sum)(x, y), y)


def test_the_checks_raise_the_error_classes_set_on_the_package(monkeypatch):
    class Shared(Exception):
        pass

    class NotScalar(Exception):
        pass

    monkeypatch.setattr(runtime, "alias_error", lambda message, filename, lineno: Shared(message))
    monkeypatch.setattr(runtime, "non_scalar_error", NotScalar)
    with pytest.raises(Shared, match="seen elsewhere"):
        runtime.check_unshared(np.zeros(3), None, "seen elsewhere", "f.py", 1)
    runtime.check_unshared(1.0, None, "a float is never changed in place", "f.py", 1)
    with pytest.raises(NotScalar):
        runtime.seed(np.zeros(3))
    assert runtime.seed(np.zeros(1)) == 1.0


def scaled_ones(x):
    return x * np.ones(3)


def test_srcdiff_raises_its_own_error_from_the_seed_of_generated_code():
    with pytest.raises(srcdiff.NonScalarOutputError, match="scalar output"):
        srcdiff.grad(scaled_ones)(np.array([2.0, 1.0, 0.5]))


@pytest.mark.parametrize("module", [runtime] + SUBMODULES, ids=lambda m: m.__name__)
def test_the_runtime_imports_only_numpy_and_the_standard_library(module):
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Import):
            roots = [alias.name.partition(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                continue  # a sibling module of the package
            roots = [node.module.partition(".")[0]]
        else:
            continue
        for root in roots:
            assert (
                root == "numpy" or root in sys.stdlib_module_names
            ), f"{module.__name__} imports {root}"
