"""Pin every numerical library to one thread, so that timings compare algorithms, not core counts.

`pin_environment` must run before numpy (or torch, or jax) is imported; `limit_thread_pools` after.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

_limits = []  # keeps threadpoolctl's limiter alive for the life of the process


def pin_environment() -> None:
    """Set the environment variables that BLAS, OpenMP and XLA read when they load."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + XLA_ONE_THREAD).strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ["JAX_ENABLE_X64"] = "1"


def limit_thread_pools() -> bool:
    """Limit already-loaded thread pools with threadpoolctl; return whether it was available."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    _limits.append(threadpool_limits(limits=1))
    return True
