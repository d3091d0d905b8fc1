"""Central finite differences and a relative error, for the cells' gradient checks.

Relative error (stated once, used everywhere): ``max|a - b| / max(max|a|, max|b|, 1e-300)``, the
largest absolute difference relative to the largest entry in either array. It is a max-norm relative
error: it does not blow up for individual entries that happen to be near zero.

Why not `vg.gradcheck`, which computes the same thing: this is the oracle the tests hold `vg`'s backward
passes against, so it lives outside the package under test; a bug in `vg.gradcheck` cannot hide a bug
in a cell. `vg.gradcheck` is tested on its own, against closed-form gradients and against this module
(tests/test_gradcheck.py). The interface differs too: `f` takes no argument and reads `x`, perturbed in
place, so one closure differentiates the loss with respect to a parameter, the inputs `X` or an initial
state alike (`vg.gradcheck` hands `f` a copied dict of parameters).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPS = 1e-4


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max|a - b| / max(max|a|, max|b|, tiny)``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Fourth-order central differences for every entry of `x`.

    ``(f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / (12 h)`` with ``h = eps`` along one entry:
    truncation error O(h**4), rounding error O(u |f| / h) with u = 2.2e-16. With h = 1e-4 both stay
    near 1e-12 for our losses, about a hundred times below the plain two-point formula at its best
    h (~1e-6, where the two errors balance near 1e-10). That margin matters for a gradient entry that
    happens to be small (1e-3) while the loss is of order 10.

    `x` is perturbed in place (and restored); `f` reads it.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        values = []
        for delta in (-2 * eps, -eps, eps, 2 * eps):
            x[i] = old + delta
            values.append(f())
        x[i] = old
        f_m2, f_m1, f_p1, f_p2 = values
        grad[i] = (f_m2 - 8 * f_m1 + 8 * f_p1 - f_p2) / (12 * eps)
    return grad
