"""The speed machinery of the recurrent cells, kept apart from their equations.

`vg.rnn`, `vg.lstm` and `vg.gru` read like the maths: `step` and `step_backward` are the literal
equations, and their `forward`/`backward` validate the arguments and hand the whole sequence to an
engine here (`vg._fast.rnn`, `vg._fast.lstm`, `vg._fast.gru`). The engines compute the same numbers
(the tests check them against loops over `step`/`step_backward` to 1e-12) but arranged for speed:

- the input projections ``X @ W_x.T`` of many steps in one matrix product;
- preallocated buffers written in place (positional ``out``, local names: for batch-1 networks NumPy's
  per-call overhead is the whole cost);
- the weight gradients summed over steps and batch in one product per chunk of steps, the chunks
  small enough to stay in cache (`GRAD_ROWS`, `CHUNK_BYTES`, `chunk_length`);
- the activations applied in place through ``exp`` (`inplace_kernel`), cheaper than ``np.tanh``.

Every engine function takes the variant as explicit keyword arguments, ``chunk`` (steps per chunk;
None = `chunk_length`'s choice) and ``exp_kernels`` (None = by size), so that the tests reach every
variant by argument. The engines take validated arrays and return raw arrays; the cell modules build
their caches (the engines cannot import them: the cell modules import the engines).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "CHUNK_BYTES",
    "GRAD_ROWS",
    "KERNELS",
    "TANH_KERNEL_MIN_SIZE",
    "accumulate",
    "chunk_length",
    "inplace_kernel",
    "projection_length",
    "use_exp_kernels",
]

# Backward passes work through time in chunks of steps: the gradient-independent factors of a chunk
# are computed in one vectorised pass, the chunk's steps are run, and its weight gradients are added
# with one matrix product each, summed over the chunk's steps and batch. The chunk has about
# GRAD_ROWS rows (steps times batch): enough for those products to run near BLAS's full speed, and
# few enough that the chunk's buffers stay in a core's cache instead of streaming arrays of size
# T * B * H through memory several times. (Measured on the benchmark sizes, 2026-11-29: chunks of
# 256 rows against the earlier 4 MB of per-step gradient made the backward passes 1% to 50% faster,
# e.g. the RNN's at (B, H, T) = (32, 64, 100) from 3.3 to 1.7 ms.) CHUNK_BYTES caps a chunk's
# per-step gradient for very wide networks. A batch-1 network of up to 256 steps has one chunk.
GRAD_ROWS = 256
CHUNK_BYTES = 1 << 22


def chunk_length(T: int, B: int, bytes_per_step: int, chunk: int | None = None) -> int:
    """Steps per chunk: `chunk` if given (clipped to 1..T), else about `GRAD_ROWS` rows of B examples,
    at most `CHUNK_BYTES` of per-step gradient (`bytes_per_step` each), at least 1 and at most T."""
    if chunk is None:
        chunk = min(-(-GRAD_ROWS // max(1, B)), CHUNK_BYTES // max(1, bytes_per_step))
    return max(1, min(T, chunk))


def projection_length(T: int, bytes_per_step: int, chunk: int | None = None) -> int:
    """Steps per chunk of the forward pass, whose input projections are one matrix product: `chunk`
    if given (clipped to 1..T), else as many as fit in `CHUNK_BYTES`. (Longer than the backward's
    chunks: the forward has no per-chunk weight-gradient products, and one large input projection
    beats several small ones; measured: forward passes 15% to 20% faster at (32, 256, 50, 64).)"""
    if chunk is None:
        chunk = CHUNK_BYTES // max(1, bytes_per_step)
    return max(1, min(T, chunk))


def accumulate(grads: dict[str, np.ndarray], name: str, value: np.ndarray) -> None:
    """``grads[name] += value``, the first chunk's value taken as it is (no zero array to add to)."""
    if name in grads:
        grads[name] += value
    else:
        grads[name] = value


