"""Test programs as users write them: source text in a module file of its own, imported (or run in a child
process that imports the srcdiff under test)."""

import importlib.util
import os
import sys
import textwrap
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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


def child_environment(**variables) -> dict:
    """The environment for a child Python process: it imports this tree's srcdiff, not whichever copy is
    installed, and sees ``variables`` besides."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path, **variables)
