"""The examples in the docstrings of the passes, the analyses, the vocabulary and srcdiff.testing hold.

Every module is found by walking the packages ``srcdiff.passes`` and ``srcdiff.analysis`` (a pass may be one
module or a package of them), and each runs as one test, showing doctest's report when an example fails.
"""

import doctest
import importlib
import pkgutil

import pytest

import srcdiff.analysis
import srcdiff.passes

PACKAGES = (srcdiff.passes, srcdiff.analysis)
SINGLE_MODULES = ("srcdiff.vocabulary", "srcdiff.testing")


def _raise(name):
    raise ImportError(f"cannot import {name} to run its docstring examples")


def module_names() -> list:
    names = [package.__name__ for package in PACKAGES] + list(SINGLE_MODULES)
    for package in PACKAGES:
        walk = pkgutil.walk_packages(package.__path__, f"{package.__name__}.", onerror=_raise)
        names.extend(info.name for info in walk)
    return sorted(names)


MODULES = module_names()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = []
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_every_pass_and_analysis_is_found():
    for name in ("normalize", "reverse", "forward", "optimize"):
        assert f"srcdiff.passes.{name}" in MODULES
    for name in ("activity", "aliasing", "effects", "shapes", "defuse", "normal_form"):
        assert f"srcdiff.analysis.{name}" in MODULES
