r"""The gated recurrent unit (Cho et al. 2014), in the form used by Dive into Deep Learning.

$$
    \begin{aligned}
    z_t &= \sigma(W_{xz} x_t + W_{hz} h_{t-1} + b_z) \qquad \text{update gate} \\
    r_t &= \sigma(W_{xr} x_t + W_{hr} h_{t-1} + b_r) \qquad \text{reset gate} \\
    \tilde h_t &= \tanh(W_{xh} x_t + W_{hh} (r_t \odot h_{t-1}) + b_h) \\
    h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t
    \end{aligned}
$$

Shapes: ``W_x*`` (H, D), ``W_h*`` (H, H), ``b_*`` (H,) for * in z, r, h; inputs ``X`` (T, B, D);
``H_all`` (T, B, H). The direct path ``h_t = z_t * h_{t-1} + ...`` contributes ``diag(z_t)`` to the
step Jacobian, an identity-like route for the gradient when the update gate is near 1.

Note: PyTorch's ``nn.GRU`` applies the reset gate *after* the matrix product,
``n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))`` (and has two candidate biases), and
writes ``h_t = (1 - z_t) * n_t + z_t * h_{t-1}``. The two variants are different functions of the
parameters: same weights do not give the same outputs.

Same verbs as `vg.rnn`: `init`, `forward`, `backward` (optionally truncated), `step`, `step_backward`.
`forward` and `backward` validate their arguments and hand the sequence to `vg._fast.gru`, where the
speed work lives (stacked weights, buffers written in place, the candidate's tanh through ``exp``,
weight gradients summed per chunk of steps): kept apart so that this module reads like the maths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg import rnn
from vg._checks import (
    check_array_fast,
    check_choice,
    check_float_dtype,
    check_optional_size,
    check_params_fast,
    check_positive,
    check_rng,
    check_size,
    read_only_view,
)
from vg._fast import gru as engine
from vg.activations import sigmoid

__all__ = [
    "INITS",
    "PARAM_NAMES",
    "STATES",
    "GRUCache",
    "GRUStepCache",
    "backward",
    "forward",
    "init",
    "step",
    "step_backward",
]

_GATES = ("z", "r", "h")  # also the internal stacking order of the input weights
PARAM_NAMES = tuple(name for g in _GATES for name in (f"W_x{g}", f"W_h{g}", f"b_{g}"))
STATES = ("h",)  # the recurrent state, in the order step takes and returns it (see vg.bptt)
INITS = ("gaussian", "orthogonal")
_SHAPES = {
    name: shape
    for g in _GATES
    for name, shape in ((f"W_x{g}", ("H", "D")), (f"W_h{g}", ("H", "H")), (f"b_{g}", ("H",)))
}


def init(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    *,
    init: str = "gaussian",
    scale: float | None = None,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """Draw the parameters of a GRU.

    Input weights ``W_x*`` are N(0, 1/D); recurrent weights ``W_h*`` are N(0, scale**2) entries
    (``"gaussian"``, default ``scale = 1/sqrt(H)``) or random orthogonal matrices times a gain
    (``"orthogonal"``, `scale` is the gain, default 1); biases are zero.

    Returns:
        The nine parameters ``W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h``.
    """
    D = check_size("input_size", input_size)
    H = check_size("hidden_size", hidden_size)
    check_rng("rng", rng)
    check_choice("init", init, INITS)
    dtype = check_float_dtype("dtype", dtype)
    if scale is not None:
        scale = check_positive("scale", scale)
    params = {}
    for g in _GATES:
        params[f"W_x{g}"] = rng.standard_normal((H, D)) / np.sqrt(D)
        if init == "gaussian":
            params[f"W_h{g}"] = rng.standard_normal((H, H)) * (1.0 / np.sqrt(H) if scale is None else scale)
        else:
            params[f"W_h{g}"] = rnn.orthogonal(H, rng, 1.0 if scale is None else scale)
        params[f"b_{g}"] = np.zeros(H)
    return {k: v.astype(dtype) for k, v in params.items()}


@dataclass(frozen=True)
class GRUCache:
    """What `backward` needs from `forward`. Built only by `forward`; treat it as opaque.

    Attributes:
        X: (T, B, D) inputs.
        Hs: (T + 1, B, H) states ``h_0 .. h_T`` (``Hs[1:]`` is the returned ``H_all``, a read-only view).
        gates: (T, B, 3H) blocks z, r, h_tilde (after their nonlinearities).
        RH: (T, B, H) ``r_t * h_{t-1}``.
        W_x: (3H, D) input weights stacked in the order z, r, h.
        W_hzr: (2H, H) ``W_hz`` and ``W_hr`` stacked.
        W_hh: (H, H).
    """

    X: np.ndarray
    Hs: np.ndarray
    gates: np.ndarray
    RH: np.ndarray
    W_x: np.ndarray
    W_hzr: np.ndarray
    W_hh: np.ndarray


@dataclass(frozen=True)
class GRUStepCache:
    """What `step_backward` needs from `step`."""

    x_t: np.ndarray
    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    params: dict[str, np.ndarray]


def _check_inputs(X: object, params: object, h0: object) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
    dims: dict[str, int] = {}
    p = check_params_fast("params", params, _SHAPES, dims=dims)
    X = check_array_fast("X", X, ("T", "B", "D"), dims=dims)
    if h0 is not None:
        h0 = check_array_fast("h0", h0, ("B", "H"), dims=dims)
    dtype = np.result_type(X.dtype, p["W_hh"].dtype)
    if h0 is not None:
        h0 = h0.astype(dtype, copy=False)
    if dtype != p[next(iter(p))].dtype:  # mixed float32/float64: compute in float64
        p = {k: v.astype(dtype) for k, v in p.items()}
    return X.astype(dtype, copy=False), p, h0


def forward(X: np.ndarray, params: dict[str, np.ndarray], h0: np.ndarray | None = None) -> tuple[np.ndarray, GRUCache]:
    """Run the GRU over a whole sequence.

    Args:
        X: (T, B, D) inputs, time-major.
        params: the nine parameters (see `init`).
        h0: (B, H) initial state; zeros if None.

    Returns:
        ``H_all`` (T, B, H) (a view into the cache: do not modify it in place before `backward`) and the
        cache for `backward`.
    """
    X, p, h0 = _check_inputs(X, params, h0)
    Hs, gates, RH, W_x, W_hzr, W_hh = engine.forward(X, p, h0)
    cache = GRUCache(X=X, Hs=Hs, gates=gates, RH=RH, W_x=W_x, W_hzr=W_hzr, W_hh=W_hh)
    return read_only_view(Hs[1:]), cache


def backward(
    dH_all: np.ndarray, cache: GRUCache, truncate: int | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    r"""Backpropagation through time for the GRU, optionally truncated.

    ``dH_all[t]`` is $\partial L/\partial h_t$ from outside the recurrence; backward adds the
    recurrent part, ``dh = dH_all[t] + dh_next``. ``truncate=k`` follows the rule of
    `vg.rnn.backward`: the error injected at step t reaches the immediate terms of steps t, ..., t-k+1
    only (``dX`` likewise; ``dh0`` receives only from ``dH_all[0..k-1]``); ``k = 1`` keeps only the
    immediate terms, ``k >= T`` or None is full BPTT.

    Args:
        dH_all: (T, B, H) gradient with respect to each ``h_t`` from outside the recurrence.
        cache: the cache returned by `forward`.
        truncate: None (full BPTT) or the window length k >= 1.

    Returns:
        ``grads`` (exactly the nine parameter names), ``dX`` (T, B, D) and ``dh0`` (B, H).
    """
    if not isinstance(cache, GRUCache):
        raise TypeError(f"cache must be the GRUCache returned by vg.gru.forward, got {type(cache).__name__}")
    T, B, _ = cache.X.shape
    dH_all = check_array_fast("dH_all", dH_all, (T, B, cache.Hs.shape[2]), dtype=cache.X.dtype)
    k = check_optional_size("truncate", truncate)
    c = cache
    return engine.backward(dH_all, c.X, c.Hs, c.gates, c.RH, c.W_x, c.W_hzr, c.W_hh, k)

def step(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, GRUStepCache]:
    """One GRU step, written like the equations (one row per example).

    Args:
        x_t: (B, D) input.
        h_prev: (B, H) previous state.
        params: the nine parameters.

    Returns:
        ``h`` (B, H) and a cache for `step_backward`.
    """
    dims: dict[str, int] = {}
    p = check_params_fast("params", params, _SHAPES, dims=dims)
    x_t = check_array_fast("x_t", x_t, ("B", "D"), dims=dims)
    h_prev = check_array_fast("h_prev", h_prev, ("B", "H"), dims=dims)

    z = sigmoid(x_t @ p["W_xz"].T + h_prev @ p["W_hz"].T + p["b_z"])  # update gate
    r = sigmoid(x_t @ p["W_xr"].T + h_prev @ p["W_hr"].T + p["b_r"])  # reset gate
    h_tilde = np.tanh(x_t @ p["W_xh"].T + (r * h_prev) @ p["W_hh"].T + p["b_h"])
    h = z * h_prev + (1.0 - z) * h_tilde
    return h, GRUStepCache(x_t, h_prev, z, r, h_tilde, p)


def step_backward(dh: np.ndarray, step_cache: GRUStepCache) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backward pass of one `step`: from ``dh`` (B, H) to the step's immediate gradients.

    Returns:
        ``grads`` (this step's immediate contributions), ``dx_t`` (B, D) and ``dh_prev`` (B, H).
    """
    if not isinstance(step_cache, GRUStepCache):
        raise TypeError(f"step_cache must be the GRUStepCache returned by vg.gru.step, got {type(step_cache).__name__}")
    s = step_cache
    dh = check_array_fast("dh", dh, s.h_prev.shape, dtype=s.h_prev.dtype)
    p = s.params

    # h = z * h_prev + (1 - z) * h_tilde
    dz = dh * (s.h_prev - s.h_tilde)
    dh_tilde = dh * (1.0 - s.z)
    dh_prev = dh * s.z
    # h_tilde = tanh(a_h), a_h = W_xh x + W_hh (r * h_prev) + b_h
    da_h = dh_tilde * (1.0 - s.h_tilde**2)
    drh = da_h @ p["W_hh"]
    dr = drh * s.h_prev
    dh_prev += drh * s.r
    da = {"z": dz * s.z * (1.0 - s.z), "r": dr * s.r * (1.0 - s.r), "h": da_h}
    rh = s.r * s.h_prev
    grads = {}
    dx_t = np.zeros_like(s.x_t)
    for g in _GATES:
        grads[f"W_x{g}"] = da[g].T @ s.x_t
        grads[f"W_h{g}"] = da[g].T @ (rh if g == "h" else s.h_prev)
        grads[f"b_{g}"] = da[g].sum(axis=0)
        dx_t += da[g] @ p[f"W_x{g}"]
    dh_prev += da["z"] @ p["W_hz"] + da["r"] @ p["W_hr"]
    return grads, dx_t, dh_prev