# In-place kernels. Each takes a buffer holding the pre-activation already multiplied by the
# activation's prescale (folded into the weights by the caller; multiplying by 2 or -1 is exact in
# floating point) and overwrites it with phi(a). NumPy's float64 tanh is a scalar libm call (about
# 13 ns an element on AVX2 machines, more than a 128x128 matrix product per element), while exp and
# the arithmetic around it take about half that. The results agree with np.tanh to a few units in the
# last place of 1 (absolute error below 1e-15). exp may overflow to inf for huge inputs, which gives
# exactly the right limits (tanh -> 1, sigmoid -> 0), so callers run them inside
# ``np.errstate(over="ignore")``. (Written with positional `out` and 0-d array constants of the right
# dtype: for the tiny arrays of a batch-1 network, NumPy's per-call overhead is the cost, and a Python
# float operand or an `out=` keyword each add a third to it.)


def _constants(value: float) -> dict[np.dtype, np.ndarray]:
    consts = {np.dtype(t): np.array(value, dtype=t) for t in (np.float32, np.float64)}
    for c in consts.values():
        c.flags.writeable = False
    return consts


_ONE, _MINUS_TWO, _ZERO = _constants(1.0), _constants(-2.0), _constants(0.0)


def tanh_kernel(u: np.ndarray) -> None:
    """``u = 2a`` -> ``tanh(a) = 1 - 2 / (1 + exp(2a))``, in place."""
    one = _ONE[u.dtype]
    np.exp(u, u)
    np.add(u, one, u)
    np.divide(_MINUS_TWO[u.dtype], u, u)
    np.add(u, one, u)


def sigmoid_kernel(u: np.ndarray) -> None:
    """``u = -a`` -> ``sigmoid(a) = 1 / (1 + exp(-a))``, in place."""
    np.exp(u, u)
    np.add(u, _ONE[u.dtype], u)
    np.reciprocal(u, u)


def relu_kernel(u: np.ndarray) -> None:
    """``u = a`` -> ``max(a, 0)``, in place."""
    np.maximum(u, _ZERO[u.dtype], out=u)  # (np.maximum refuses a positional out)


def identity_kernel(u: np.ndarray) -> None:
    """``u = a`` stays ``a``."""
    return None


def np_tanh_kernel(u: np.ndarray) -> None:
    """``u = a`` -> ``tanh(a)`` by np.tanh, in place (the small-size choice, see `TANH_KERNEL_MIN_SIZE`)."""
    np.tanh(u, u)


# name -> (prescale, kernel): the kernel turns ``prescale * a`` into ``phi(a)``.
KERNELS: dict[str, tuple[float, Callable[[np.ndarray], None]]] = {
    "tanh": (2.0, tanh_kernel),
    "sigmoid": (-1.0, sigmoid_kernel),
    "relu": (1.0, relu_kernel),
    "identity": (1.0, identity_kernel),
}

# Below this many elements np.tanh's single call beats the four calls of the exp-based kernel.
TANH_KERNEL_MIN_SIZE = 256


def use_exp_kernels(size: int, exp_kernels: bool | None = None) -> bool:
    """Whether buffers of `size` elements go through the exp-based kernels: `exp_kernels` if given,
    else whether `size` reaches `TANH_KERNEL_MIN_SIZE`."""
    return size >= TANH_KERNEL_MIN_SIZE if exp_kernels is None else bool(exp_kernels)


def inplace_kernel(
    name: str, size: int, exp_kernels: bool | None = None
) -> tuple[float, Callable[[np.ndarray], None]]:
    """``(prescale, kernel)`` for applying the activation called `name` in place to buffers of `size`
    elements.

    ``kernel(u)`` turns ``u = prescale * a`` into ``phi(a)``. The cells fold `prescale` into their
    weights and call `kernel` once per time step, inside ``np.errstate(over="ignore")``. Only tanh has
    a second variant (np.tanh, chosen when `use_exp_kernels` says no); the others have one kernel.
    """
    if name == "tanh" and not use_exp_kernels(size, exp_kernels):
        return 1.0, np_tanh_kernel
    return KERNELS[name]
