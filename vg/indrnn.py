r"""The independently recurrent neural network, IndRNN (Li, Li, Cook, Zhu & Gao 2018).

Each unit sees only its own previous state, through one recurrent *weight per unit* instead of a matrix:

$$
    a_t = W_x x_t + u \odot h_{t-1} + b, \qquad h_t = \phi(a_t),
$$

in batched code ``a = x_t @ W_x.T + u * h_prev + b``. The one-step Jacobian is diagonal,

$$
    \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\big(\phi'(a_t) \odot u\big),
$$

so the gradient that unit n carries d steps back is the scalar product of d factors
``phi'(a_{j,n}) * u_n``: with ReLU, ``u_n**d`` while the unit stays active and 0 once it is off.
Bounding ``|u_n|`` bounds that product, which is how the paper controls vanishing and exploding.
Units of one layer interact only through the next layer (stacking), not through time.

Shapes: ``W_x`` (H, D), ``u`` (H,), ``b`` (H,); inputs ``X`` (T, B, D); ``H_all`` (T, B, H).
Same verbs as `vg.rnn`: `init`, `forward`, `backward`, `step`, `step_backward`; the activation is an
argument of `forward`/`step` (``"relu"`` by default, as in the paper) and the cache remembers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg import activations
from vg._checks import (
    check_array,
    check_choice,
    check_float_dtype,
    check_params,
    check_positive,
    check_rng,
    check_size,
    read_only_view,
)

__all__ = [
    "PARAM_NAMES",
    "STATES",
    "IndRNNCache",
    "IndRNNStepCache",
    "backward",
    "forward",
    "init",
    "jacobian_diagonals",
    "step",
    "step_backward",
]

PARAM_NAMES = ("W_x", "u", "b")
STATES = ("h",)  # the recurrent state, in the order step takes and returns it (see vg.bptt)
_SHAPES = {"W_x": ("H", "D"), "u": ("H",), "b": ("H",)}


def init(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    *,
    u_min: float = 0.0,
    u_max: float = 1.0,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """Draw the parameters: ``W_x`` entries N(0, 1/D), ``u`` uniform on [u_min, u_max], ``b = 0``.

    ``u_max`` bounds every unit's per-step gradient factor ``|phi'(a) u_n|`` by ``gamma * u_max``
    (gamma = 1 for ReLU); the range is this module's default, not a prescription of the paper.

    Returns:
        ``{"W_x": (H, D), "u": (H,), "b": (H,)}``.
    """
    D = check_size("input_size", input_size)
    H = check_size("hidden_size", hidden_size)
    check_rng("rng", rng)
    dtype = check_float_dtype("dtype", dtype)
    u_max = check_positive("u_max", u_max)
    u_min = check_positive("u_min", u_min, allow_zero=True)
    if u_min > u_max:
        raise ValueError(f"u_min must be <= u_max, got u_min={u_min} and u_max={u_max}")
    W_x = rng.standard_normal((H, D)) / np.sqrt(D)  # variance 1/D keeps W_x x_t of order one
    u = rng.uniform(u_min, u_max, H)
    return {"W_x": W_x.astype(dtype), "u": u.astype(dtype), "b": np.zeros(H, dtype=dtype)}


@dataclass(frozen=True)
class IndRNNCache:
    """What `backward` needs from `forward`: inputs, states ``Hs`` (T + 1, B, H) = h_0 .. h_T, params."""

    X: np.ndarray
    Hs: np.ndarray
    params: dict[str, np.ndarray]
    activation: str


@dataclass(frozen=True)
class IndRNNStepCache:
    """What `step_backward` needs from `step`."""

    x_t: np.ndarray
    h_prev: np.ndarray
    h: np.ndarray
    params: dict[str, np.ndarray]
    activation: str


def _check(params: object, activation: str, arrays: dict[str, tuple[object, tuple[str, ...]]]):
    check_choice("activation", activation, activations.ACTIVATIONS)
    dims: dict[str, int] = {}
    p = check_params("params", params, _SHAPES, dims=dims)
    dtype = p["u"].dtype
    out = {  # only the initial state may be omitted; a missing X, x_t or h_prev is an error
        name: None if x is None and name == "h0" else check_array(name, x, shape, dims=dims)
        for name, (x, shape) in arrays.items()
    }
    for x in out.values():  # mixed float32/float64: compute in float64
        if x is not None:
            dtype = np.result_type(dtype, x.dtype)
    p = {k: v.astype(dtype, copy=False) for k, v in p.items()}
    return p, {k: None if x is None else x.astype(dtype, copy=False) for k, x in out.items()}


def forward(
    X: np.ndarray, params: dict[str, np.ndarray], h0: np.ndarray | None = None, activation: str = "relu"
) -> tuple[np.ndarray, IndRNNCache]:
    """Run the IndRNN over a sequence.

    Args:
        X: (T, B, D) inputs, time-major.
        params: ``{"W_x": (H, D), "u": (H,), "b": (H,)}``.
        h0: (B, H) initial state; zeros if None.
        activation: ``"relu"`` (default), ``"tanh"``, ``"sigmoid"`` or ``"identity"``.

    Returns:
        ``H_all`` (T, B, H), a read-only view into the cache, and the cache for `backward`.
    """
    p, a = _check(params, activation, {"X": (X, ("T", "B", "D")), "h0": (h0, ("B", "H"))})
    X = a["X"]
    T, B, _ = X.shape
    phi = activations.ACTIVATIONS[activation].fn
    Hs = np.zeros((T + 1, B, p["u"].shape[0]), dtype=X.dtype)
    if a["h0"] is not None:
        Hs[0] = a["h0"]
    Hs[1:] = X @ p["W_x"].T + p["b"]  # all input projections in one product
    for t in range(1, T + 1):  # only the elementwise recurrence is sequential
        Hs[t] = phi(Hs[t] + p["u"] * Hs[t - 1])
    return read_only_view(Hs[1:]), IndRNNCache(X=X, Hs=Hs, params=p, activation=activation)


def jacobian_diagonals(cache: IndRNNCache) -> np.ndarray:
    """The diagonals ``phi'(a_t) * u`` of the step Jacobians dh_t/dh_{t-1}, t = 1..T: (T, B, H)."""
    if not isinstance(cache, IndRNNCache):
        raise TypeError(f"cache must be the IndRNNCache returned by vg.indrnn.forward, got {type(cache).__name__}")
    return activations.ACTIVATIONS[cache.activation].grad(cache.Hs[1:]) * cache.params["u"]


