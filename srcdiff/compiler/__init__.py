"""The compiler: from a user's function to its generated derivative, and the caches in front of it.

Who owns what:

- ``cached.compiled`` is the one entry point of the public functions (``srcdiff.api``, through the
  ``GradientFunction`` of ``srcdiff.gradient_function``): memory cache
  (``srcdiff.cache``) -> disk cache (``srcdiff.disk_cache``) -> ``derive`` -> store -> load (``srcdiff.loader``),
  and the guards telling when the result no longer holds.
- ``pipeline.derive`` generates the code; ``pipeline.stage_source`` prints one stage of it, of every function
  generated or of one variant (the general gradient, or its twin for Python floats).
- ``transform`` runs the passes over one function; ``callees`` makes the contexts of the user's functions the
  differentiated code calls; ``checks`` refuses what cannot be compiled and what the result could not run.
- ``derivative`` holds the result type, the stage and variant names, and how ``wrt`` and entry names are spelt.

``derive`` is looked up on this package at each compilation, so replacing ``compiler.derive`` (as tests do to
count the compiler's runs) is seen by every public function.
"""

from .cached import Compiled, compiled, not_compiled
from .derivative import STAGES, VARIANTS, Derivative, entry_name, resolve_wrt
from .pipeline import ChoiceError, check_choice, derive, stage_source

__all__ = [
    "STAGES",
    "VARIANTS",
    "ChoiceError",
    "check_choice",
    "Compiled",
    "Derivative",
    "compiled",
    "derive",
    "entry_name",
    "not_compiled",
    "resolve_wrt",
    "stage_source",
]
