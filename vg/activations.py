"""Activation functions and their derivatives, looked up by name.

Each activation ``phi`` comes with its derivative written in terms of the *output* ``y = phi(a)``,
because that is what backpropagation has at hand (the forward pass stored ``h_t``, not ``a_t``):

=========== ======================== =============================== ============================
name        ``phi(a)``               ``phi'(a)`` from ``y = phi(a)``  ``max_a |phi'(a)|`` (gamma)
=========== ======================== =============================== ============================
tanh        ``tanh(a)``              ``1 - y**2``                    1 (at a = 0)
sigmoid     ``1 / (1 + exp(-a))``    ``y * (1 - y)``                 1/4 (at a = 0)
relu        ``max(a, 0)``            ``1 if y > 0 else 0``           1 (for every a > 0)
identity    ``a``                    ``1``                           1 (everywhere)
=========== ======================== =============================== ============================

The bound gamma is what makes vanishing gradients quantitative: the Jacobian of one vanilla RNN step,
``diag(phi'(a_t)) W_h``, has 2-norm at most ``gamma * ||W_h||_2``. `derivative_bound` computes gamma
from the derivative itself (on a dense grid), so the numbers on the pages come out of this code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from vg._checks import check_choice

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "derivative",
    "derivative_bound",
    "get",
    "identity",
    "identity_grad",
    "inplace_kernel",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
]


def tanh(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``tanh(a)``, elementwise; never overflows."""
    return np.tanh(a, out=out)


def tanh_grad(y: np.ndarray) -> np.ndarray:
    """tanh'(a) written with the output ``y = tanh(a)``: ``1 - y**2``."""
    return 1.0 - y * y


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-a))``, elementwise.

    Computed as ``0.5 * tanh(0.5 * a) + 0.5`` (an exact identity): no ``exp`` overflow warning for very
    negative `a`, and one transcendental call instead of exp plus a division. For ``a < -40`` or so the
    result rounds to exactly 0 (the true value is below 1e-17), which is harmless for a gate.
    """
    if out is None:
        # Scalars and 0-d arrays too: NumPy returns a scalar there, which cannot be updated in place.
        return 0.5 * np.tanh(0.5 * np.asarray(a)) + 0.5
    np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def sigmoid_grad(y: np.ndarray) -> np.ndarray:
    """sigmoid'(a) written with the output ``y = sigmoid(a)``: ``y * (1 - y)``."""
    return y * (1.0 - y)


def relu(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``max(a, 0)``, elementwise."""
    return np.maximum(a, 0.0, out=out)


def relu_grad(y: np.ndarray) -> np.ndarray:
    """relu'(a) written with the output ``y = relu(a)``: 1 where ``y > 0``, else 0 (we take relu'(0) = 0)."""
    return (y > 0).astype(y.dtype)


def identity(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a`` itself (a linear RNN)."""
    if out is None:
        return np.array(a, copy=True)
    out[...] = a
    return out


def identity_grad(y: np.ndarray) -> np.ndarray:
    """identity'(a) = 1, whatever ``y``."""
    return np.ones_like(y)


# In-place kernels for the cells' fast paths. Each takes a buffer holding the pre-activation already
# multiplied by the activation's `prescale` (folded into the weights by the caller; multiplying by 2 or
# -1 is exact in floating point) and overwrites it with phi(a). NumPy's float64 tanh is a scalar libm
# call (about 13 ns an element on AVX2 machines, more than a 128x128 matrix product per element), while
# exp and the arithmetic around it take about half that. The results agree with np.tanh to a few units
# in the last place of 1 (absolute error below 1e-15). exp may overflow to inf for huge inputs, which
# gives exactly the right limits (tanh -> 1, sigmoid -> 0), so callers run them inside
# ``np.errstate(over="ignore")``.


# (Written with positional `out` and 0-d array constants of the right dtype: for the tiny arrays of a
# batch-1 network, NumPy's per-call overhead is the cost, and a Python float operand or an `out=`
# keyword each add a third to it.)


