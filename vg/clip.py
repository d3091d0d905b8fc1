"""Gradient clipping: three different operations that are often confused.

``clip_global_norm``
    Pascanu, Mikolov & Bengio (2013), Algorithm 1. Treat *all* gradients as one long vector g; if
    its L2 norm exceeds the threshold, rescale every array by the same factor ``max_norm / ||g||``.
    The update keeps its direction and only gets shorter. This is what "gradient norm clipping"
    means in the exploding-gradients literature, and what PyTorch's ``clip_grad_norm_`` does.
``clip_norm_per_parameter``
    Rescale each array separately so that its own norm is at most the threshold. Each array keeps
    its direction, but their relative sizes change, so the direction of the whole update changes.
``clip_value``
    Clamp every element to [-c, c]. Large entries are cut while small ones are not, so the direction
    changes even within one array.

All functions take a dict name -> array (any cell's ``grads``, plus a readout's), return *new*
arrays and never modify their input. A zero gradient is left as it is (no division by zero).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from vg._checks import check_array_dict, check_positive

__all__ = ["clip_global_norm", "clip_norm_per_parameter", "clip_value", "global_norm"]


def _norm(a: np.ndarray) -> float:
    with np.errstate(over="ignore", under="ignore"):
        n = float(np.sqrt(np.vdot(a, a)))
    if 1e-150 < n < 1e150:
        return n
    # Squares of entries near 1e200 overflow to inf and squares of vanishing entries near 1e-200
    # underflow to 0, although the norm itself is representable: scale by the largest entry first.
    m = float(np.max(np.abs(a))) if a.size else 0.0
    if m == 0.0 or not np.isfinite(m):
        return m
    s = a / m
    return m * float(np.sqrt(np.vdot(s, s)))


def _global_norm(grads: Mapping[str, np.ndarray]) -> float:
    norms = np.array([_norm(g) for g in grads.values()])
    return _norm(norms)  # sqrt(sum_k ||g_k||^2) = the norm of the vector of per-array norms


def global_norm(grads: Mapping[str, np.ndarray], *, check: bool = True) -> float:
    """The L2 norm of all gradients taken together: ``sqrt(sum over arrays and entries of g**2)``.

    Computed without overflow for entries up to the largest float.

    Args:
        grads: dict name -> array, any shapes; values must be finite.
        check: validate `grads` (`vg.train.fit` passes False: it has checked them already).

    Returns:
        The norm, a Python float.
    """
    return _global_norm(check_array_dict("grads", grads) if check else grads)


def clip_global_norm(
    grads: Mapping[str, np.ndarray], max_norm: float, *, check: bool = True
) -> tuple[dict[str, np.ndarray], float]:
    """Rescale all gradients together when their global norm exceeds `max_norm` (Pascanu 2013).

    If ``n = global_norm(grads) > max_norm``, every array is multiplied by ``max_norm / n``, so the
    clipped gradients have global norm exactly `max_norm` and the same direction as before (cosine
    1). Otherwise they are returned unchanged (as copies).

    Args:
        grads: dict name -> array, any shapes; values must be finite.
        max_norm: the threshold, > 0.
        check: validate the arguments (`vg.train.fit` passes False: it has checked them already).

    Returns:
        ``(clipped, norm_before)``: a new dict of new arrays, and the global norm before clipping
        (worth recording: it is the quantity that explodes).
    """
    if check:
        grads = check_array_dict("grads", grads)
        max_norm = check_positive("max_norm", max_norm)
    g = grads
    norm = _global_norm(g)
    if norm > max_norm:
        factor = max_norm / norm  # norm > max_norm > 0: no division by zero
        return {k: v * factor for k, v in g.items()}, norm
    return {k: v.copy() for k, v in g.items()}, norm


def clip_norm_per_parameter(
    grads: Mapping[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Rescale each gradient array separately so that its own L2 norm is at most `max_norm`.

    Not the same as `clip_global_norm`: arrays are scaled by different factors, so the direction of
    the whole update changes whenever some arrays are clipped and others are not.

    Args:
        grads: dict name -> array, any shapes; values must be finite.
        max_norm: the threshold for each array, > 0.

    Returns:
        ``(clipped, norms_before)``: a new dict of new arrays, and each array's norm before clipping
        (Python floats).
    """
    g = check_array_dict("grads", grads)
    max_norm = check_positive("max_norm", max_norm)
    clipped, norms = {}, {}
    for k, v in g.items():
        n = _norm(v)
        norms[k] = n
        clipped[k] = v * (max_norm / n) if n > max_norm else v.copy()
    return clipped, norms


def clip_value(grads: Mapping[str, np.ndarray], max_value: float) -> dict[str, np.ndarray]:
    """Clamp every gradient element to the interval [-max_value, max_value].

    Element-wise: entries inside the interval are untouched and larger ones are cut to the boundary,
    so the direction of the gradient generally changes (unlike `clip_global_norm`). The norm after
    clipping is at most ``max_value * sqrt(number of entries)``.

    Args:
        grads: dict name -> array, any shapes; values must be finite.
        max_value: the bound c, > 0.

    Returns:
        A new dict of new arrays.
    """
    g = check_array_dict("grads", grads)
    c = check_positive("max_value", max_value)
    return {k: np.clip(v, -c, c) for k, v in g.items()}
