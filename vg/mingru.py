r"""minGRU (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs all we needed?").

The GRU with the previous state removed from its gate and its candidate, so that the state update is
linear in $h$:

$$
    \begin{aligned}
    z_t &= \sigma(W_{xz} x_t + b_z) \\
    \tilde h_t &= W_{xh} x_t + b_h \\
    h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t
    \end{aligned}
$$

Gate convention: here $z_t$ weighs the *new* candidate (the paper's), the opposite of `vg.gru`, where
$z_t$ keeps the old state. The step Jacobian is $\partial h_t / \partial h_{t-1} = \operatorname{diag}(1 -
z_t)$, which depends on the input but not on the state: the gradient $d$ steps back is the product of
$d$ such diagonal matrices, with no weight matrix and no squashing in it. Because every $z_t$ and
$\tilde h_t$ is known before the recurrence runs, `forward` and `backward` can compute it with a
parallel scan; `vg.scan.solve` picks a scan or a loop, whichever is faster for the width.

Shapes: ``W_xz``, ``W_xh`` (H, D); ``b_z``, ``b_h`` (H,); inputs ``X`` (T, B, D); ``H_all`` (T, B, H).
Same verbs as `vg.rnn`: `init`, `forward`, `backward`, `step`, `step_backward` (no truncation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg import scan
from vg._checks import (
    check_array,
    check_float_dtype,
    check_params,
    check_rng,
    check_size,
    read_only_view,
)
from vg.activations import sigmoid

__all__ = [
    "PARAM_NAMES", "STATES", "MinGRUCache", "MinGRUStepCache", "backward", "forward", "init", "step", "step_backward",
]

PARAM_NAMES = ("W_xz", "b_z", "W_xh", "b_h")
STATES = ("h",)  # the recurrent state, in the order step takes and returns it (see vg.bptt)
_SHAPES = {"W_xz": ("H", "D"), "b_z": ("H",), "W_xh": ("H", "D"), "b_h": ("H",)}


def init(
    input_size: int, hidden_size: int, rng: np.random.Generator, *, dtype: Any = np.float64
) -> dict[str, np.ndarray]:
    """Draw the parameters as the paper's reference code does (PyTorch `nn.Linear` defaults).

    Every weight and bias is uniform on $[-1/\\sqrt D, 1/\\sqrt D]$.

    Returns:
        ``W_xz, b_z, W_xh, b_h``.
    """
    D = check_size("input_size", input_size)
    H = check_size("hidden_size", hidden_size)
    check_rng("rng", rng)
    dtype = check_float_dtype("dtype", dtype)
    bound = 1.0 / np.sqrt(D)
    shapes = {"W_xz": (H, D), "b_z": (H,), "W_xh": (H, D), "b_h": (H,)}
    return {k: rng.uniform(-bound, bound, size=s).astype(dtype) for k, s in shapes.items()}


@dataclass(frozen=True)
class MinGRUCache:
    """What `backward` needs from `forward`. Built only by `forward`; treat it as opaque.

    Attributes:
        X: (T, B, D) inputs.
        Hs: (T + 1, B, H) states ``h_0 .. h_T`` (``Hs[1:]`` is the returned ``H_all``, a read-only view).
        Z: (T, B, H) update gates ``z_1 .. z_T``.
        H_tilde: (T, B, H) candidates.
        params: the checked parameters.
    """

    X: np.ndarray
    Hs: np.ndarray
    Z: np.ndarray
    H_tilde: np.ndarray
    params: dict[str, np.ndarray]


def _inputs(X: object, params: object, h0: object) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    dims: dict[str, int] = {}
    p = check_params("params", params, _SHAPES, dims=dims)
    X = check_array("X", X, ("T", "B", "D"), dtype=p["W_xz"].dtype, dims=dims)
    if h0 is None:
        return X, p, np.zeros((X.shape[1], p["W_xz"].shape[0]), X.dtype)
    return X, p, check_array("h0", h0, ("B", "H"), dtype=X.dtype, dims=dims)


def forward(
    X: np.ndarray, params: dict[str, np.ndarray], h0: np.ndarray | None = None
) -> tuple[np.ndarray, MinGRUCache]:
    """Run the minGRU over a sequence (the recurrence by `vg.scan.solve`).

    Args:
        X: (T, B, D) inputs.
        params: ``W_xz, b_z, W_xh, b_h``.
        h0: (B, H) initial state (default zero).

    Returns:
        ``H_all`` (T, B, H), read-only, and the cache for `backward`.
    """
    X, p, h0 = _inputs(X, params, h0)
    Z = sigmoid(X @ p["W_xz"].T + p["b_z"])
    H_tilde = X @ p["W_xh"].T + p["b_h"]
    T, B, H = Z.shape
    Hs = np.empty((T + 1, B, H), X.dtype)
    Hs[0] = h0
    Hs[1:] = scan.solve(1.0 - Z, Z * H_tilde, h0)
    return read_only_view(Hs[1:]), MinGRUCache(X, Hs, Z, H_tilde, p)


def backward(
    dH_all: np.ndarray, cache: MinGRUCache
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time for `forward`.

    The total gradient obeys the reverse linear recurrence ``dh_t = dH_all[t] + (1 - z_{t+1}) * dh_{t+1}``
    (again a scan); everything else is elementwise and one matrix product per parameter.

    Args:
        dH_all: (T, B, H) dL/dh_t from outside the recurrence, e.g. a readout.
        cache: from `forward`.

    Returns:
        ``grads`` (keys of `params`), ``dX`` (T, B, D) and ``dh0`` (B, H) (also when ``h0`` defaulted to
        zero, as in `vg.rnn`).
    """
    if not isinstance(cache, MinGRUCache):
        raise TypeError(f"cache must be the MinGRUCache returned by vg.mingru.forward, got {type(cache).__name__}")
    c = cache
    dH_all = check_array("dH_all", dH_all, c.Z.shape, dtype=c.X.dtype)
    decay = 1.0 - c.Z
    # dh[t] = dH_all[t] + decay[t + 1] * dh[t + 1]: the decays shifted one step, none after the last.
    after = np.concatenate([decay[1:], np.zeros_like(decay[:1])])
    dH = scan.solve(after, dH_all, reverse=True)
    dZ = dH * (c.H_tilde - c.Hs[:-1])  # h_t = h_{t-1} + z_t (h_tilde_t - h_{t-1})
    dH_tilde = dH * c.Z
    dA_z = dZ * c.Z * decay  # through the sigmoid
    X2 = c.X.reshape(-1, c.X.shape[2])
    grads = {
        "W_xz": dA_z.reshape(-1, dA_z.shape[2]).T @ X2,
        "b_z": dA_z.sum(axis=(0, 1)),
        "W_xh": dH_tilde.reshape(-1, dH_tilde.shape[2]).T @ X2,
        "b_h": dH_tilde.sum(axis=(0, 1)),
    }
    dX = dA_z @ c.params["W_xz"] + dH_tilde @ c.params["W_xh"]
    return grads, dX, decay[0] * dH[0]


