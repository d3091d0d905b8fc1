r"""Gradient against distance for any recurrent step that returns its own Jacobian.

`vg.analysis` measures the vanilla RNN from `vg.rnn.forward`'s cache. Variants written on a page (leaky
units, layer normalisation, ...) have other one-step Jacobians; here a model is just a function

    h, J = step(h_prev, x_t)        # h_prev, h: (B, H); x_t: (B, D); J: (B, H, H), J[b] = dh_t/dh_{t-1}

and backpropagation through time is the recursion $\partial L/\partial h_{t-1} = J_t^\top\,
\partial L/\partial h_t$ (one row per example: ``g = einsum("bi,bij->bj", g, J)``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vg import analysis
from vg._checks import check_array
from vg.gradcheck import relative_error

__all__ = ["check_jacobian", "gradient_curve", "rate"]

Step = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _check_step(step: object) -> Step:
    if not callable(step):
        raise TypeError(f"step must be a callable h, J = step(h_prev, x_t), got {type(step).__name__}")
    return step  # type: ignore[return-value]


def gradient_curve(step: Step, X: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """``||dL/dh_{T-d}||`` for d = 0..T, averaged over the batch, for a loss that reads only h_T.

    ``dL/dh_T`` is the unit vector with all entries ``1/sqrt(H)``, so the curve starts at 1.

    Args:
        step: ``h, J = step(h_prev, x_t)`` as in the module docstring.
        X: (T, B, D) inputs.
        h0: (B, H) initial state.

    Returns:
        (T + 1,) array; ``out[d]`` is the mean over the batch of ``||dL/dh_{T-d}||``.
    """
    step = _check_step(step)
    X = check_array("X", X, ("T", "B", "D"))
    h = check_array("h0", h0, (X.shape[1], None))
    H = h.shape[1]
    Js = []
    for x_t in X:
        h, J = step(h, x_t)
        Js.append(check_array("J", J, (X.shape[1], H, H)))
    g, norms = np.full_like(h, 1.0 / np.sqrt(H)), [1.0]
    for J in reversed(Js):
        g = np.einsum("bi,bij->bj", g, J)  # dL/dh_{t-1} = J_t^T dL/dh_t, one row per example
        norms.append(float(np.linalg.norm(g, axis=1).mean()))
    return np.array(norms)


def check_jacobian(step: Step, h_prev: np.ndarray, x_t: np.ndarray) -> float:
    """Relative error of the ``J`` that `step` returns, for example 0, against central differences.

    Args:
        step: ``h, J = step(h_prev, x_t)``.
        h_prev: (B, H) the state to differentiate at (only example 0 is used).
        x_t: (B, D) the input.

    Returns:
        `vg.gradcheck.relative_error` of ``J[0]`` against `vg.analysis.numerical_jacobian`.
    """
    step = _check_step(step)
    h_prev = check_array("h_prev", h_prev, ("B", None))
    x_t = check_array("x_t", x_t, (h_prev.shape[0], None))
    J = step(h_prev, x_t)[1][0]
    J_fd = analysis.numerical_jacobian(lambda v: step(v[None], x_t[:1])[0][0], h_prev[0])
    return relative_error(J, J_fd)


def rate(norms: np.ndarray) -> float:
    """`vg.analysis.decay_rate` of a curve, over the distances where it is not exactly zero.

    A gradient can be exactly zero (a ReLU unit switched off cuts its path); those distances have no
    logarithm and are left out of the fit.
    """
    norms = check_array("norms", norms, ["N"])
    d = np.flatnonzero(norms > 0)
    return analysis.decay_rate(norms[d], d)
