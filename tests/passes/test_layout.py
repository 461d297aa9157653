"""The passes are siblings: each reads the analyses, the vocabulary and the rules, never another pass, and each
shows what it writes in docstring examples (run by test_doctests.py).
"""

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import srcdiff.passes

PASSES = sorted(info.name for info in pkgutil.iter_modules(srcdiff.passes.__path__))


def _files(name: str) -> list:
    root = Path(srcdiff.passes.__file__).parent
    package = root / name
    return sorted(package.glob("*.py")) if package.is_dir() else [root / f"{name}.py"]


def _imported_passes(path: Path, name: str) -> set:
    """The other passes ``path`` (a file of pass ``name``) imports."""
    depth = 2 if path.parent.name == name else 1  # the level of a relative import of srcdiff.passes
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == depth:
                module = node.module or ""
                found.update([module.split(".")[0]] if module else [a.name for a in node.names])
            elif node.level == 0 and (node.module or "").startswith("srcdiff.passes."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[2] for a in node.names if a.name.startswith("srcdiff.passes.")
            )
    return found - {name}


def test_the_passes_are_found():
    assert {"normalize", "reverse", "forward", "optimize"} <= set(PASSES)


@pytest.mark.parametrize("name", PASSES)
def test_a_pass_imports_no_other_pass(name):
    for path in _files(name):
        assert not _imported_passes(path, name), f"{path} imports {_imported_passes(path, name)}"


@pytest.mark.parametrize("name", PASSES)
def test_a_pass_shows_what_it_writes(name):
    module = importlib.import_module(f"srcdiff.passes.{name}")
    examples = sum(len(t.examples) for t in doctest.DocTestFinder().find(module))
    assert examples > 0, f"srcdiff.passes.{name} has no docstring example"
