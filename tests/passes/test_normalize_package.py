"""The normalize package: its docstring examples are what srcdiff writes, and it reads no other pass."""

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import srcdiff.passes.normalize as normalize_package


def _modules():
    yield normalize_package
    for info in pkgutil.iter_modules(normalize_package.__path__):
        yield importlib.import_module(f"{normalize_package.__name__}.{info.name}")


def test_docstring_examples_are_the_normal_form_srcdiff_writes():
    attempted = 0
    for module in _modules():
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 0


def test_normalize_imports_no_other_pass():
    package = Path(normalize_package.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                # level 1 is a sibling in the package, level 3 srcdiff itself; level 2 is srcdiff/passes
                assert node.level != 2, f"{path.name} imports srcdiff.passes.{node.module}"
                assert node.level or not (node.module or "").startswith("srcdiff.passes"), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("srcdiff.passes") for a in node.names), path.name
