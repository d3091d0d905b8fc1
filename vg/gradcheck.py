"""Finite-difference gradient checks: how we know every backward pass in `vg` is right.

A hand-written backward pass is easy to get subtly wrong (a missing transpose, a term dropped from a
sum over time steps) in ways that still let a network train, just worse. The cure is to compare it
with the definition of the derivative. The *central* difference

    df/dp_i ≈ (f(p + eps e_i) - f(p - eps e_i)) / (2 eps)

has error O(eps²) (the forward difference has O(eps)), and with eps = 1e-6 in float64 it agrees with
a correct analytic gradient to about 1e-9 relative error, far below the 1e-7 we require. It costs
two evaluations of `f` per parameter entry, so check on small sizes (``order=4`` is more accurate
still, at four evaluations per entry).

Typical use on a page::

    def loss(p):
        H_all, _ = vg.rnn.forward(X, p)
        return float(np.sum(G * H_all))          # any scalar; G fixes dL/dH_all = G

    H_all, cache = vg.rnn.forward(X, params)
    grads, dX, dh0 = vg.rnn.backward(G, cache)
    errors = vg.gradcheck.check(loss, params, grads)   # {"W_h": 2.1e-10, ...}
    assert max(errors.values()) < 1e-7
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from vg._checks import check_array, check_array_dict, check_positive, check_same_keys

__all__ = ["check", "numerical_gradient", "relative_error"]

ArrayDict = Mapping[str, np.ndarray]


def numerical_gradient(
    f: Callable[..., float],
    params: ArrayDict | np.ndarray,
    eps: float | None = None,
    order: int = 2,
) -> dict[str, np.ndarray] | np.ndarray:
    """Central finite-difference gradient of a scalar function.

    Each entry of each array is perturbed in turn (the others held fixed) and the slope is recorded:

    - ``order=2`` (default): ``(f(p + h) - f(p - h)) / (2h)``, truncation error O(h²), two calls of
      `f` per entry; ``h = eps = 1e-6`` by default, which balances truncation against round-off
      (∝ 1/h) in float64 at about 1e-10 relative to the size of `f`.
    - ``order=4``: ``(f(p - 2h) - 8 f(p - h) + 8 f(p + h) - f(p + 2h)) / (12h)``, truncation error
      O(h⁴), four calls per entry; ``eps = 1e-4`` by default, with both errors near 1e-12. Use it
      when a gradient entry is small compared with the loss.

    `f` receives float64 copies, so the caller's arrays are never modified, even temporarily.

    Args:
        f: the function; called as ``f(params)`` with a dict like `params` (or with one array,
            if `params` is an array) and returning a real scalar.
        params: a dict of name -> array (any shapes), or a single array.
        eps: the step h, > 0; default 1e-6 for ``order=2`` and 1e-4 for ``order=4``.
        order: 2 or 4.

    Returns:
        The gradient: a dict with the keys and shapes of `params` (or an array, if `params` is
        one).
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar, got {type(f).__name__}")
    if isinstance(order, bool) or order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    eps = (1e-6 if order == 2 else 1e-4) if eps is None else check_positive("eps", eps)
    if isinstance(params, (np.ndarray, list, tuple)):
        x = check_array("params", params, [None] * np.ndim(params), dtype=np.float64).copy()
        return _numerical_gradient_dict(lambda d: f(d["x"]), {"x": x}, eps, order)["x"]
    p = {k: v.astype(np.float64, copy=True) for k, v in check_array_dict("params", params).items()}
    return _numerical_gradient_dict(f, p, eps, order)


def _scalar(f: Callable[..., float], arg: object) -> float:
    value = f(arg)
    if np.ndim(value) != 0:
        raise ValueError(f"f must return a scalar, got a value of shape {np.shape(value)}")
    return float(value)


