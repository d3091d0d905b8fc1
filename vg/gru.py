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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg import activations, rnn
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
from vg.activations import sigmoid

__all__ = [
    "INITS",
    "PARAM_NAMES",
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
    T, B, D = X.shape
    H = p["W_hh"].shape[0]
    dt = X.dtype
    W_x = np.concatenate([p["W_xz"], p["W_xr"], p["W_xh"]])  # (3H, D)
    b = np.concatenate([p["b_z"], p["b_r"], p["b_h"]])
    W_hzr = np.concatenate([p["W_hz"], p["W_hr"]])  # (2H, H)
    W_hh = p["W_hh"]
    # Nonlinearities through exp (see vg.activations.inplace_kernel): the gate rows are negated,
    # sigmoid(a) = 1 / (1 + exp(-a)); the candidate's rows (and W_hh) are scaled for the tanh kernel.
    # Both are exact rescalings folded into the weights.
    h_scale, tanh_kernel = activations.inplace_kernel("tanh", B * H)
    scale = np.full((3 * H, 1), -1.0, dtype=dt)
    scale[2 * H :] = h_scale
    W_hzrT_s = (-W_hzr).T
    W_hhT_s = (W_hh * h_scale).T

    W_x_sT, b_s = (W_x * scale).T, b * scale[:, 0]
    gates = np.empty((T, B, 3 * H), dtype=dt)
    Hs = np.empty((T + 1, B, H), dtype=dt)
    Hs[0] = 0.0 if h0 is None else h0
    RH = np.empty((T, B, H), dtype=dt)
    # Per-step views, made once: a list lookup is cheaper than slicing inside the loop.
    zr = list(gates[:, :, : 2 * H])
    z, r, h_tilde = (list(gates[:, :, k * H : (k + 1) * H]) for k in range(3))
    h_t, rh_t = list(Hs), list(RH)
    rec_zr = np.empty((B, 2 * H), dtype=dt)
    rec = np.empty((B, H), dtype=dt)
    C = rnn._chunk_length(T, B * 3 * H * X.itemsize)  # see vg.rnn.CHUNK_BYTES
    # Positional `out`, 0-d constants of the right dtype and local names: for batch-1 networks
    # NumPy's per-call overhead is the cost, and this form has the least of it.
    dot, add, sub, mul, exp, recip, tanh = np.dot, np.add, np.subtract, np.multiply, np.exp, np.reciprocal, np.tanh
    one = np.array(1.0, dtype=dt)
    with np.errstate(over="ignore"):  # exp overflowing to inf gives the right limits
        for start in range(0, T, C):
            stop = min(T, start + C)
            n = stop - start
            # Input projections of the chunk's steps in one matrix product.
            Z = gates[start:stop]
            np.dot(X[start:stop].reshape(n * B, D), W_x_sT, out=Z.reshape(n * B, 3 * H))
            Z += b_s
            for t in range(start, stop):
                g = zr[t]
                dot(h_t[t], W_hzrT_s, rec_zr)
                add(g, rec_zr, g)
                exp(g, g)
                add(g, one, g)
                recip(g, g)  # z, r = sigmoid(...)
                mul(r[t], h_t[t], rh_t[t])
                a = h_tilde[t]
                dot(rh_t[t], W_hhT_s, rec)
                add(a, rec, a)
                if h_scale == 1.0:
                    tanh(a, a)  # h_tilde
                else:
                    tanh_kernel(a)
                h = h_t[t + 1]  # h = z * h_prev + (1 - z) * h_tilde = h_tilde + z * (h_prev - h_tilde)
                sub(h_t[t], a, h)
                mul(h, z[t], h)
                add(h, a, h)
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
    X, Hs, gates, RH = cache.X, cache.Hs, cache.gates, cache.RH
    T, B, D = X.shape
    H = Hs.shape[2]
    dt = X.dtype
    dH_all = check_array_fast("dH_all", dH_all, (T, B, H), dtype=dt)
    k = check_optional_size("truncate", truncate)
    S, reset = (1, False) if k is None or k >= T else (k, True)

    z, r, h_tilde = (gates[:, :, k_ * H : (k_ + 1) * H] for k_ in range(3))
    W_hh, W_hzr, W_x = cache.W_hh, cache.W_hzr, cache.W_x
    # The running gradient: one (B, H) array for full BPTT; S "slots" (S, B, H) for truncation, slot
    # t % S carrying the error injected at step t. (2-D when S = 1 because NumPy's per-call overhead
    # is about twice as high for 3-D broadcasting, and small networks feel it.)
    state_shape = (S, B, H) if reset else (B, H)
    dh = np.zeros(state_shape, dtype=dt)
    dh_2d = dh.reshape(-1, H)
    drh = np.empty(state_shape, dtype=dt)
    drh_2d = drh.reshape(-1, H)
    tmp = np.empty((S * B, H), dtype=dt)
    if reset:
        dz_buf = np.empty((S, B, 3 * H), dtype=dt)
    C = rnn._chunk_length(T, B * 3 * H * X.itemsize)  # see vg.rnn.CHUNK_BYTES
    P_buf = np.empty((C, B, 3, H), dtype=dt)
    tmp_c = np.empty((C, B, H), dtype=dt)
    dZ_buf = np.empty((C, B, 3 * H), dtype=dt)
    acc: dict[str, np.ndarray] = {}
    dX = np.empty_like(X)
    for stop in range(T, 0, -C):  # chunks of steps [start, stop), latest first
        start = max(0, stop - C)
        n = stop - start
        sl = slice(start, stop)
        H_prev = Hs[sl]
        # Factors independent of the incoming gradient, for the chunk's steps at once:
        # dz_z = dh * Pz with Pz = (h_prev - h_tilde) * z(1-z);
        # da_h = dh * Ph with Ph = (1-z) * (1 - h_tilde^2);  d(r*h_prev) = da_h @ W_hh;
        # dz_r = d(r*h_prev) * Pr with Pr = h_prev * r(1-r);
        # dh_prev = dh * z + d(r*h_prev) * r + [dz_z, dz_r] @ [W_hz; W_hr].
        P, dZ, t_c = P_buf[:n], dZ_buf[:n], tmp_c[:n]
        Pz, Pr, Ph = (P[:, :, k_] for k_ in range(3))
        np.subtract(1.0, z[sl], out=Pz)
        Pz *= z[sl]
        np.subtract(H_prev, h_tilde[sl], out=t_c)
        Pz *= t_c
        np.subtract(1.0, r[sl], out=Pr)
        Pr *= r[sl]
        Pr *= H_prev
        np.multiply(h_tilde[sl], h_tilde[sl], out=Ph)
        np.subtract(1.0, Ph, out=Ph)
        np.subtract(1.0, z[sl], out=t_c)
        Ph *= t_c
        # Where each step's dz goes: straight into dZ[j] for full BPTT; for truncation into a buffer
        # whose S slots are then summed into dZ[j]. Per-step views made once: list lookups are
        # cheaper than slicing inside the loop.
        if reset:
            dz4, dz2 = dz_buf.reshape(S, B, 3, H), dz_buf.reshape(S * B, 3 * H)
            dzz_t, dzr_t, dzh_t = ([dz4[:, :, k_]] * n for k_ in range(3))
            dzh2_t, dzzr2_t = [dz2[:, 2 * H :]] * n, [dz2[:, : 2 * H]] * n
        else:  # list(view) makes the per-step views in C, faster than a comprehension
            dZ4 = dZ.reshape(n, B, 3, H)
            dzz_t, dzr_t, dzh_t = (list(dZ4[:, :, k_]) for k_ in range(3))
            dzh2_t, dzzr2_t = list(dZ[:, :, 2 * H :]), list(dZ[:, :, : 2 * H])
        dH_t, dZ_t, z_t, r_t = list(dH_all[sl]), list(dZ), list(z[sl]), list(r[sl])
        Pz_t, Pr_t, Ph_t = list(Pz), list(Pr), list(Ph)
        dot, add, mul = np.dot, np.add, np.multiply  # positional `out`: least per-call overhead
        for j in range(n - 1, -1, -1):  # step t = start + j
            if reset:  # the error injected at t + S has travelled its S steps: replace it
                dh[(start + j) % S] = dH_t[j]
            else:
                add(dh, dH_t[j], dh)  # dh = dH_all[t] + dh_next
            mul(dh, Pz_t[j], dzz_t[j])  # dz_z
            mul(dh, Ph_t[j], dzh_t[j])  # da_h
            dot(dzh2_t[j], W_hh, drh_2d)  # d(r * h_prev)
            mul(drh, Pr_t[j], dzr_t[j])  # dz_r
            mul(dh, z_t[j], dh)
            mul(drh, r_t[j], drh)
            add(dh, drh, dh)
            dot(dzzr2_t[j], W_hzr, tmp)
            add(dh_2d, tmp, dh_2d)  # dh_next for step t - 1
            if reset:
                dz_buf.sum(axis=0, out=dZ_t[j])
        # The chunk's weight gradients, summed over its steps and the batch in one product each.
        dZ_2d = dZ.reshape(n * B, 3 * H)
        rnn._accumulate(acc, "W_x", dZ_2d.T @ X[sl].reshape(n * B, D))
        rnn._accumulate(acc, "W_hzr", dZ_2d[:, : 2 * H].T @ H_prev.reshape(n * B, H))
        rnn._accumulate(acc, "W_hh", dZ_2d[:, 2 * H :].T @ RH[sl].reshape(n * B, H))
        rnn._accumulate(acc, "b", dZ_2d.sum(axis=0))
        np.dot(dZ_2d, W_x, out=dX[sl].reshape(n * B, D))
    dW_x, dW_hzr, db = acc["W_x"], acc["W_hzr"], acc["b"]
    grads = {
        "W_xz": dW_x[:H],
        "W_hz": dW_hzr[:H],
        "b_z": db[:H],
        "W_xr": dW_x[H : 2 * H],
        "W_hr": dW_hzr[H:],
        "b_r": db[H : 2 * H],
        "W_xh": dW_x[2 * H :],
        "W_hh": acc["W_hh"],
        "b_h": db[2 * H :],
    }
    return grads, dX, (dh.sum(axis=0) if reset else dh)


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
