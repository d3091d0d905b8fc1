r"""Measuring vanishing and exploding gradients: Jacobian products, norms, saturation, decay rates.

For the vanilla RNN $h_t = \phi(a_t)$, $a_t = W_h h_{t-1} + W_x x_t + b$, the Jacobian
of one step is

$$
    J_t = \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(\phi'(a_t))\, W_h,
$$

and the sensitivity of a later state to an earlier one is the product
$\partial h_t / \partial h_k = J_t J_{t-1} \cdots J_{k+1}$. Its 2-norm is at most
$(\gamma\, \sigma_{\max}(W_h))^{t-k}$ with $\gamma = \max|\phi'|$ (1 for tanh, 1/4 for
sigmoid). This module computes those objects from a `vg.rnn.forward` cache so that pages can
*measure* what the bound only limits.

Indices follow the maths: ``h_0`` is the initial state and ``h_1 .. h_T`` are ``H_all[0] ..
H_all[T-1]``. All functions work per example of a batch (B); shapes below use T, B, H as everywhere
in `vg`.

For gated cells (`vg.lstm`, `vg.gru`) `numerical_jacobian` differentiates any step function by
central differences; it is slow (2 H evaluations) but exact enough to study products of a few dozen
steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vg import activations, bptt, rnn
from vg._checks import check_array, check_choice, check_positive, check_size
from vg.rnn import RNNCache

__all__ = [
    "check_cache",
    "decay_rate",
    "gradient_norms",
    "hidden_gradients",
    "jacobian_bound",
    "jacobian_norms",
    "jacobian_product",
    "numerical_jacobian",
    "saturation_fraction",
    "sigma_max",
    "singular_values",
    "small_derivative_fraction",
    "spectral_radius",
    "step_jacobians",
]


def check_cache(cache: object) -> RNNCache:
    """Check that `cache` is the `RNNCache` that `vg.rnn.forward` returned, and return it."""
    if not isinstance(cache, RNNCache):
        raise TypeError(
            f"cache must be the RNNCache returned by vg.rnn.forward, got {type(cache).__name__}"
        )
    return cache


def _check_square(name: str, W: object) -> np.ndarray:
    W = check_array(name, W, ("n", "n"), dtype=np.float64)
    return W


def singular_values(W: np.ndarray) -> np.ndarray:
    """The singular values of a square matrix, largest first.

    Args:
        W: (H, H) matrix, e.g. ``params["W_h"]``.

    Returns:
        (H,) array, in decreasing order. The first is the 2-norm ``||W||_2``.
    """
    return np.linalg.svd(_check_square("W", W), compute_uv=False)


def sigma_max(W: np.ndarray) -> float:
    """The largest singular value of `W`, its spectral 2-norm: the most `W` stretches any vector."""
    return float(singular_values(W)[0])


def spectral_radius(W: np.ndarray) -> float:
    """The largest absolute eigenvalue of `W`; it governs the long-run growth of ``W**k``.

    Always ``spectral_radius(W) <= sigma_max(W)``, with equality for normal matrices (e.g.
    symmetric or orthogonal ones).
    """
    return float(np.max(np.abs(np.linalg.eigvals(_check_square("W", W)))))


def jacobian_bound(W_h: np.ndarray, activation: str = "tanh") -> float:
    r"""The per-step bound $\gamma\,\sigma_{\max}(W_h)$ on ``||dh_t/dh_{t-1}||_2``.

    Since $\|\operatorname{diag}(\phi'(a))W_h\|_2 \le \max_i|\phi'(a_i)|\,\|W_h\|_2 \le
    \gamma\, \sigma_{\max}(W_h)$, the product over t - k steps has norm at most this number to the
    power t - k.

    Args:
        W_h: (H, H) recurrent matrix.
        activation: the activation's name; gamma is computed by `vg.activations.derivative_bound`.
    """
    check_choice("activation", activation, activations.ACTIVATIONS)
    return activations.derivative_bound(activation) * sigma_max(W_h)


def step_jacobians(cache: RNNCache) -> np.ndarray:
    r"""The one-step Jacobians $J_t = \operatorname{diag}(\phi'(a_t)) W_h$ for t = 1..T.

    Args:
        cache: the cache of `vg.rnn.forward`.

    Returns:
        (T, B, H, H) array; ``out[t - 1, b]`` is $\partial h_t / \partial h_{t-1}$ for
        example b.
    """
    cache = check_cache(cache)
    Dphi = activations.ACTIVATIONS[cache.activation].grad(cache.Hs[1:])  # (T, B, H): phi'(a_t)
    return Dphi[..., :, None] * cache.params["W_h"]  # row i of W_h scaled by phi'(a_t)_i


def jacobian_product(cache: RNNCache, t: int, k: int) -> np.ndarray:
    r"""$\partial h_t / \partial h_k = J_t J_{t-1} \cdots J_{k+1}$ (the identity when t = k).

    Args:
        cache: the cache of `vg.rnn.forward`.
        t: the later step, 0 <= t <= T.
        k: the earlier step, 0 <= k <= t.

    Returns:
        (B, H, H) array, one Jacobian matrix per example.
    """
    cache = check_cache(cache)
    T, B, H = cache.Hs.shape[0] - 1, cache.Hs.shape[1], cache.Hs.shape[2]
    t = _check_index("t", t, 0, T)
    k = _check_index("k", k, 0, t)
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    if t == k:
        return P
    J = step_jacobians(cache)
    for j in range(t, k, -1):  # P = J_t ... J_j
        P = P @ J[j - 1]
    return P


def _check_index(name: str, value: object, lo: int, hi: int) -> int:
    value = check_size(name, value, minimum=0)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must satisfy {lo} <= {name} <= {hi}, got {value}")
    return value


def jacobian_norms(cache: RNNCache, t: int | None = None) -> np.ndarray:
    r"""``||dh_t/dh_k||_2`` for every k = 0..t: how strongly h_t depends on each earlier state.

    Args:
        cache: the cache of `vg.rnn.forward`.
        t: the later step (default T, the last).

    Returns:
        (t + 1, B) array; ``out[k, b]`` is the spectral norm of $\partial h_t / \partial h_k$
        for example b (so ``out[t] == 1``).
    """
    cache = check_cache(cache)
    T, B, H = cache.Hs.shape[0] - 1, cache.Hs.shape[1], cache.Hs.shape[2]
    t = T if t is None else _check_index("t", t, 0, T)
    J = step_jacobians(cache)
    out = np.empty((t + 1, B))
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(t, -1, -1):
            finite = np.all(np.isfinite(P), axis=(-2, -1))
            out[k] = np.inf
            if finite.any():
                out[k, finite] = np.linalg.norm(P[finite], 2, axis=(-2, -1))
            if k > 0:
                P = P @ J[k - 1]  # extend dh_t/dh_k to dh_t/dh_{k-1}
    return out


def hidden_gradients(cache: RNNCache, dh_T: np.ndarray) -> np.ndarray:
    r"""The total derivatives $\partial L / \partial h_k$, k = 0..T, of a loss that reads
    only h_T, from a `vg.rnn.forward` cache.

    `vg.bptt.state_gradients` along the cache's own states, with ``dH_all`` zero except at the last step:
    $\partial L/\partial h_k = (\partial h_T/\partial h_k)^\top\, \partial L/\partial h_T$.

    Args:
        cache: the cache of `vg.rnn.forward`.
        dh_T: (B, H) the gradient of the loss with respect to the last state h_T.

    Returns:
        (T + 1, B, H) float64 array; ``out[k]`` is dL/dh_k (``out[T]`` is `dh_T`, ``out[0]`` is dL/dh_0).
        Entries may be +-inf if the gradient overflows (no warning is raised).
    """
    cache = check_cache(cache)
    dh_T = check_array("dh_T", dh_T, cache.Hs.shape[1:], dtype=np.float64)
    dH_all = np.zeros((cache.Hs.shape[0] - 1, *dh_T.shape))
    dH_all[-1] = dh_T
    G = bptt.state_gradients(rnn, cache.X, cache.params, dH_all, states=cache.Hs, activation=cache.activation)
    return G.astype(np.float64, copy=False)


def gradient_norms(cache: RNNCache, dh_T: np.ndarray | None = None) -> np.ndarray:
    """``||dL/dh_k||_2`` for k = 0..T, for a loss that reads only the last state.

    Args:
        cache: the cache of `vg.rnn.forward`.
        dh_T: (B, H) dL/dh_T; by default a unit vector (all entries 1/sqrt(H)), so that the numbers
            are the gain from the last step back to step k.

    Returns:
        (T + 1, B) array of norms, ``out[k, b] = ||dL/dh_k||`` for example b; ``inf`` where the
        gradient overflowed.
    """
    cache = check_cache(cache)
    if dh_T is None:
        B, H = cache.Hs.shape[1:]
        dh_T = np.full((B, H), 1.0 / np.sqrt(H))
    G = hidden_gradients(cache, dh_T)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(G, axis=-1)
    norms[~np.isfinite(norms)] = np.inf  # overflowed (inf, then inf - inf = nan): infinitely large
    return norms


def saturation_fraction(H_all: np.ndarray, threshold: float = 0.95) -> float:
    """The fraction of hidden units (over all steps and examples) with ``|h| > threshold``.

    For tanh, ``|h| > 0.95`` means ``phi'(a) = 1 - h**2 < 0.0975``: such a unit passes less than a
    tenth of the gradient that reaches it.

    Args:
        H_all: hidden states of any shape, e.g. (T, B, H).
        threshold: in (0, 1); 0.95 by default.
    """
    H_all = check_array("H_all", H_all, [None] * np.ndim(H_all), dtype=np.float64)
    threshold = check_positive("threshold", threshold)
    if threshold >= 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    return float(np.mean(np.abs(H_all) > threshold))


def small_derivative_fraction(cache: RNNCache, threshold: float = 0.1) -> float:
    """The fraction of ``phi'(a_t)`` entries (over all steps, examples, units) below `threshold`.

    Args:
        cache: the cache of `vg.rnn.forward`.
        threshold: > 0; 0.1 by default.
    """
    cache = check_cache(cache)
    threshold = check_positive("threshold", threshold)
    Dphi = activations.ACTIVATIONS[cache.activation].grad(cache.Hs[1:])
    return float(np.mean(Dphi < threshold))


def decay_rate(norms: np.ndarray, distances: np.ndarray | None = None) -> float:
    r"""The per-step factor r of a fit ``norm ≈ C * r**distance`` (least squares on log norm).

    The slope of $\log\|\cdot\|$ against the distance is $\log r$; r < 1 means the norm
    shrinks by that factor per step on average, r > 1 that it grows.

    Args:
        norms: (N,) positive, finite norms, N >= 2.
        distances: (N,) the distance of each norm (default 0, 1, ..., N-1), not all equal.

    Returns:
        r = exp(slope), a float > 0.
    """
    norms = check_array("norms", norms, ["N"], dtype=np.float64)
    if norms.size < 2:
        raise ValueError(f"norms must have at least 2 entries, got {norms.size}")
    if np.any(norms <= 0):
        raise ValueError(f"norms must be positive (their log is fitted), got min {norms.min():.3g}")
    if distances is None:
        distances = np.arange(norms.size, dtype=np.float64)
    else:
        distances = check_array("distances", distances, [norms.size], dtype=np.float64)
        if np.ptp(distances) == 0:
            raise ValueError("distances must not all be equal")
    slope = np.polyfit(distances, np.log(norms), 1)[0]
    return float(np.exp(slope))


def numerical_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """The Jacobian of a vector function by central differences: ``out[i, j] = d f_i / d x_j``.

    Use it for any cell's step, e.g. ``lambda h: vg.gru.step(x_t, h[None], params)[0][0]``. Cost: 2
    n calls of `f` for n = x.size.

    Args:
        f: maps an (n,) float array to an (m,) array (it must not modify its argument).
        x: (n,) the point.
        eps: the finite-difference step.

    Returns:
        (m, n) array.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable, got {type(f).__name__}")
    x = check_array("x", x, ["n"], dtype=np.float64)
    eps = check_positive("eps", eps)
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = eps
        f_plus = np.asarray(f(x + e), dtype=np.float64)
        f_minus = np.asarray(f(x - e), dtype=np.float64)
        if f_plus.ndim != 1:
            raise ValueError(f"f must return a 1-D array, got shape {f_plus.shape}")
        cols.append((f_plus - f_minus) / (2 * eps))
    return np.stack(cols, axis=1)
