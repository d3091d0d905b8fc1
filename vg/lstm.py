r"""The LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000; no peepholes).

$$
    \begin{aligned}
    i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i) \\
    f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f) \\
    o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o) \\
    \tilde c_t &= \tanh(W_{xc} x_t + W_{hc} h_{t-1} + b_c) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot \tilde c_t \\
    h_t &= o_t \odot \tanh(c_t)
    \end{aligned}
$$

Shapes: ``W_x*`` (H, D), ``W_h*`` (H, H), ``b_*`` (H,) for the gates * in i, f, o, c; inputs ``X``
(T, B, D); ``H_all`` (T, B, H) is the sequence of ``h_t``. The cell state ``c_t`` is internal. Along
its direct path the gradient is only multiplied elementwise by the forget gate, ``dc_{t-1} = dc_t * f_t``
(no weight matrix, no squashing derivative): that is why an LSTM whose forget gates stay near 1 keeps
gradients alive over long spans (the paths through ``h`` still involve the weights and can vanish).

Same verbs as `vg.rnn`: `init`, `forward`, `backward` (optionally truncated), `step`, `step_backward`.
Internally `forward`/`backward` stack the four gates into one matrix (rows in the order o, i, f, c) so
that each time step needs one matrix product; ``params`` and ``grads`` always use the separate names.
"""

from __future__ import annotations

import numbers
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
    "GATES",
    "INITS",
    "PARAM_NAMES",
    "LSTMCache",
    "LSTMStepCache",
    "backward",
    "forward",
    "init",
    "step",
    "step_backward",
]

GATES = ("i", "f", "o", "c")
PARAM_NAMES = tuple(name for g in GATES for name in (f"W_x{g}", f"W_h{g}", f"b_{g}"))
INITS = ("gaussian", "orthogonal")

_SHAPES = {
    name: shape for g in GATES for name, shape in ((f"W_x{g}", ("H", "D")), (f"W_h{g}", ("H", "H")), (f"b_{g}", ("H",)))
}
# Internal stacking order: the three sigmoid gates first (one contiguous block), and the three gates
# that multiply dc in the backward pass (i, f, c) contiguous too.
_ORDER = ("o", "i", "f", "c")
_BLOCK = {g: j for j, g in enumerate(_ORDER)}


