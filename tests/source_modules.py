"""Test programs as users write them: source text in a module file of its own, imported."""

import importlib.util
import sys
import textwrap
import uuid


def import_source(tmp_path, source: str, prefix: str = "program", name: str | None = None):
    """Write ``source`` (dedented) to a new module file under ``tmp_path`` and import it."""
    name = name or f"{prefix}_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
