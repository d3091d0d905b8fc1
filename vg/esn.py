r"""Echo state networks: a fixed random reservoir and a readout trained by ridge regression.

An echo state network (Jaeger 2001) is a vanilla RNN whose recurrent and input weights are drawn
once and never trained. The reservoir is exactly the cell of `vg.rnn`, with the same parameter
names, $h_t = \phi(W_h h_{t-1} + W_x x_t + b)$, and only a linear readout ``z_t = W_y h_t + b_y`` is
fitted, in closed form, to targets. No gradient ever travels back through time, so nothing can
vanish or explode during training; what the network can remember is fixed by the reservoir, chiefly
by the spectral radius of ``W_h``.

Shapes: T time steps, B batch, D input size, N reservoir size (the H of the other modules),
O outputs. Inputs ``U`` (T, B, D), states (T, B, N), targets (T, B, O). Parameters ``W_x`` (N, D),
``W_h`` (N, N), ``b`` (N,); readout ``W_y`` (O, N), ``b_y`` (O,). `memory_capacity` measures
Jaeger's (2002) short-term memory capacity; `linear_memory_curve` is its exact value for a linear
reservoir.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from vg import analysis, readout, rnn, tasks
from vg._checks import (
    check_array,
    check_choice,
    check_float_dtype,
    check_optional_size,
    check_params,
    check_positive,
    check_rng,
    check_size,
)

__all__ = [
    "MemoryCurve",
    "fit_readout",
    "init",
    "linear_memory_curve",
    "memory_capacity",
    "predict",
    "run",
]

_SHAPES = {"W_x": ("N", "D"), "W_h": ("N", "N"), "b": ("N",)}
_ACTIVATIONS = ("tanh", "identity")
# How far below 1 a computed spectral radius must be for `linear_memory_curve` (see there).
RHO_MARGIN = 1e-9


def init(
    input_size: int,
    reservoir_size: int,
    rng: np.random.Generator,
    *,
    spectral_radius: float = 0.9,
    input_scale: float = 1.0,
    density: float = 1.0,
    bias_scale: float = 0.0,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """Draw a random reservoir.

    ``W_h``: standard Gaussian entries, each kept with probability `density` (sparse reservoirs are
    customary and cheaper, not essential), then rescaled so that its largest absolute eigenvalue is
    exactly `spectral_radius`. ``W_x``: entries uniform on ``[-input_scale, input_scale]``. ``b``:
    entries uniform on ``[-bias_scale, bias_scale]`` (zero by default). A spectral radius below 1 is
    the usual recipe for the echo state property: a heuristic, not a guarantee (see the docs page).

    Args:
        input_size: D, at least 1.
        reservoir_size: N, at least 1.
        rng: the random generator.
        spectral_radius: target largest ``|eigenvalue|`` of ``W_h``, >= 0 (0 gives ``W_h = 0``).
        input_scale: half-width of the uniform distribution of ``W_x``, > 0.
        density: fraction of nonzero entries of ``W_h``, in (0, 1].
        bias_scale: half-width of the uniform distribution of ``b``, >= 0.
        dtype: ``np.float64`` (default) or ``np.float32``.

    Returns:
        ``{"W_x": (N, D), "W_h": (N, N), "b": (N,)}``, the parameter dict of `vg.rnn`.
    """
    D = check_size("input_size", input_size)
    N = check_size("reservoir_size", reservoir_size)
    check_rng("rng", rng)
    rho = check_positive("spectral_radius", spectral_radius, allow_zero=True)
    input_scale = check_positive("input_scale", input_scale)
    density = check_positive("density", density)
    if density > 1.0:
        raise ValueError(f"density must be in (0, 1], got {density}")
    bias_scale = check_positive("bias_scale", bias_scale, allow_zero=True)
    dtype = check_float_dtype("dtype", dtype)

    W_h = rng.standard_normal((N, N))
    if density < 1.0:
        W_h *= rng.random((N, N)) < density
    W_x = rng.uniform(-input_scale, input_scale, size=(N, D))
    b = rng.uniform(-bias_scale, bias_scale, size=N) if bias_scale > 0 else np.zeros(N)
    current = analysis.spectral_radius(W_h)
    if rho > 0:
        if current < 1e-12:
            raise ValueError(
                f"density={density} gave a reservoir with spectral radius {current:.1e} (too "
                f"few nonzero entries for reservoir_size={N}); it cannot be rescaled: raise density"
            )
        W_h *= rho / current
    else:
        W_h[:] = 0.0
    return {"W_x": W_x.astype(dtype), "W_h": W_h.astype(dtype), "b": b.astype(dtype)}


def run(
    U: np.ndarray,
    params: dict[str, np.ndarray],
    washout: int = 0,
    h0: np.ndarray | None = None,
    activation: str = "tanh",
) -> np.ndarray:
    """Drive the reservoir with `U` and return its states after the first `washout` steps.

    The first steps depend on the arbitrary initial state `h0`; with the echo state property their
    influence fades, and the washout discards them.

    Args:
        U: (T, B, D) inputs, time-major.
        params: ``{"W_x": (N, D), "W_h": (N, N), "b": (N,)}`` from `init` (or `vg.rnn.init`).
        washout: number of initial steps to drop, 0 <= washout < T.
        h0: (B, N) initial state; zeros if None.
        activation: ``"tanh"`` (default) or ``"identity"`` (a linear reservoir).

    Returns:
        states (T - washout, B, N): ``h_t`` for ``t = washout, ..., T - 1`` (a new array).
    """
    check_choice("activation", activation, _ACTIVATIONS)
    p = check_params("params", params, _SHAPES)
    U = check_array("U", U, ("T", "B", p["W_x"].shape[1]))
    washout = check_size("washout", washout, minimum=0)
    if washout >= U.shape[0]:
        raise ValueError(f"washout must be < T = {U.shape[0]} (the length of U), got {washout}")
    H_all, _ = rnn.forward(U, p, h0=h0, activation=activation)
    return H_all[washout:].copy()


def fit_readout(
    states: np.ndarray, targets: np.ndarray, ridge: float = 1e-8
) -> dict[str, np.ndarray]:
    r"""Fit the linear readout ``z_t = W_y h_t + b_y`` by ridge regression, in closed form.

    Minimises $\sum_{t,b} \lVert y_t - W_y h_t - b_y \rVert^2 + \lambda \lVert W_y \rVert_F^2$ over
    all T * B rows, with the bias ``b_y`` not penalised. Centring the states and targets removes the bias; the
    normal equations $(\bar S^\top \bar S + \lambda I) W_y^\top = \bar S^\top \bar Y$ are
    then solved with `np.linalg.solve` (never an explicit inverse), and
    ``b_y = mean(y) - W_y mean(h)``.

    Args:
        states: (T, B, N) reservoir states (after the washout).
        targets: (T, B, O) what the readout should output at each step.
        ridge: lambda >= 0. With 0 this is ordinary least squares (``S^T S`` must be nonsingular).

    Returns:
        ``{"W_y": (O, N), "b_y": (O,)}``, the parameter dict of `vg.readout`.
    """
    dims: dict[str, int] = {}
    states = check_array("states", states, ("T", "B", "N"), dims=dims)
    targets = check_array("targets", targets, ("T", "B", "O"), dims=dims)
    lam = check_positive("ridge", ridge, allow_zero=True)
    N = states.shape[2]
    O = targets.shape[2]
    S = states.reshape(-1, N).astype(np.float64)
    Y = targets.reshape(-1, O).astype(np.float64)
    s_mean, y_mean = S.mean(axis=0), Y.mean(axis=0)
    S_c, Y_c = S - s_mean, Y - y_mean
    with np.errstate(over="ignore", invalid="ignore"):
        G = S_c.T @ S_c
    if not np.all(np.isfinite(G)):
        raise ValueError(
            f"states are too large to fit a readout (largest |entry| {np.max(np.abs(S)):.3g}): "
            "did the reservoir diverge (a linear reservoir with spectral radius >= 1)?"
        )
    G[np.diag_indices(N)] += lam
    try:
        W_yT = np.linalg.solve(G, S_c.T @ Y_c)
    except np.linalg.LinAlgError as err:
        raise ValueError(
            f"the normal equations are singular with ridge={lam} (states of rank < N = {N}, e.g. "
            f"fewer rows than units or a unit that never varies); use ridge > 0"
        ) from err
    W_y = W_yT.T
    return {"W_y": W_y, "b_y": y_mean - W_y @ s_mean}


def predict(states: np.ndarray, readout_params: dict[str, np.ndarray]) -> np.ndarray:
    """Apply a fitted readout to states (T, B, N) and return the outputs (T, B, O)."""
    ndim = np.ndim(states) if isinstance(states, (np.ndarray, list, tuple)) else None
    if ndim != 3:
        check_array("states", states, ("T", "B", "N"))  # raises the precise error
    Z, _ = readout.forward(states, readout_params)
    return Z


class MemoryCurve(NamedTuple):
    """The result of `memory_capacity` or `linear_memory_curve`.

    Attributes:
        delays: (K,) the delays d = 0, 1, ..., max_delay.
        r2: (K,) squared correlation between ``u_{t-d}`` and the readout trained to recall it.
        capacity: ``r2.sum()``, the memory capacity MC over these delays.
    """

    delays: np.ndarray
    r2: np.ndarray
    capacity: float


def _squared_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column-wise squared Pearson correlation of two (rows, K) arrays; 0 where one is constant."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    num = (a * b).sum(axis=0) ** 2
    den = (a * a).sum(axis=0) * (b * b).sum(axis=0)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def memory_capacity(
    params: dict[str, np.ndarray],
    rng: np.random.Generator,
    *,
    max_delay: int | None = None,
    T: int = 2000,
    batch_size: int = 1,
    washout: int | None = None,
    ridge: float = 1e-8,
    activation: str = "tanh",
) -> MemoryCurve:
    r"""Jaeger's (2002) short-term memory capacity, measured on held-out data.

    The reservoir (one scalar input) is driven by i.i.d. inputs ``u_t ~ U[-1, 1]``
    (`vg.tasks.delayed_recall`). For every delay d = 0, ..., max_delay a separate readout
    ``y_d(t)`` is trained (`fit_readout`) to output ``u_{t-d}``; then, on a fresh test sequence,

    $$
        r^2_d = \operatorname{corr}^2\big(u_{t-d},\, y_d(t)\big), \qquad
        \mathrm{MC} = \sum_{d=0}^{\text{max\_delay}} r^2_d \le N.
    $$

    Delays are counted from 0 because ``h_t`` already contains ``u_t``. Scoring on held-out data
    keeps MC honest: on the training data each of the K readouts would gain about N / (T * B) from
    fitting noise.

    Args:
        params: the reservoir, with D = 1.
        rng: the random generator (inputs for training, then for testing).
        max_delay: largest delay; default 2 N.
        T: scored steps per sequence, for training and again for testing (after the washout).
        batch_size: independent sequences per set (rows = T * batch_size).
        washout: steps discarded at the start of each sequence; default ``max(max_delay, 100)``; at
            least max_delay (before that a target has nothing to recall).
        ridge: ridge parameter of the readouts.
        activation: ``"tanh"`` or ``"identity"``.

    Returns:
        A `MemoryCurve` (delays, r2, capacity).
    """
    p = check_params("params", params, _SHAPES)
    N, D = p["W_x"].shape
    if D != 1:
        raise ValueError(f"params['W_x'] must have shape (N, 1) for the memory task, got {(N, D)}")
    check_rng("rng", rng)
    max_delay = check_optional_size("max_delay", max_delay, minimum=0)
    if max_delay is None:
        max_delay = 2 * N
    T = check_size("T", T)
    B = check_size("batch_size", batch_size)
    washout = check_optional_size("washout", washout, minimum=0)
    if washout is None:
        washout = max(max_delay, 100)
    if washout < max_delay:
        raise ValueError(f"washout must be >= max_delay = {max_delay}, got {washout}")
    delays = np.arange(max_delay + 1)

    U, Y = tasks.delayed_recall(washout + T, B, rng, delays.tolist())
    W = fit_readout(run(U, p, washout, activation=activation), Y[washout:], ridge=ridge)
    U, Y = tasks.delayed_recall(washout + T, B, rng, delays.tolist())
    Z = predict(run(U, p, washout, activation=activation), W)
    r2 = _squared_correlation(Z.reshape(-1, delays.size), Y[washout:].reshape(-1, delays.size))
    return MemoryCurve(delays=delays, r2=r2, capacity=float(r2.sum()))


def linear_memory_curve(params: dict[str, np.ndarray], max_delay: int) -> MemoryCurve:
    r"""The exact memory curve of a linear reservoir ``h_t = W_h h_{t-1} + W_x u_t``, for T -> inf.

    For i.i.d. scalar inputs of variance s², the stationary state covariance is ``s² G`` with
    $G = \sum_{k \ge 0} W_h^k w w^\top (W_h^\top)^k$ (w the column ``W_x``), and
    $\operatorname{Cov}(h_t, u_{t-d}) = s^2 W_h^d w$. The best linear readout then reaches

    $$
        r^2_d = (W_h^d w)^\top G^{-1} (W_h^d w),
    $$

    and $\sum_{d \ge 0} r^2_d = \operatorname{tr}(G^{-1} G) = N$ whenever G is nonsingular
    (Jaeger 2002). G is summed by doubling (``G <- G + A G A^T``, ``A <- A @ A``). The bias and the
    input variance drop out. Needs spectral radius < 1; G of condition number above 1e12 (typical
    for large Gaussian reservoirs) is refused, since the curve would be numerically meaningless.

    Args:
        params: the reservoir, with D = 1 and spectral radius of ``W_h`` < 1.
        max_delay: the curve is computed for d = 0, ..., max_delay.

    Returns:
        A `MemoryCurve` (delays, r2, capacity).
    """
    p = check_params("params", params, _SHAPES)
    N, D = p["W_x"].shape
    if D != 1:
        raise ValueError(f"params['W_x'] must have shape (N, 1), got {(N, D)}")
    max_delay = check_size("max_delay", max_delay, minimum=0)
    W_h, w = p["W_h"].astype(np.float64), p["W_x"][:, 0].astype(np.float64)
    rho = analysis.spectral_radius(W_h)
    # A computed radius carries rounding error of order machine epsilon times the norm (a reservoir
    # scaled to exactly 1 comes out as 0.9999999999999998 on some BLAS kernels), so a radius within
    # RHO_MARGIN of 1 is refused too: the series for G would not converge in floating point anyway.
    if not rho < 1.0 - RHO_MARGIN:
        raise ValueError(
            f"params['W_h'] must have spectral radius < 1 - {RHO_MARGIN:g} (a sum over all delays "
            f"must converge), got {rho:.17g}"
        )
    G = np.outer(w, w)
    A = W_h.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(64):  # after j doublings G sums 2**j terms
            G = G + A @ G @ A.T
            A = A @ A
            if not np.all(np.isfinite(G)):
                raise ValueError(
                    f"the state covariance G diverged (spectral radius {rho:.17g} is too close to 1)"
                )
            if np.max(np.abs(A)) < 1e-300 or np.linalg.norm(A, 2) ** 2 < 1e-18:
                break
    P = np.empty((max_delay + 1, N))  # row d: W_h^d w
    P[0] = w
    for d in range(1, max_delay + 1):
        P[d] = W_h @ P[d - 1]
    cond = np.linalg.cond(G)
    if not cond < 1e12:
        raise ValueError(
            f"the state covariance G is too ill-conditioned (condition number {cond:.2g}) for an "
            "accurate memory curve; use a smaller reservoir or a better-conditioned W_h"
        )
    r2 = np.einsum("dn,dn->d", P, np.linalg.solve(G, P.T).T)
    return MemoryCurve(delays=np.arange(max_delay + 1), r2=r2, capacity=float(r2.sum()))
