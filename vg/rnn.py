r"""The vanilla (Elman) RNN cell and backpropagation through time.

The cell, with column vectors as on the pages:

$$
    a_t = W_h h_{t-1} + W_x x_t + b, \qquad h_t = \phi(a_t),
$$

and in batched code, one row per example: ``a = h_prev @ W_h.T + x_t @ W_x.T + b``, ``h = phi(a)``.

Shapes: T time steps, B batch, D input size, H hidden size. Parameters ``W_x`` (H, D), ``W_h`` (H, H),
``b`` (H,); inputs ``X`` (T, B, D); hidden states ``H_all`` (T, B, H), ``H_all[t]`` being ``h_t``.

Four verbs, the same in `vg.lstm` and `vg.gru`:

- `init` draws parameters;
- `forward` runs a whole sequence and returns a cache for
- `backward`, which is backpropagation through time (optionally truncated);
- `step` is one time step written like the equation, for reading and for pages. `step_backward` is its
  backward pass, equally literal.

`forward` and `backward` validate their arguments and hand the sequence to `vg._fast.rnn`, where the
speed work lives (input projections of many steps in one product, buffers written in place, weight
gradients summed per chunk of steps, the activation applied through ``exp``): kept apart so that this
module reads like the maths. The tests check the fast path against loops over `step` and
`step_backward` and against finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg import activations
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
from vg._fast import CHUNK_BYTES  # caps a backward chunk's per-step gradient; the pages cite it
from vg._fast import rnn as engine

__all__ = [
    "CHUNK_BYTES",
    "INITS",
    "PARAM_NAMES",
    "STATES",
    "RNNCache",
    "RNNStepCache",
    "backward",
    "forward",
    "init",
    "orthogonal",
    "param_shapes",
    "step",
    "step_backward",
]

PARAM_NAMES = ("W_x", "W_h", "b")
STATES = ("h",)  # the recurrent state, in the order step takes and returns it (see vg.bptt)
INITS = ("gaussian", "orthogonal", "identity")

# Shape letters of each parameter; `check_params` binds H and D and checks they agree everywhere.
_SHAPES = {"W_x": ("H", "D"), "W_h": ("H", "H"), "b": ("H",)}


def param_shapes(input_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter: ``{"W_x": (H, D), "W_h": (H, H), "b": (H,)}``."""
    D = check_size("input_size", input_size)
    H = check_size("hidden_size", hidden_size)
    return {"W_x": (H, D), "W_h": (H, H), "b": (H,)}


