"""The examples in the docstrings of reverse and forward mode show what those passes write: they must hold."""

import doctest

import pytest

import srcdiff.passes.forward
import srcdiff.passes.reverse


@pytest.mark.parametrize("module", [srcdiff.passes.reverse, srcdiff.passes.forward])
def test_docstring_examples(module):
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0
    assert results.failed == 0
