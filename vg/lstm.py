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
`forward` and `backward` validate their arguments and hand the sequence to `vg._fast.lstm`, where the
speed work lives (the four gates stacked into one matrix so that a time step needs one matrix product,
buffers written in place, the gates applied through ``exp``, weight gradients summed per chunk of
steps): kept apart so that this module reads like the maths. ``params`` and ``grads`` always use the
separate names.
"""

from __future__ import annotations

import numbers
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
from vg._fast import lstm as engine
from vg.activations import sigmoid

__all__ = [
    "GATES",
    "INITS",
    "PARAM_NAMES",
    "STATES",
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
STATES = ("h", "c")  # the recurrent state, in the order step takes and returns it (see vg.bptt)
INITS = ("gaussian", "orthogonal")

_SHAPES = {
    name: shape for g in GATES for name, shape in ((f"W_x{g}", ("H", "D")), (f"W_h{g}", ("H", "H")), (f"b_{g}", ("H",)))
}


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
    Hs, Cs, gates, tanh_c, W_x, W_h = engine.forward(X, p, h0, c0)
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
    T, B, _ = cache.X.shape
    dH_all = check_array_fast("dH_all", dH_all, (T, B, cache.Hs.shape[2]), dtype=cache.X.dtype)
    k = check_optional_size("truncate", truncate)
    c = cache
    return engine.backward(dH_all, c.X, c.Hs, c.Cs, c.gates, c.tanh_c, c.W_x, c.W_h, k)

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
