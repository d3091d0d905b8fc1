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

These are the readable definitions. The cells' fast paths apply the activations in place through
``exp``-based kernels, which are faster than ``np.tanh`` but less obvious: those live in `vg._fast`
with the rest of the speed work.
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


class Activation(NamedTuple):
    """An activation: ``fn(a, out=None)`` and ``grad(y)``, the derivative from the output ``y = fn(a)``."""

    name: str
    fn: Callable[..., np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", tanh, tanh_grad),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_grad),
    "relu": Activation("relu", relu, relu_grad),
    "identity": Activation("identity", identity, identity_grad),
}


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