def backward(dH_all: np.ndarray, cache: IndRNNCache) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time: ``da = (dH_all[t] + dh_next) * phi'(a_t)``, ``dh_next = da * u``.

    Args:
        dH_all: (T, B, H) dL/dh_t from outside the recurrence (e.g. a readout).
        cache: from `forward`.

    Returns:
        ``grads`` (the keys of `params`), ``dX`` (T, B, D) and ``dh0`` (B, H).
    """
    if not isinstance(cache, IndRNNCache):
        raise TypeError(f"cache must be the IndRNNCache returned by vg.indrnn.forward, got {type(cache).__name__}")
    c = cache
    dH_all = check_array("dH_all", dH_all, c.Hs[1:].shape, dtype=c.X.dtype)
    Dphi = activations.ACTIVATIONS[c.activation].grad(c.Hs[1:])  # phi'(a_t) from the stored h_t
    u = c.params["u"]
    dA = np.empty_like(dH_all)
    dh_next = np.zeros_like(dH_all[0])
    for t in range(dH_all.shape[0] - 1, -1, -1):
        dA[t] = (dH_all[t] + dh_next) * Dphi[t]
        dh_next = dA[t] * u  # diagonal Jacobian: no matrix product through time
    D = c.X.shape[2]
    dA_2d = dA.reshape(-1, u.shape[0])
    grads = {
        "W_x": dA_2d.T @ c.X.reshape(-1, D),
        "u": np.sum(dA * c.Hs[:-1], axis=(0, 1)),  # a_t uses u through u * h_{t-1}
        "b": dA_2d.sum(axis=0),
    }
    return grads, dA @ c.params["W_x"], dh_next


def step(
    x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray], activation: str = "relu"
) -> tuple[np.ndarray, IndRNNStepCache]:
    """One step, ``h = phi(W_x x_t + u * h_prev + b)``, one row per example: ``h`` (B, H) and a cache."""
    p, a = _check(params, activation, {"x_t": (x_t, ("B", "D")), "h_prev": (h_prev, ("B", "H"))})
    x_t, h_prev = a["x_t"], a["h_prev"]
    h = activations.ACTIVATIONS[activation].fn(x_t @ p["W_x"].T + p["u"] * h_prev + p["b"])
    return h, IndRNNStepCache(x_t=x_t, h_prev=h_prev, h=h, params=p, activation=activation)


def step_backward(
    dh: np.ndarray, step_cache: IndRNNStepCache
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backward pass of one `step`: ``grads`` (this step's immediate terms), ``dx_t`` and ``dh_prev``."""
    if not isinstance(step_cache, IndRNNStepCache):
        raise TypeError(
            f"step_cache must be the IndRNNStepCache returned by vg.indrnn.step, got {type(step_cache).__name__}"
        )
    s = step_cache
    dh = check_array("dh", dh, s.h.shape, dtype=s.h.dtype)
    da = dh * activations.ACTIVATIONS[s.activation].grad(s.h)
    grads = {"W_x": da.T @ s.x_t, "u": np.sum(da * s.h_prev, axis=0), "b": da.sum(axis=0)}
    return grads, da @ s.params["W_x"], da * s.params["u"]
