"""Benchmarks of srcdiff's gradients against hand-written ones and other AD libraries.

Run with ``python -m benchmarks`` from the repository root; see benchmarks/README.md. This package imports
nothing at import time so that ``__main__`` can pin thread counts before numpy loads.
"""