@dataclass(frozen=True)
class MinGRUStepCache:
    """What `step_backward` needs from `step`."""

    x_t: np.ndarray
    h_prev: np.ndarray
    z: np.ndarray
    h_tilde: np.ndarray
    params: dict[str, np.ndarray]


def step(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, MinGRUStepCache]:
    """One minGRU step, written like the equations (one row per example): ``h`` (B, H) and a cache."""
    dims: dict[str, int] = {}
    p = check_params("params", params, _SHAPES, dims=dims)
    x_t = check_array("x_t", x_t, ("B", "D"), dtype=p["W_xz"].dtype, dims=dims)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dtype=x_t.dtype, dims=dims)
    z = sigmoid(x_t @ p["W_xz"].T + p["b_z"])
    h_tilde = x_t @ p["W_xh"].T + p["b_h"]
    h = (1.0 - z) * h_prev + z * h_tilde
    return h, MinGRUStepCache(x_t, h_prev, z, h_tilde, p)


def step_backward(
    dh: np.ndarray, step_cache: MinGRUStepCache
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backward pass of one `step`: ``grads`` (this step's immediate terms), ``dx_t`` and ``dh_prev``."""
    if not isinstance(step_cache, MinGRUStepCache):
        raise TypeError(
            f"step_cache must be the MinGRUStepCache returned by vg.mingru.step, got {type(step_cache).__name__}"
        )
    s = step_cache
    dh = check_array("dh", dh, s.h_prev.shape, dtype=s.h_prev.dtype)
    da_z = dh * (s.h_tilde - s.h_prev) * s.z * (1.0 - s.z)
    dh_tilde = dh * s.z
    grads = {"W_xz": da_z.T @ s.x_t, "b_z": da_z.sum(axis=0), "W_xh": dh_tilde.T @ s.x_t, "b_h": dh_tilde.sum(axis=0)}
    dx_t = da_z @ s.params["W_xz"] + dh_tilde @ s.params["W_xh"]
    return grads, dx_t, dh * (1.0 - s.z)
