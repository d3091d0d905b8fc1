r"""The linear recurrent unit (Orvieto, Smith, Gu, Fernando, Gulcehre, Pascanu & De 2023).

A diagonal complex linear recurrence with state size N, read out into H real numbers:

$$
    \begin{aligned}
    \lambda &= \exp\!\big(-e^{\nu_{\log}} + i\, e^{\theta_{\log}}\big), \qquad |\lambda| = e^{-e^{\nu_{\log}}} < 1 \\
    \gamma &= e^{\gamma_{\log}} \\
    s_t &= \lambda \odot s_{t-1} + \gamma \odot \big((B_{re} + i B_{im})\, x_t\big) \\
    h_t &= \operatorname{Re}\big((C_{re} + i C_{im})\, s_t\big) + D_x\, x_t
    \end{aligned}
$$

Every parameter is real (``nu_log``, ``theta_log``, ``gamma_log`` (N,); ``B_re``, ``B_im`` (N, D);
``C_re``, ``C_im`` (H, N); ``D_x`` (H, D)); the state is complex. The step Jacobian is
$\partial s_t / \partial s_{t-1} = \operatorname{diag}(\lambda)$, the same at every step and for every
input, so the gradient $d$ steps back is multiplied by exactly $\lambda^d$ elementwise: its size is
$|\lambda|^d$. The parametrisation keeps $|\lambda| < 1$ whatever the parameters, and $\gamma$ rescales
the input so that a unit-variance input gives a state of unit variance (``gamma_log`` starts at
$\log\sqrt{1 - |\lambda|^2}$). The recurrence is computed by `vg.scan.solve` (a parallel scan or a
loop, whichever is faster for the width).

Complex gradients are written as ``dL/dRe + 1j * dL/dIm`` (so the gradient of a real loss through
``s = a * z`` is ``conj(a) * ds``). Same verbs as `vg.rnn`: `init`, `forward`, `backward`, `step`,
`step_backward`; the state is ``s`` (there is no truncation option).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vg import scan
from vg._checks import (
    check_array,
    check_array_fast,
    check_float_dtype,
    check_optional_size,
    check_params,
    check_positive,
    check_rng,
    check_size,
    read_only_view,
)

__all__ = [
    "PARAM_NAMES",
    "STATES",
    "LRUCache",
    "LRUStepCache",
    "backward",
    "eigenvalues",
    "forward",
    "init",
    "step",
    "step_backward",
]

PARAM_NAMES = ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im", "D_x")
STATES = ("s",)  # the recurrent state, in the order step takes and returns it (see vg.bptt)
# The input weight first, as in every cell: check_params binds N (and D) from the first array that has
# them, so a per-unit vector of the wrong length (nu_log, theta_log, gamma_log) is the one it names.
_SHAPES = {"B_re": ("N", "D"), "B_im": ("N", "D"), "nu_log": ("N",), "theta_log": ("N",), "gamma_log": ("N",),
           "C_re": ("H", "N"), "C_im": ("H", "N"), "D_x": ("H", "D")}


def _check_complex(
    name: str, x: object, shape: tuple[int | str, ...], dims: dict[str, int] | None = None
) -> np.ndarray:
    """`check_array` for a complex (or real) array, with the same messages as every real state's.

    `check_array` refuses complex dtypes, so a complex array is checked through a real stand-in of the
    same shape that is NaN/Inf exactly where `x` is (its imaginary part there, else its real part), and
    returned unconverted; anything else (a real array, a string, a dict) goes to `check_array` itself.
    """
    if not np.iscomplexobj(x):
        return check_array_fast(name, x, shape, dims=dims)
    x = np.asarray(x)
    check_array_fast(name, np.where(np.isfinite(x.imag), x.real, x.imag), shape, dims=dims)
    return x


def init(
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator,
    *,
    state_size: int | None = None,
    r_min: float = 0.0,
    r_max: float = 1.0,
    max_phase: float = 2 * np.pi,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """Draw the parameters as the paper does (its appendix code; defaults r in [0, 1], phase in [0, 2 pi]).

    The eigenvalues are uniform on the ring $r_{\\min} \\le |\\lambda| \\le r_{\\max}$ (uniform in area, so
    $|\\lambda|^2$ is uniform on $[r_{\\min}^2, r_{\\max}^2]$) with phase uniform on $[0, \\text{max\\_phase}]$;
    ``gamma_log = log sqrt(1 - |lambda|^2)``; ``B_re``, ``B_im`` are N(0, 1/(2D)), ``C_re``, ``C_im``
    N(0, 1/N), and ``D_x`` N(0, 1/D) (the paper's D is a vector for D = H; here it is a matrix).

    Args:
        input_size: D.
        hidden_size: H, the size of the real output ``h_t``.
        rng: the random generator.
        state_size: N, the size of the complex state (default H).
        r_min: the inner radius of the ring of the eigenvalues' moduli, 0 <= r_min < r_max.
        r_max: the outer radius, r_max <= 1.
        max_phase: the largest phase, > 0.
        dtype: float64 (default) or float32; the state is complex128 or complex64.
    """
    D = check_size("input_size", input_size)
    H = check_size("hidden_size", hidden_size)
    N = check_optional_size("state_size", state_size) or H
    check_rng("rng", rng)
    dtype = check_float_dtype("dtype", dtype)
    r_min = check_positive("r_min", r_min, allow_zero=True)
    r_max = check_positive("r_max", r_max)
    if not r_min < r_max <= 1.0:
        raise ValueError(f"r_min and r_max must satisfy 0 <= r_min < r_max <= 1, got r_min={r_min}, r_max={r_max}")
    max_phase = check_positive("max_phase", max_phase)
    u1, u2 = rng.uniform(size=N), rng.uniform(size=N)
    nu_log = np.log(-0.5 * np.log(u1 * (r_max**2 - r_min**2) + r_min**2))
    theta_log = np.log(max_phase * u2)
    modulus = np.exp(-np.exp(nu_log))
    params = {
        "nu_log": nu_log,
        "theta_log": theta_log,
        "gamma_log": np.log(np.sqrt(1.0 - modulus**2)),
        "B_re": rng.standard_normal((N, D)) / np.sqrt(2 * D),
        "B_im": rng.standard_normal((N, D)) / np.sqrt(2 * D),
        "C_re": rng.standard_normal((H, N)) / np.sqrt(N),
        "C_im": rng.standard_normal((H, N)) / np.sqrt(N),
        "D_x": rng.standard_normal((H, D)) / np.sqrt(D),
    }
    return {k: v.astype(dtype) for k, v in params.items()}


def eigenvalues(params: dict[str, np.ndarray]) -> np.ndarray:
    """The diagonal of the recurrence, ``lambda = exp(-exp(nu_log) + 1j * exp(theta_log))`` (N,)."""
    p = check_params("params", params, _SHAPES)
    return np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))


@dataclass(frozen=True)
class LRUCache:
    """What `backward` needs from `forward`. Built only by `forward`; treat it as opaque.

    Attributes:
        X: (T, B, D) inputs.
        S: (T + 1, B, N) complex states ``s_0 .. s_T``.
        BX: (T, B, N) complex ``(B_re + i B_im) x_t`` (before the scaling by gamma).
        lam: (N,) complex eigenvalues; gamma: (N,) input scales.
        params: the checked parameters.
    """

    X: np.ndarray
    S: np.ndarray
    BX: np.ndarray
    lam: np.ndarray
    gamma: np.ndarray
    params: dict[str, np.ndarray]


def _lambda_gamma(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"])), np.exp(p["gamma_log"])


def forward(
    X: np.ndarray, params: dict[str, np.ndarray], s0: np.ndarray | None = None
) -> tuple[np.ndarray, LRUCache]:
    """Run the LRU over a sequence (the recurrence by `vg.scan.solve`).

    Args:
        X: (T, B, D) real inputs.
        params: the eight parameters.
        s0: (B, N) complex initial state (default zero).

    Returns:
        ``H_all`` (T, B, H) real, read-only, and the cache for `backward`.
    """
    dims: dict[str, int] = {}
    p = check_params("params", params, _SHAPES, dims=dims)
    X = check_array("X", X, ("T", "B", "D"), dtype=p["B_re"].dtype, dims=dims)
    cdtype = np.result_type(X.dtype, np.complex64)
    T, B = X.shape[:2]
    N = p["nu_log"].shape[0]
    s0 = np.zeros((B, N), cdtype) if s0 is None else _check_complex("s0", s0, ("B", "N"), dims).astype(cdtype)
    lam, gamma = _lambda_gamma(p)
    BX = X @ (p["B_re"] + 1j * p["B_im"]).T.astype(cdtype)
    S = np.empty((T + 1, B, N), cdtype)
    S[0] = s0
    S[1:] = scan.solve(lam.astype(cdtype)[None, None, :], gamma * BX, s0)
    C = (p["C_re"] + 1j * p["C_im"]).astype(cdtype)
    H_all = (S[1:] @ C.T).real + X @ p["D_x"].T
    return read_only_view(H_all), LRUCache(X, S, BX, lam.astype(cdtype), gamma, p)


def backward(dH_all: np.ndarray, cache: LRUCache) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time for `forward`.

    The state gradient obeys ``ds_t = conj(C)^T dh_t + conj(lambda) * ds_{t+1}`` (a reverse scan); then
    ``dlambda = sum_t conj(s_{t-1}) ds_t`` and the chain rule through ``lambda = exp(-exp(nu_log) + i
    exp(theta_log))`` give the real gradients of ``nu_log`` and ``theta_log``.

    Returns:
        ``grads`` (the keys of `params`, real), ``dX`` (T, B, D) and ``ds0`` (B, N) complex, the gradient
        with respect to the initial state (also when it defaulted to zero).
    """
    if not isinstance(cache, LRUCache):
        raise TypeError(f"cache must be the LRUCache returned by vg.lru.forward, got {type(cache).__name__}")
    c, p = cache, cache.params
    T, B, _ = c.X.shape
    dH_all = check_array("dH_all", dH_all, (T, B, p["C_re"].shape[0]), dtype=c.X.dtype)
    C = (p["C_re"] + 1j * p["C_im"]).astype(c.S.dtype)
    dS = scan.solve(np.conj(c.lam)[None, None, :], dH_all @ np.conj(C), reverse=True)  # ds_1 .. ds_T
    flat = lambda A: A.reshape(T * B, -1)  # noqa: E731
    S1, dH2, X2 = flat(c.S[1:]), flat(dH_all), flat(c.X)
    dlam = np.sum(np.conj(c.S[:-1]) * dS, axis=(0, 1))
    dc = np.conj(c.lam) * dlam  # through lambda = exp(c)
    dW = c.gamma * dS  # gradient of BX = (B_re + i B_im) x
    grads = {
        "nu_log": -np.exp(p["nu_log"]) * dc.real,
        "theta_log": np.exp(p["theta_log"]) * dc.imag,
        "gamma_log": c.gamma * np.sum((np.conj(c.BX) * dS).real, axis=(0, 1)),
        "B_re": flat(dW.real).T @ X2,
        "B_im": flat(dW.imag).T @ X2,
        "C_re": dH2.T @ S1.real,
        "C_im": -(dH2.T @ S1.imag),
        "D_x": dH2.T @ X2,
    }
    grads = {k: v.astype(c.X.dtype) for k, v in grads.items()}
    dX = dH_all @ p["D_x"] + dW.real @ p["B_re"] + dW.imag @ p["B_im"]
    return grads, dX, np.conj(c.lam) * dS[0]


@dataclass(frozen=True)
class LRUStepCache:
    """What `step_backward` needs from `step`."""

    x_t: np.ndarray
    s_prev: np.ndarray
    s: np.ndarray
    bx: np.ndarray
    params: dict[str, np.ndarray]


def step(
    x_t: np.ndarray, s_prev: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[tuple[np.ndarray, np.ndarray], LRUStepCache]:
    """One LRU step, written like the equations (one row per example).

    Returns:
        ``(h, s)``: the output (B, H) and the new complex state (B, N), and a cache for `step_backward`.
    """
    dims: dict[str, int] = {}
    p = check_params("params", params, _SHAPES, dims=dims)
    x_t = check_array("x_t", x_t, ("B", "D"), dtype=p["B_re"].dtype, dims=dims)
    s_prev = _check_complex("s_prev", s_prev, ("B", "N"), dims)
    lam, gamma = _lambda_gamma(p)
    bx = x_t @ (p["B_re"] + 1j * p["B_im"]).T
    s = lam * s_prev + gamma * bx
    h = (s @ (p["C_re"] + 1j * p["C_im"]).T).real + x_t @ p["D_x"].T
    return (h, s), LRUStepCache(x_t, s_prev, s, bx, p)


def step_backward(
    dh: np.ndarray, ds: np.ndarray, step_cache: LRUStepCache
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backward pass of one `step`, given ``dh`` (B, H) and the gradient ``ds`` (B, N) reaching ``s_t``
    from later steps. Returns this step's immediate ``grads``, ``dx_t`` and ``ds_prev`` (complex)."""
    if not isinstance(step_cache, LRUStepCache):
        raise TypeError(f"step_cache must be the LRUStepCache returned by vg.lru.step, got {type(step_cache).__name__}")
    sc, p = step_cache, step_cache.params
    dh = check_array_fast("dh", dh, (sc.x_t.shape[0], p["C_re"].shape[0]), dtype=sc.x_t.dtype)
    ds = _check_complex("ds", ds, sc.s.shape)
    lam, gamma = _lambda_gamma(p)
    ds = ds + dh @ np.conj(p["C_re"] + 1j * p["C_im"])
    dc = np.conj(lam) * np.sum(np.conj(sc.s_prev) * ds, axis=0)
    dw = gamma * ds
    grads = {
        "nu_log": -np.exp(p["nu_log"]) * dc.real,
        "theta_log": np.exp(p["theta_log"]) * dc.imag,
        "gamma_log": gamma * np.sum((np.conj(sc.bx) * ds).real, axis=0),
        "B_re": dw.real.T @ sc.x_t,
        "B_im": dw.imag.T @ sc.x_t,
        "C_re": dh.T @ sc.s.real,
        "C_im": -(dh.T @ sc.s.imag),
        "D_x": dh.T @ sc.x_t,
    }
    dx_t = dh @ p["D_x"] + dw.real @ p["B_re"] + dw.imag @ p["B_im"]
    return grads, dx_t, np.conj(lam) * ds