def _constants(value: float) -> dict[np.dtype, np.ndarray]:
    consts = {np.dtype(t): np.array(value, dtype=t) for t in (np.float32, np.float64)}
    for c in consts.values():
        c.flags.writeable = False
    return consts


_ONE, _MINUS_TWO, _ZERO = _constants(1.0), _constants(-2.0), _constants(0.0)


def _tanh_kernel(u: np.ndarray) -> None:
    """``u = 2a`` -> ``tanh(a) = 1 - 2 / (1 + exp(2a))``, in place."""
    one = _ONE[u.dtype]
    np.exp(u, u)
    np.add(u, one, u)
    np.divide(_MINUS_TWO[u.dtype], u, u)
    np.add(u, one, u)


def _sigmoid_kernel(u: np.ndarray) -> None:
    """``u = -a`` -> ``sigmoid(a) = 1 / (1 + exp(-a))``, in place."""
    np.exp(u, u)
    np.add(u, _ONE[u.dtype], u)
    np.reciprocal(u, u)


def _relu_kernel(u: np.ndarray) -> None:
    np.maximum(u, _ZERO[u.dtype], out=u)  # (np.maximum refuses a positional out)


def _identity_kernel(u: np.ndarray) -> None:
    return None


class Activation(NamedTuple):
    """An activation: ``fn(a, out=None)``, ``grad(y)`` (the derivative from the output ``y = fn(a)``),
    and for the cells' fast paths an in-place ``kernel`` that expects the pre-activation multiplied
    by ``prescale``."""

    name: str
    fn: Callable[..., np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    prescale: float
    kernel: Callable[[np.ndarray], None]


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", tanh, tanh_grad, 2.0, _tanh_kernel),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_grad, -1.0, _sigmoid_kernel),
    "relu": Activation("relu", relu, relu_grad, 1.0, _relu_kernel),
    "identity": Activation("identity", identity, identity_grad, 1.0, _identity_kernel),
}


# Below this many elements np.tanh's single call beats the four calls of the exp-based kernel.
TANH_KERNEL_MIN_SIZE = 256


def _np_tanh_inplace(u: np.ndarray) -> None:
    np.tanh(u, u)


def inplace_kernel(name: str, size: int) -> tuple[float, Callable[[np.ndarray], None]]:
    """``(prescale, kernel)`` for applying the activation in place to buffers of `size` elements.

    ``kernel(u)`` turns ``u = prescale * a`` into ``phi(a)``. The cells fold `prescale` into their
    weights and call `kernel` once per time step, inside ``np.errstate(over="ignore")``.
    """
    act = get(name)
    if name == "tanh" and size < TANH_KERNEL_MIN_SIZE:
        return 1.0, _np_tanh_inplace
    return act.prescale, act.kernel


def get(name: str, *, argname: str = "activation") -> Activation:
    """Return the activation called `name` (one of the keys of `ACTIVATIONS`).

    Raises:
        ValueError: naming `argname` if `name` is unknown.
    """
    check_choice(argname, name, ACTIVATIONS)
    return ACTIVATIONS[name]


def derivative(name: str, a: np.ndarray) -> np.ndarray:
    """``phi'(a)`` for the activation called `name`, at pre-activations `a` (any shape)."""
    act = get(name, argname="name")
    a = np.asarray(a, dtype=np.float64)
    return act.grad(act.fn(a))


def derivative_bound(name: str, *, grid: np.ndarray | None = None) -> float:
    """``gamma = max_a |phi'(a)|``, computed by evaluating the derivative on a dense grid.

    The default grid is 400,001 points on [-20, 20] (step 1e-4, containing 0 exactly). The values that
    come out, 1 for tanh, relu and identity and 1/4 for sigmoid, are the exact suprema: tanh' and
    sigmoid' peak at a = 0, which is on the grid, and they only decrease away from it.
    """
    if grid is None:
        grid = np.linspace(-20.0, 20.0, 400_001)
    return float(np.max(np.abs(derivative(name, grid))))