_STENCILS = {  # (offsets in units of h, weights, denominator in units of h)
    2: ((1.0, -1.0), (1.0, -1.0), 2.0),
    4: ((-2.0, -1.0, 1.0, 2.0), (1.0, -8.0, 8.0, -1.0), 12.0),
}


def _numerical_gradient_dict(
    f: Callable[..., float], p: dict[str, np.ndarray], eps: float, order: int
) -> dict[str, np.ndarray]:
    offsets, weights, denom = _STENCILS[order]
    grads = {}
    for name, arr in p.items():
        g = np.zeros_like(arr)
        flat, gflat = arr.reshape(-1), g.reshape(-1)  # views: writing flat[i] perturbs arr in place
        for i in range(flat.size):
            old = flat[i]
            total = 0.0
            for off, w in zip(offsets, weights, strict=True):
                flat[i] = old + off * eps
                total += w * _scalar(f, p)
            flat[i] = old
            gflat[i] = total / (denom * eps)
        grads[name] = g
    return grads


def _relative_error_arrays(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    num = float(np.max(np.abs(a - b)))
    den = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), floor)
    return num / den


def relative_error(
    a: ArrayDict | np.ndarray, b: ArrayDict | np.ndarray, floor: float = 1e-300
) -> float:
    """Relative error between two gradients, measured against their largest entry.

    Defined as

        max_i |a_i - b_i| / max( max_i |a_i|, max_i |b_i|, floor )

    the worst absolute difference relative to the largest entry of either array (a max-norm relative
    error; the cells' own tests use the same definition). Unlike the entry-wise
    ``max_i |a_i - b_i| / (|a_i| + |b_i|)``, it is not fooled by single entries that are zero up to
    round-off, where finite differences only have absolute accuracy. The `floor` (default 1e-300,
    the smallest safe positive number) only avoids 0/0: two all-zero gradients have error 0. It is
    deliberately tiny: a gradient that is truly minute (as vanishing gradients are) must not pass
    just because it is small. Below 1e-7 means the two agree to about seven significant digits of
    their largest entries.

    Args:
        a: an array, or a dict of arrays.
        b: an array of the same shape, or a dict with the same keys and shapes.
        floor: the smallest denominator, > 0.

    Returns:
        The relative error as a Python float; for dicts, the worst (largest) over the keys.
    """
    floor = check_positive("floor", floor)
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        da = check_array_dict("a", a)
        db = check_array_dict("b", b)
        check_same_keys("a", da, "b", db)
        return max(_relative_error_arrays(da[k], db[k], floor) for k in da)
    a = check_array("a", a, [None] * np.ndim(a))
    b = check_array("b", b, a.shape)
    return _relative_error_arrays(a, b, floor)


def check(
    f: Callable[..., float],
    params: ArrayDict,
    grads: ArrayDict,
    eps: float | None = None,
    floor: float = 1e-300,
    order: int = 2,
) -> dict[str, float]:
    """Compare analytic gradients with central finite differences, key by key.

    Args:
        f: the scalar function of ``params`` whose gradient ``grads`` claims to be.
        params: dict of name -> array at which to check.
        grads: the analytic gradient: a dict with the keys and shapes of `params` (extra keys, e.g.
            ``"X"``, are refused; check inputs by making them a key of `params`).
        eps: finite-difference step (see `numerical_gradient`).
        floor: smallest denominator (see `relative_error`).
        order: 2 or 4, the accuracy order of the differences (see `numerical_gradient`).

    Returns:
        ``{name: relative error}`` as Python floats, in the order of `params`; the check passes when
        ``max(errors.values())`` is below your tolerance (1e-7 in this project, in float64).
    """
    p = check_array_dict("params", params)
    g = check_array_dict("grads", grads)
    check_same_keys("params", p, "grads", g)
    num = numerical_gradient(f, p, eps=eps, order=order)
    floor = check_positive("floor", floor)
    return {k: _relative_error_arrays(g[k], num[k], floor) for k in p}
