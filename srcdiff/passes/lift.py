"""Lifting local functions is the first step of normalizing: see ``passes/normalize/lift.py``.

Kept so that ``from srcdiff.passes.lift import local_functions`` goes on working; new code imports from
``srcdiff.passes.normalize``.
"""

from .normalize.lift import lift, local_functions  # noqa: F401
