"""The compiler's one entry point for the public functions: a derivative compiled once and kept.

``compiled`` looks for the derivative in memory (``srcdiff.cache``), then on disk (``srcdiff.disk_cache``, when
asked for), and only then runs the pipeline (``derive``), storing the result on disk and in memory; it loads the
text as functions (``srcdiff.loader``) and returns them bound to the user's function, with the check telling
whether everything they were generated for still holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import cache, disk_cache, loader


@dataclass
class Compiled:
    """A derivative ready to call, for one function object."""

    derivative: object  # the Derivative (see derivative.py)
    function: object  # its entry, bound to the user's globals, closure and (grad, vjp) defaults
    floats: object  # the entry for calls with Python floats only (``function`` when there is no such variant)
    check: object  # a function of no arguments: whether every guard still holds (see cache.py)


def not_compiled():
    """The check of a derivative not compiled yet: it never holds."""
    return cache.checker([(None, "not compiled", None)])


def compiled(
    function,
    wrt: tuple,
    *,
    with_value: bool = False,
    has_aux: bool = False,
    mode: str = "grad",
    tangent_wrt: tuple | None = None,
    disk=None,
    trees: bool = False,
) -> Compiled:
    """The derivative of ``function`` with respect to the parameters named ``wrt`` (see ``derive`` for the
    options), from the memory cache, the disk cache (``disk``: True, a folder, or None for the environment's
    setting) or the pipeline, in that order."""
    from .. import compiler  # ``compiler.derive`` as it is now: it may have been replaced

    options = (with_value, has_aux, mode, tangent_wrt) + (("trees",) if trees else ())
    cache_key = cache.key(function, wrt, options)
    entry = cache.get(cache_key, function)
    if entry is None:
        directory = disk_cache.disk_directory(disk)
        derivative = disk_cache.load(directory, function, wrt, options) if directory else None
        if derivative is None:
            derivative = compiler.derive(
                function,
                wrt,
                with_value=with_value,
                has_aux=has_aux,
                mode=mode,
                tangent_wrt=tangent_wrt,
                trees=trees,
            )
            if directory:
                disk_cache.store(directory, function, wrt, options, derivative)
        names = (derivative.entry, derivative.floats_entry or derivative.entry)
        inner = loader.compile_entry(
            derivative.source,
            derivative.filename,
            names,
            derivative.injected,
            derivative.free_vars,
        )
        entry = (derivative, inner)
        cache.put(cache_key, entry)
    derivative, (inner, floats_inner) = entry
    guards = cache.absolute(derivative.assumptions or derivative.guards, function)
    # the function's own defaults matter where the generated function is called without every argument
    # (vjp); grad's caller reads them at each call. An entry made elsewhere (on disk) records less: at least
    # the function's own code is checked.
    attributes = ("__defaults__", "__kwdefaults__") if mode == "vjp" else ()
    attributes += () if derivative.assumptions else ("__code__",)
    guards = guards + cache.absolute(cache.root_guards(function, attributes), function)
    # jvp and hvp functions take the tangents after every argument: they are called with all of them
    bound = loader.bind(
        inner, function, derivative.entry, derivative.entry, defaults=mode in ("grad", "vjp")
    )
    floats = bound
    if derivative.floats_entry is not None:
        floats = loader.bind(
            floats_inner, function, derivative.floats_entry, derivative.floats_entry
        )
    return Compiled(derivative, bound, floats, cache.checker(guards))
