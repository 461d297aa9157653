"""The caches: in memory per process, and on disk across processes (opt-in)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcdiff
from srcdiff import cache, disk_cache

from source_modules import child_environment

PROGRAM = """
import sys
import numpy as np
import srcdiff
from srcdiff import cache

def helper(x):
    return np.sin(x) * x

def f(x):
    return np.sum(helper(x) ** 2)

gradient = srcdiff.grad(f, cache=sys.argv[1])
print(repr(gradient(np.array([0.1, 0.2])).tolist()))
import srcdiff.compiler
print("derived" if srcdiff.compiler.derive.calls else "loaded")
"""


@pytest.fixture
def program(tmp_path):
    """A script that counts its calls of the compiler (by wrapping derive) and prints its gradient."""
    path = tmp_path / "program.py"
    path.write_text(PROGRAM.replace(
        "import srcdiff\n",
        "import srcdiff\nimport srcdiff.compiler as _c\n_d = _c.derive\n"
        "def _counting(*a, **k):\n    _counting.calls += 1\n    return _d(*a, **k)\n"
        "_counting.calls = 0\n_c.derive = _counting\n", 1))
    return path


def run(path, directory):
    result = subprocess.run([sys.executable, str(path), str(directory)], capture_output=True, text=True,
                            check=True, cwd=path.parent, env=child_environment())
    return result.stdout.splitlines()


def test_a_new_process_reuses_the_generated_code(tmp_path, program):
    directory = tmp_path / "cache"
    first = run(program, directory)
    second = run(program, directory)
    assert first[1] == "derived" and second[1] == "loaded"
    assert first[0] == second[0]
    assert len(list(directory.glob("*.json"))) == 1
    assert not list(directory.glob(".tmp-*"))  # written atomically: no temporary left behind


def test_a_changed_helper_is_a_miss(tmp_path, program):
    directory = tmp_path / "cache"
    first = run(program, directory)
    program.write_text(program.read_text().replace("np.sin(x) * x", "np.cos(x) * x"))
    second = run(program, directory)
    assert second[1] == "derived"
    assert second[0] != first[0]


def test_a_changed_function_is_a_miss(tmp_path, program):
    directory = tmp_path / "cache"
    run(program, directory)
    program.write_text(program.read_text().replace("** 2)", "** 3)"))
    assert run(program, directory)[1] == "derived"


def test_entries_calling_user_rules_are_not_written(tmp_path):
    import math

    def uses_rule(x):
        return math.gamma(x) * 2.0

    def gamma_vjp(g, ans, x):
        digamma = 0.5  # a rule of more than one statement is called, not pasted: the code refers to it
        return (g * ans * digamma,)

    srcdiff.defvjp(math.gamma)(gamma_vjp)
    try:
        directory = tmp_path / "cache"
        assert srcdiff.grad(uses_rule, cache=directory)(2.5) == pytest.approx(2 * math.gamma(2.5) * 0.5)
        assert not directory.exists() or not list(directory.glob("*.json"))
    finally:
        from srcdiff.rules import registry

        registry._RULES.pop(math.gamma, None)


def test_cache_setting_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("SRCDIFF_CACHE_DIR", raising=False)
    assert disk_cache.disk_directory(None) is None
    assert disk_cache.disk_directory(False) is None
    assert disk_cache.disk_directory(tmp_path) == str(tmp_path)
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(tmp_path / "env"))
    assert disk_cache.disk_directory(None) == str(tmp_path / "env")
    assert disk_cache.disk_directory(True) == str(tmp_path / "env")


def test_unreadable_entry_is_a_miss(tmp_path):
    def g(x):
        return x * x * 3.0

    directory = tmp_path / "cache"
    assert srcdiff.grad(g, cache=directory)(2.0) == 12.0
    (entry,) = directory.glob("*.json")
    entry.write_text("{not json")
    cache.clear()
    with pytest.warns(disk_cache.CacheWarning, match="did not write it"):
        assert srcdiff.grad(g, cache=directory)(2.0) == 12.0


def test_memory_cache_hits_for_a_second_grad():
    def h(x):
        return np.sum(x ** 3)

    cache.clear()
    srcdiff.grad(h)(np.ones(2))
    srcdiff.grad(h)(np.ones(2))
    assert cache.stats == {"hits": 1, "misses": 1}
