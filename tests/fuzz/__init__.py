"""Differential fuzzing of srcdiff: random programs, gradients against central differences, minimised failures.

``python -m tests.fuzz --programs 2000 --seed 0`` runs it; see ``__main__.py`` for the options.
"""
