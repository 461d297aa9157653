"""Other AD libraries, each optional: autograd, PyTorch (CPU) and JAX (eager and jit).

autograd and JAX differentiate the very primal srcdiff does, with `np` rebound to their numpy module;
PyTorch runs the equivalents in torch_workloads.py. Inputs are converted to each library's own array
type before timing, so conversion costs are not counted against the peers.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import time
import types
from typing import Callable

import numpy as np

from benchmarks.workloads import Workload


class PeerUnsupported(Exception):
    """The peer cannot differentiate this workload (for example jit over a data-dependent loop)."""


@dataclasses.dataclass
class Prepared:
    """A ready-to-time gradient call, and for compiled peers the time its first call took."""

    fn: Callable
    args: tuple
    first_call_s: float | None = None


def rebind_numpy(function: Callable, module) -> Callable:
    """A copy of function whose global `np` is module (autograd.numpy, jax.numpy)."""
    namespace = dict(function.__globals__, np=module)
    return types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )


def _argnums(workload: Workload):
    positions = workload.wrt_positions
    return positions if isinstance(workload.wrt, tuple) else positions[0]


class Autograd:
    name = "autograd"

    def __init__(self):
        import autograd
        import autograd.numpy

        self._grad, self._numpy = autograd.grad, autograd.numpy
        self.version = importlib.metadata.version("autograd")

    def prepare(self, workload: Workload, args: tuple) -> Prepared:
        primal = rebind_numpy(workload.primal, self._numpy)
        return Prepared(self._grad(primal, _argnums(workload)), args)


class Torch:
    name = "torch"

    def __init__(self):
        import torch

        from benchmarks import torch_workloads

        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # only allowed before torch starts parallel work
            pass
        self._torch, self._functions = torch, torch_workloads.FUNCTIONS
        self.version = torch.__version__

    def _tensor(self, value, requires_grad: bool):
        torch = self._torch
        if np.ndim(value) == 0:
            return torch.tensor(float(value), dtype=torch.float64, requires_grad=requires_grad)
        return torch.from_numpy(np.array(value)).requires_grad_(requires_grad)

    def prepare(self, workload: Workload, args: tuple) -> Prepared:
        function = self._functions[workload.name]
        positions = workload.wrt_positions
        tensors = [self._tensor(a, i in positions) for i, a in enumerate(args)]
        params = [tensors[i] for i in positions]
        autograd_grad = self._torch.autograd.grad

        def gradient():
            return autograd_grad(function(*tensors), params)

        return Prepared(gradient, ())


class JaxEager:
    name = "jax eager"
    jit = False

    def __init__(self):
        import jax
        import jax.numpy

        jax.config.update("jax_enable_x64", True)
        self._jax, self._numpy = jax, jax.numpy
        self.version = jax.__version__

    def prepare(self, workload: Workload, args: tuple) -> Prepared:
        jax = self._jax
        gradient = jax.grad(rebind_numpy(workload.primal, self._numpy), argnums=_argnums(workload))
        if self.jit:
            gradient = jax.jit(gradient)
        jax_args = tuple(float(a) if np.ndim(a) == 0 else jax.device_put(a) for a in args)

        def run(*arguments):
            return jax.block_until_ready(gradient(*arguments))

        if not self.jit:
            return Prepared(run, jax_args)
        start = time.perf_counter()
        try:
            run(*jax_args)
        except jax.errors.ConcretizationTypeError as error:
            raise PeerUnsupported(str(error).splitlines()[0]) from None
        return Prepared(run, jax_args, first_call_s=time.perf_counter() - start)


class JaxJit(JaxEager):
    name = "jax jit"
    jit = True


PEER_CLASSES = (Autograd, Torch, JaxEager, JaxJit)


def load_peers() -> tuple[list, dict[str, str | None]]:
    """The peers that import, and every peer's version (None when it is not installed)."""
    peers, versions = [], {}
    for peer_class in PEER_CLASSES:
        try:
            peer = peer_class()
        except ImportError:
            versions[peer_class.name] = None
            continue
        peers.append(peer)
        versions[peer.name] = peer.version
    return peers, versions