def init(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    *,
    forget_bias: float = 1.0,
    init: str = "gaussian",
    scale: float | None = None,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """Draw the parameters of an LSTM.

    Input weights ``W_x*`` are N(0, 1/D). Recurrent weights ``W_h*``: ``"gaussian"`` draws entries from
    N(0, scale**2) (default ``scale = 1/sqrt(H)``); ``"orthogonal"`` draws each as a random orthogonal
    matrix times a gain (`scale`, default 1). Biases are zero except the forget gate's, ``b_f =
    forget_bias`` (default 1, as recommended by Gers, Schmidhuber & Cummins 2000 and Jozefowicz,
    Zaremba & Sutskever 2015): with ``f_t = sigmoid(1) = 0.73`` at the start, the cell state is mostly
    kept, so gradients through ``c`` do not vanish before learning has begun.

    Returns:
        The twelve parameters ``W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c``.
    """
    D = check_size("input_size", input_size)
    H = check_size("hidden_size", hidden_size)
    check_rng("rng", rng)
    check_choice("init", init, INITS)
    dtype = check_float_dtype("dtype", dtype)
    if scale is not None:
        scale = check_positive("scale", scale)
    if isinstance(forget_bias, bool) or not isinstance(forget_bias, numbers.Real):
        raise TypeError(f"forget_bias must be a finite real number, got {type(forget_bias).__name__} {forget_bias!r}")
    if not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be a finite real number, got {forget_bias!r}")
    params = {}
    for g in GATES:
        params[f"W_x{g}"] = rng.standard_normal((H, D)) / np.sqrt(D)
        if init == "gaussian":
            params[f"W_h{g}"] = rng.standard_normal((H, H)) * (1.0 / np.sqrt(H) if scale is None else scale)
        else:
            params[f"W_h{g}"] = rnn.orthogonal(H, rng, 1.0 if scale is None else scale)
        params[f"b_{g}"] = np.full(H, float(forget_bias) if g == "f" else 0.0)
    return {k: v.astype(dtype) for k, v in params.items()}


@dataclass(frozen=True)
class LSTMCache:
    """What `backward` needs from `forward`. Built only by `forward`; treat it as opaque.

    Attributes:
        X: (T, B, D) inputs.
        Hs: (T + 1, B, H) states ``h_0 .. h_T`` (``Hs[1:]`` is the returned ``H_all``, a read-only view).
        Cs: (T + 1, B, H) cell states ``c_0 .. c_T``.
        gates: (T, B, 4H) gate values after their nonlinearity, blocks in the order o, i, f, c_tilde.
        tanh_c: (T, B, H) ``tanh(c_t)``.
        W_x: (4H, D) and W_h: (4H, H) the stacked weights (same block order).
    """

    X: np.ndarray
    Hs: np.ndarray
    Cs: np.ndarray
    gates: np.ndarray
    tanh_c: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray


@dataclass(frozen=True)
class LSTMStepCache:
    """What `step_backward` needs from `step`."""

    x_t: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    params: dict[str, np.ndarray]


def _check_inputs(
    X: object, params: object, h0: object, c0: object
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    dims: dict[str, int] = {}
    p = check_params_fast("params", params, _SHAPES, dims=dims)
    X = check_array_fast("X", X, ("T", "B", "D"), dims=dims)
    dtype = np.result_type(X.dtype, p["W_hi"].dtype)
    B, H = X.shape[1], dims["H"]
    states = []
    for name, s in (("h0", h0), ("c0", c0)):
        if s is None:
            states.append(np.zeros((B, H), dtype=dtype))
        else:
            states.append(check_array_fast(name, s, ("B", "H"), dims=dims).astype(dtype, copy=False))
    if dtype != p[next(iter(p))].dtype:  # mixed float32/float64: compute in float64
        p = {k: v.astype(dtype) for k, v in p.items()}
    return X.astype(dtype, copy=False), p, states[0], states[1]


def forward(
    X: np.ndarray,
    params: dict[str, np.ndarray],
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, LSTMCache]:
    """Run the LSTM over a whole sequence.

    Args:
        X: (T, B, D) inputs, time-major.
        params: the twelve parameters (see `init`).
        h0: (B, H) initial hidden state; zeros if None.
        c0: (B, H) initial cell state; zeros if None.

    Returns:
        ``H_all`` (T, B, H), the sequence of ``h_t`` (a view into the cache: do not modify it in place
        before `backward`), and the cache for `backward`. The last cell state is ``cache.Cs[-1]``.
    """
    X, p, h0, c0 = _check_inputs(X, params, h0, c0)
    T, B, D = X.shape
    H = p["W_hi"].shape[0]
    dt = X.dtype
    W_x = np.concatenate([p[f"W_x{g}"] for g in _ORDER])  # (4H, D)
    W_h = np.concatenate([p[f"W_h{g}"] for g in _ORDER])  # (4H, H)
    b = np.concatenate([p[f"b_{g}"] for g in _ORDER])
    # Gate nonlinearities, applied in place with one call for all four gates. Large batches go through
    # exp (see vg.activations.inplace_kernel): sigmoid rows negated, sigmoid(a) = 1 / (1 + exp(-a)),
    # candidate rows doubled, tanh(a) = 1 - 2 / (1 + exp(2a)). Small ones go through np.tanh, which
    # is then cheaper: sigmoid rows halved, sigmoid(a) = 0.5 * tanh(a / 2) + 0.5. Either way the
    # rescaling is exact and folded into the weights.
    use_exp = activations.inplace_kernel("tanh", B * 4 * H)[0] != 1.0
    scale = np.full((4 * H, 1), -1.0 if use_exp else 0.5, dtype=dt)
    scale[3 * H :] = 2.0 if use_exp else 1.0
    W_x_s, W_hT_s, b_s = W_x * scale, (W_h * scale).T, b * scale[:, 0]
    tc_scale, tanh_kernel = activations.inplace_kernel("tanh", B * H)

    gates = np.empty((T, B, 4 * H), dtype=dt)
    Hs = np.empty((T + 1, B, H), dtype=dt)
    Cs = np.empty((T + 1, B, H), dtype=dt)
    tanh_c = np.empty((T, B, H), dtype=dt)
    Hs[0], Cs[0] = h0, c0
    # Per-step views, made once: a list lookup is cheaper than slicing inside the loop, which
    # matters for small networks where the loop's Python overhead dominates.
    o, i, f, c_tilde = (list(gates[:, :, k * H : (k + 1) * H]) for k in range(4))
    sig = list(gates[:, :, : 3 * H])
    z_t, h_t, c_t, tc_t = list(gates), list(Hs), list(Cs), list(tanh_c)
    rec = np.empty((B, 4 * H), dtype=dt)
    tmp = np.empty((B, H), dtype=dt)
    C = rnn._chunk_length(T, B * 4 * H * X.itemsize)  # see vg.rnn.CHUNK_BYTES
    # Positional `out`, 0-d constants of the right dtype and local names: for batch-1 networks
    # NumPy's per-call overhead is the cost, and this form has the least of it.
    dot, add, mul, exp, recip, div, tanh = np.dot, np.add, np.multiply, np.exp, np.reciprocal, np.divide, np.tanh
    half, one, minus_two, tc_s = (np.array(v, dtype=dt) for v in (0.5, 1.0, -2.0, tc_scale))
    with np.errstate(over="ignore"):  # exp overflowing to inf gives the right limits
        for start in range(0, T, C):
            stop = min(T, start + C)
            n = stop - start
            # Input projections of the chunk's steps in one matrix product (the working set stays
            # in cache for the steps that follow).
            Z = gates[start:stop]
            np.dot(X[start:stop].reshape(n * B, D), W_x_s.T, out=Z.reshape(n * B, 4 * H))
            Z += b_s
            for t in range(start, stop):
                z = z_t[t]
                dot(h_t[t], W_hT_s, rec)
                add(z, rec, z)
                ct, s = c_tilde[t], sig[t]
                if use_exp:
                    exp(z, z)
                    add(z, one, z)
                    recip(s, s)  # o, i, f
                    div(minus_two, ct, ct)
                    add(ct, one, ct)  # c_tilde
                else:
                    tanh(z, z)  # c_tilde, and tanh(a / 2) for o, i, f
                    mul(s, half, s)
                    add(s, half, s)
                c = c_t[t + 1]
                mul(f[t], c_t[t], c)  # c = f * c_prev + i * c_tilde
                mul(i[t], ct, tmp)
                add(c, tmp, c)
                tc = tc_t[t]
                if tc_scale == 1.0:
                    tanh(c, tc)
                else:
                    mul(c, tc_s, tc)
                    tanh_kernel(tc)
                mul(o[t], tc, h_t[t + 1])  # h = o * tanh(c)
    cache = LSTMCache(X=X, Hs=Hs, Cs=Cs, gates=gates, tanh_c=tanh_c, W_x=W_x, W_h=W_h)
    return read_only_view(Hs[1:]), cache


def backward(
    dH_all: np.ndarray, cache: LSTMCache, truncate: int | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    r"""Backpropagation through time for the LSTM, optionally truncated.

    ``dH_all[t]`` is $\partial L/\partial h_t$ from outside the recurrence; backward adds the
    recurrent parts through both ``h`` and ``c``: ``dh = dH_all[t] + dh_next``,
    ``dc = dc_next + dh * o_t * (1 - tanh(c_t)**2)``, and ``dc_next = dc * f_t`` for step t - 1.

    ``truncate=k`` follows the same rule as `vg.rnn.backward`: the error injected at step t flows back
    through at most k steps (through ``h`` and ``c`` alike), reaching the immediate terms of steps
    t, ..., t-k+1 only; ``dX`` likewise, and ``dh0``, ``dc0`` receive only from the first k injections
    ``dH_all[0..k-1]``. ``k = 1`` keeps only each step's immediate term; ``k >= T`` or None is full BPTT.

    Args:
        dH_all: (T, B, H) gradient with respect to each ``h_t`` from outside the recurrence.
        cache: the cache returned by `forward`.
        truncate: None (full BPTT) or the window length k >= 1.

    Returns:
        ``grads`` (exactly the twelve parameter names), ``dX`` (T, B, D) and ``(dh0, dc0)``, each (B, H).
    """
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache must be the LSTMCache returned by vg.lstm.forward, got {type(cache).__name__}")
    X, Hs, Cs, gates, tanh_c = cache.X, cache.Hs, cache.Cs, cache.gates, cache.tanh_c
    T, B, D = X.shape
    H = Hs.shape[2]
    dt = X.dtype
    dH_all = check_array_fast("dH_all", dH_all, (T, B, H), dtype=dt)
    k = check_optional_size("truncate", truncate)
    S, reset = (1, False) if k is None or k >= T else (k, True)

    o, i, f, c_tilde = (gates[:, :, k_ * H : (k_ + 1) * H] for k_ in range(4))
    W_h, W_x = cache.W_h, cache.W_x
    # The running gradients: one (B, H) array each for full BPTT; S "slots" (S, B, H) for
    # truncation, slot t % S carrying the error injected at step t. (2-D arrays when S = 1 because
    # NumPy's per-call overhead is about twice as high for 3-D broadcasting; small networks feel it.)
    state_shape = (S, B, H) if reset else (B, H)
    dh = np.zeros(state_shape, dtype=dt)
    dc = np.zeros(state_shape, dtype=dt)
    dh_2d = dh.reshape(-1, H)
    dc_b = dc[..., None, :]
    tmp = np.empty(state_shape, dtype=dt)
    if reset:
        dz_buf = np.empty((S, B, 4 * H), dtype=dt)
    C = rnn._chunk_length(T, B * 4 * H * X.itemsize)  # see vg.rnn.CHUNK_BYTES
    P_buf = np.empty((C, B, 4, H), dtype=dt)
    R_buf = np.empty((C, B, H), dtype=dt)
    dZ_buf = np.empty((C, B, 4 * H), dtype=dt)
    acc: dict[str, np.ndarray] = {}
    dX = np.empty_like(X)
    for stop in range(T, 0, -C):  # chunks of steps [start, stop), latest first
        start = max(0, stop - C)
        n = stop - start
        sl = slice(start, stop)
        # Every factor that does not depend on the incoming gradient, for the chunk's steps at once:
        # dz_o = dh * tanh(c) * o(1-o);  dc += dh * R with R = o * (1 - tanh(c)^2);
        # dz_i = dc * c_tilde * i(1-i);  dz_f = dc * c_prev * f(1-f);  dz_c = dc * i * (1 - c_tilde^2).
        P, R, dZ = P_buf[:n], R_buf[:n], dZ_buf[:n]
        Po, Pi, Pf, Pc = (P[:, :, k_] for k_ in range(4))
        np.subtract(1.0, o[sl], out=Po)
        Po *= o[sl]
        Po *= tanh_c[sl]
        np.subtract(1.0, i[sl], out=Pi)
        Pi *= i[sl]
        Pi *= c_tilde[sl]
        np.subtract(1.0, f[sl], out=Pf)
        Pf *= f[sl]
        Pf *= Cs[sl]
        np.multiply(c_tilde[sl], c_tilde[sl], out=Pc)
        np.subtract(1.0, Pc, out=Pc)
        Pc *= i[sl]
        np.multiply(tanh_c[sl], tanh_c[sl], out=R)
        np.subtract(1.0, R, out=R)
        R *= o[sl]
        # Where each step's dz goes: straight into dZ[j] for full BPTT; for truncation into a buffer
        # whose S slots are then summed into dZ[j]. Per-step views made once: list lookups are
        # cheaper than slicing inside the loop.
        if reset:
            dz4 = dz_buf.reshape(S, B, 4, H)
            dzo_t, dzifc_t = [dz4[:, :, 0]] * n, [dz4[:, :, 1:]] * n
            dz2_t = [dz_buf.reshape(S * B, 4 * H)] * n
        else:  # list(view) makes the per-step views in C, faster than a comprehension
            dZ4 = dZ.reshape(n, B, 4, H)
            dzo_t, dzifc_t, dz2_t = list(dZ4[:, :, 0]), list(dZ4[:, :, 1:]), list(dZ)
        dH_t, dZ_t, f_t, R_t = list(dH_all[sl]), list(dZ), list(f[sl]), list(R)
        Po_t, Pifc_t = list(Po), list(P[:, :, 1:])
        dot, add, mul = np.dot, np.add, np.multiply  # positional `out`: least per-call overhead
        for j in range(n - 1, -1, -1):  # step t = start + j
            if reset:  # the error injected at t + S has travelled its S steps: replace it
                dh[(start + j) % S] = dH_t[j]
                dc[(start + j) % S] = 0.0
            else:
                add(dh, dH_t[j], dh)  # dh = dH_all[t] + dh_next
            mul(dh, Po_t[j], dzo_t[j])
            mul(dh, R_t[j], tmp)
            add(dc, tmp, dc)
            mul(dc_b, Pifc_t[j], dzifc_t[j])
            mul(dc, f_t[j], dc)  # dc_next for step t - 1
            if reset:
                dz_buf.sum(axis=0, out=dZ_t[j])
            dot(dz2_t[j], W_h, dh_2d)  # dh_next for step t - 1
        # The chunk's weight gradients, summed over its steps and the batch in one product each.
        dZ_2d = dZ.reshape(n * B, 4 * H)
        rnn._accumulate(acc, "W_x", dZ_2d.T @ X[sl].reshape(n * B, D))
        rnn._accumulate(acc, "W_h", dZ_2d.T @ Hs[sl].reshape(n * B, H))
        rnn._accumulate(acc, "b", dZ_2d.sum(axis=0))
        np.dot(dZ_2d, W_x, out=dX[sl].reshape(n * B, D))
    dW_x, dW_h, db = acc["W_x"], acc["W_h"], acc["b"]
    grads = {}
    for g in GATES:  # split the stacked gradients (block j of _ORDER holds rows j*H:(j+1)*H)
        j = _BLOCK[g]
        grads[f"W_x{g}"] = dW_x[j * H : (j + 1) * H]
        grads[f"W_h{g}"] = dW_h[j * H : (j + 1) * H]
        grads[f"b_{g}"] = db[j * H : (j + 1) * H]
    if reset:
        dh, dc = dh.sum(axis=0), dc.sum(axis=0)
    return grads, dX, (dh, dc)


def step(
    x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[tuple[np.ndarray, np.ndarray], LSTMStepCache]:
    """One LSTM step, written like the equations (one row per example).

    Args:
        x_t: (B, D) input.
        h_prev: (B, H) previous hidden state.
        c_prev: (B, H) previous cell state.
        params: the twelve parameters.

    Returns:
        ``(h, c)``, each (B, H), and a cache for `step_backward`.
    """
    dims: dict[str, int] = {}
    p = check_params_fast("params", params, _SHAPES, dims=dims)
    x_t = check_array_fast("x_t", x_t, ("B", "D"), dims=dims)
    h_prev = check_array_fast("h_prev", h_prev, ("B", "H"), dims=dims)
    c_prev = check_array_fast("c_prev", c_prev, ("B", "H"), dims=dims)

    i = sigmoid(x_t @ p["W_xi"].T + h_prev @ p["W_hi"].T + p["b_i"])  # input gate
    f = sigmoid(x_t @ p["W_xf"].T + h_prev @ p["W_hf"].T + p["b_f"])  # forget gate
    o = sigmoid(x_t @ p["W_xo"].T + h_prev @ p["W_ho"].T + p["b_o"])  # output gate
    c_tilde = np.tanh(x_t @ p["W_xc"].T + h_prev @ p["W_hc"].T + p["b_c"])  # candidate
    c = f * c_prev + i * c_tilde
    h = o * np.tanh(c)
    cache = LSTMStepCache(x_t, h_prev, c_prev, i, f, o, c_tilde, c, p)
    return (h, c), cache


def step_backward(
    dh: np.ndarray, dc: np.ndarray, step_cache: LSTMStepCache
) -> tuple[dict[str, np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Backward pass of one `step`.

    Args:
        dh: (B, H) total gradient with respect to this step's ``h``.
        dc: (B, H) gradient with respect to this step's ``c`` from the next step (``dc_next``).
        step_cache: the cache returned by `step`.

    Returns:
        ``grads`` (this step's immediate contributions), ``dx_t`` (B, D), ``(dh_prev, dc_prev)``.
    """
    if not isinstance(step_cache, LSTMStepCache):
        raise TypeError(
            f"step_cache must be the LSTMStepCache returned by vg.lstm.step, got {type(step_cache).__name__}"
        )
    s = step_cache
    dh = check_array_fast("dh", dh, s.c.shape, dtype=s.c.dtype)
    dc = check_array_fast("dc", dc, s.c.shape, dtype=s.c.dtype)
    p = s.params
    tanh_c = np.tanh(s.c)

    do = dh * tanh_c  # h = o * tanh(c)
    dc = dc + dh * s.o * (1.0 - tanh_c**2)
    df = dc * s.c_prev  # c = f * c_prev + i * c_tilde
    di = dc * s.c_tilde
    dc_tilde = dc * s.i
    dc_prev = dc * s.f
    da = {  # through the nonlinearities, to each gate's pre-activation
        "i": di * s.i * (1.0 - s.i),
        "f": df * s.f * (1.0 - s.f),
        "o": do * s.o * (1.0 - s.o),
        "c": dc_tilde * (1.0 - s.c_tilde**2),
    }
    grads = {}
    dx_t = np.zeros_like(s.x_t)
    dh_prev = np.zeros_like(s.h_prev)
    for g in GATES:
        grads[f"W_x{g}"] = da[g].T @ s.x_t
        grads[f"W_h{g}"] = da[g].T @ s.h_prev
        grads[f"b_{g}"] = da[g].sum(axis=0)
        dx_t += da[g] @ p[f"W_x{g}"]
        dh_prev += da[g] @ p[f"W_h{g}"]
    return grads, dx_t, (dh_prev, dc_prev)