def orthogonal(n: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """A random (n, n) orthogonal matrix times `gain`, uniformly distributed (Haar measure).

    QR-decompose a standard Gaussian matrix and flip the signs of Q's columns so that R has a positive
    diagonal; without that sign fix the distribution of Q is not uniform (Mezzadri 2007).
    """
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return gain * q * np.sign(np.diag(r))


def init(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    *,
    init: str = "gaussian",
    scale: float | None = None,
    spectral_radius: float | None = None,
    sigma_max: float | None = None,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """Draw the parameters of a vanilla RNN.

    ``W_x`` has entries drawn from N(0, 1/D) (variance 1/D keeps ``W_x x_t`` of order one), except for the
    identity scheme; ``b`` is zero. ``W_h`` depends on `init`:

    - ``"gaussian"``: entries N(0, scale**2), with ``scale = 1/sqrt(H)`` by default. For large H the
      eigenvalues of such a matrix fill the disc of radius ``scale * sqrt(H)`` (the circular law), so the
      default has spectral radius close to 1.
    - ``"orthogonal"``: ``gain * Q`` with Q a uniformly random orthogonal matrix (Saxe, McClelland &
      Ganguli 2013): every singular value equals the gain, so no direction is stretched or shrunk by
      ``W_h`` itself. Here `scale` is the gain (default 1).
    - ``"identity"``: the IRNN of Le, Jaitly & Hinton (2015), meant for ``activation="relu"``:
      ``W_h = gain * I`` (`scale` is the gain, default 1), ``b = 0`` and small input weights
      (standard deviation 0.001), so that at the start the hidden state simply accumulates its input.

    Then, optionally, ``W_h`` is rescaled (after it was drawn, so this overrides `scale`) to a target
    `spectral_radius` (largest ``|eigenvalue|``) or `sigma_max` (largest singular value, the 2-norm);
    give at most one of the two. The two differ for non-normal matrices: the spectral radius governs
    the long-run growth of ``W_h**k``, the largest singular value bounds every single step.

    Args:
        input_size: D, at least 1.
        hidden_size: H, at least 1.
        rng: the random generator (we never use NumPy's global random state).
        init: ``"gaussian"``, ``"orthogonal"`` or ``"identity"``.
        scale: standard deviation (gaussian) or gain (orthogonal, identity) of ``W_h``.
        spectral_radius: if given, rescale ``W_h`` to this spectral radius (> 0).
        sigma_max: if given, rescale ``W_h`` to this largest singular value (> 0).
        dtype: ``np.float64`` (default) or ``np.float32``.

    Returns:
        ``{"W_x": (H, D), "W_h": (H, H), "b": (H,)}``.
    """
    shapes = param_shapes(input_size, hidden_size)
    H, D = shapes["W_x"]
    check_rng("rng", rng)
    check_choice("init", init, INITS)
    dtype = check_float_dtype("dtype", dtype)
    if scale is not None:
        scale = check_positive("scale", scale)
    if spectral_radius is not None and sigma_max is not None:
        raise ValueError(
            "give at most one of spectral_radius and sigma_max, "
            f"got spectral_radius={spectral_radius!r} and sigma_max={sigma_max!r}"
        )

    if init == "gaussian":
        W_x = rng.standard_normal((H, D)) / np.sqrt(D)
        W_h = rng.standard_normal((H, H)) * (1.0 / np.sqrt(H) if scale is None else scale)
    elif init == "orthogonal":
        W_x = rng.standard_normal((H, D)) / np.sqrt(D)
        W_h = orthogonal(H, rng, 1.0 if scale is None else scale)
    else:  # identity
        W_x = rng.standard_normal((H, D)) * 1e-3
        W_h = np.eye(H) * (1.0 if scale is None else scale)

    if spectral_radius is not None:
        target = check_positive("spectral_radius", spectral_radius)
        # (imported here: vg.analysis imports vg.rnn for RNNCache, so a top-level import is circular)
        from vg.analysis import spectral_radius as radius

        W_h = W_h * (target / radius(W_h))
    elif sigma_max is not None:
        target = check_positive("sigma_max", sigma_max)
        W_h = W_h * (target / np.linalg.norm(W_h, 2))
    return {"W_x": W_x.astype(dtype), "W_h": W_h.astype(dtype), "b": np.zeros(H, dtype=dtype)}


@dataclass(frozen=True)
class RNNCache:
    """What `backward` needs from `forward`. Built only by `forward`; treat it as opaque.

    Attributes:
        X: (T, B, D) the inputs.
        Hs: (T + 1, B, H) the states ``h_0 .. h_T`` in the maths' numbering: ``Hs[0]`` is the initial
            state and ``Hs[1:]`` is the ``H_all`` that `forward` returned (a read-only view, not a copy).
        params: the checked parameters.
        activation: the activation's name.
    """

    X: np.ndarray
    Hs: np.ndarray
    params: dict[str, np.ndarray]
    activation: str


@dataclass(frozen=True)
class RNNStepCache:
    """What `step_backward` needs from `step`: the step's input, previous and new state, parameters."""

    x_t: np.ndarray
    h_prev: np.ndarray
    h: np.ndarray
    params: dict[str, np.ndarray]
    activation: str


def _check_inputs(
    X: object, params: object, h0: object, activation: str
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
    """Validate forward's arguments; return X, params and h0 as arrays of one common float dtype."""
    check_choice("activation", activation, activations.ACTIVATIONS)
    dims: dict[str, int] = {}
    p = check_params_fast("params", params, _SHAPES, dims=dims)
    X = check_array_fast("X", X, ("T", "B", "D"), dims=dims)
    if h0 is not None:
        h0 = check_array_fast("h0", h0, ("B", "H"), dims=dims)
    dtype = np.result_type(X.dtype, p["W_h"].dtype)
    if h0 is not None:
        h0 = h0.astype(dtype, copy=False)
    if dtype != p[next(iter(p))].dtype:  # mixed float32/float64: compute in float64
        p = {k: v.astype(dtype) for k, v in p.items()}
    return X.astype(dtype, copy=False), p, h0


def forward(
    X: np.ndarray,
    params: dict[str, np.ndarray],
    h0: np.ndarray | None = None,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNCache]:
    """Run the RNN over a whole sequence.

    Args:
        X: (T, B, D) inputs, time-major.
        params: ``{"W_x": (H, D), "W_h": (H, H), "b": (H,)}``.
        h0: (B, H) initial state; zeros if None.
        activation: ``"tanh"`` (default), ``"sigmoid"``, ``"relu"`` or ``"identity"``.

    Returns:
        ``H_all`` (T, B, H), with ``H_all[t]`` the state after reading ``X[t]``, and the cache for
        `backward`. ``H_all`` is a view into the cache: do not modify it in place before `backward`.
        float32 inputs and parameters give float32 results; any float64 makes everything float64.
    """
    X, p, h0 = _check_inputs(X, params, h0, activation)
    Hs = engine.forward(X, p, h0, activation)
    return read_only_view(Hs[1:]), RNNCache(X=X, Hs=Hs, params=p, activation=activation)


def backward(
    dH_all: np.ndarray, cache: RNNCache, truncate: int | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    r"""Backpropagation through time, optionally truncated.

    ``dH_all[t]`` is $\partial L / \partial h_t$ coming from *outside* the recurrence (e.g. from a
    readout at step t); the recurrent part is added here, one step at a time, as
    ``dh = dH_all[t] + dh_next``, ``da = dh * phi'(a_t)``, ``dh_next = da @ W_h``.

    Truncation (``truncate=k``): the error injected at step t, ``dH_all[t]``, flows back through at most
    k steps. It reaches the immediate ($\partial^+$) terms of steps t, t-1, ..., t-k+1 and nothing
    earlier, so what is returned instead of the full gradient is

    $$
        \Big(\frac{\partial L}{\partial W}\Big)_{\!k} = \sum_t \sum_{j=\max(0,\,t-k+1)}^{t}
        \Big(\frac{\partial^+ h_j}{\partial W}\Big)^{\!\top}
        \Big(\prod_{m=j+1}^{t} \frac{\partial h_m}{\partial h_{m-1}}\Big)^{\!\top}
        \frac{\partial L}{\partial h_t}\Big|_{\text{outside}}
    $$

    (steps numbered from 0 as in the arrays; the product is the identity when j = t). The same rule
    applies to ``dX`` (``dX[j]`` receives only from the injections at t = j, ..., j+k-1) and to
    ``dh0``, which receives only from ``dH_all[0..k-1]``. ``k = 1`` keeps only the immediate terms,
    with no recurrent Jacobian at all; ``k >= T`` (or None, the default) is full BPTT. Truncation bounds
    how far an error travels: no term passes through more than k - 1 step Jacobians
    $\partial h_m / \partial h_{m-1}$, so no term can grow like a product of more than k - 1 of
    them; the price is that dependencies longer than k steps get no gradient at all. It costs about k
    times the recurrent products of full BPTT, since k errors are in flight at once.

    Args:
        dH_all: (T, B, H) gradient of the loss with respect to each ``h_t``, from outside the recurrence.
        cache: the cache returned by `forward`.
        truncate: None (full BPTT) or the window length k >= 1.

    Returns:
        ``grads`` (the keys and shapes of ``params``), ``dX`` (T, B, D) and ``dh0`` (B, H).
    """
    if not isinstance(cache, RNNCache):
        raise TypeError(f"cache must be the RNNCache returned by vg.rnn.forward, got {type(cache).__name__}")
    T, B, _ = cache.X.shape
    dH_all = check_array_fast("dH_all", dH_all, (T, B, cache.Hs.shape[2]), dtype=cache.X.dtype)
    k = check_optional_size("truncate", truncate)
    return engine.backward(dH_all, cache.X, cache.Hs, cache.params, cache.activation, k)

def step(
    x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray], activation: str = "tanh"
) -> tuple[np.ndarray, RNNStepCache]:
    """One time step, ``h = phi(W_h h_prev + W_x x_t + b)`` with one row per example.

    Args:
        x_t: (B, D) input at this step.
        h_prev: (B, H) previous state.
        params: as for `forward`.
        activation: as for `forward`.

    Returns:
        ``h`` (B, H) and a cache for `step_backward`.
    """
    check_choice("activation", activation, activations.ACTIVATIONS)
    dims: dict[str, int] = {}
    p = check_params_fast("params", params, _SHAPES, dims=dims)
    x_t = check_array_fast("x_t", x_t, ("B", "D"), dims=dims)
    h_prev = check_array_fast("h_prev", h_prev, ("B", "H"), dims=dims)
    W_x, W_h, b = p["W_x"], p["W_h"], p["b"]
    phi = activations.ACTIVATIONS[activation].fn

    a = h_prev @ W_h.T + x_t @ W_x.T + b
    h = phi(a)
    return h, RNNStepCache(x_t=x_t, h_prev=h_prev, h=h, params=p, activation=activation)


def step_backward(dh: np.ndarray, step_cache: RNNStepCache) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backward pass of one `step`: from ``dh`` = dL/dh (B, H) to the step's immediate gradients.

    Returns:
        ``grads`` (this step's immediate contribution to each parameter's gradient), ``dx_t`` (B, D)
        and ``dh_prev`` (B, H).
    """
    if not isinstance(step_cache, RNNStepCache):
        raise TypeError(f"step_cache must be the RNNStepCache returned by vg.rnn.step, got {type(step_cache).__name__}")
    c = step_cache
    dh = check_array_fast("dh", dh, c.h.shape, dtype=c.h.dtype)
    W_x, W_h = c.params["W_x"], c.params["W_h"]
    phi_grad = activations.ACTIVATIONS[c.activation].grad

    da = dh * phi_grad(c.h)  # through h = phi(a)
    grads = {"W_x": da.T @ c.x_t, "W_h": da.T @ c.h_prev, "b": da.sum(axis=0)}
    dx_t = da @ W_x
    dh_prev = da @ W_h
    return grads, dx_t, dh_prev
