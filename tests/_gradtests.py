"""Checks shared by test_rnn.py, test_lstm.py and test_gru.py (each cell file calls them for its cell).

All comparisons use `_fd.relative_error` (max-norm relative error, see there). The checks take a
`Cell`; tests/test_fast.py runs the same checks on cells whose forward/backward call the engines of
`vg._fast` with an explicit variant (exp kernels on or off, chunk length), so every variant is
covered without patching any module global.
"""

from __future__ import annotations

import numpy as np
from _cells import Cell, random_problem, states_by_steps, window_backprop, window_loss
from _fd import numerical_gradient, relative_error

GRAD_TOL = 1e-7  # the project's bar for float64 gradient checks

# (T, B, D, H): include the degenerate sizes T = 1, B = 1, H = 1.
SHAPES = [(1, 1, 1, 1), (4, 1, 2, 3), (1, 3, 2, 4), (5, 2, 3, 1), (6, 3, 2, 4)]


def gradient_errors(cell: Cell, T: int, B: int, D: int, H: int, seed: int = 0) -> dict[str, float]:
    """Relative error of every analytic gradient (each parameter, dX, each initial state) vs FD."""
    params, X, states, G = random_problem(cell, T, B, D, H, seed)
    states = [s.copy() for s in states]

    def loss() -> float:
        H_all, _ = cell.forward(X, params, states)
        return float(np.sum(G * H_all))

    _, cache = cell.forward(X, params, states)
    grads, dX, dstates = cell.backward(G, cache)
    assert set(grads) == set(params)
    errors = {name: relative_error(grads[name], numerical_gradient(loss, params[name])) for name in params}
    errors["dX"] = relative_error(dX, numerical_gradient(loss, X))
    for name, s, ds in zip(cell.states, states, dstates):
        errors["d" + name] = relative_error(ds, numerical_gradient(loss, s))
    return errors


def check_gradients(cell: Cell, T: int, B: int, D: int, H: int, seed: int = 0) -> float:
    errors = gradient_errors(cell, T, B, D, H, seed)
    worst = max(errors, key=errors.get)
    assert errors[worst] < GRAD_TOL, f"{cell.name} {(T, B, D, H)}: {worst} relative error {errors[worst]:.2e}"
    return errors[worst]


def check_forward_equals_steps(cell: Cell, T=7, B=3, D=2, H=5, seed=1) -> None:
    """The fast sequence path agrees with a loop over the readable `step` to 1e-12."""
    params, X, states, _ = random_problem(cell, T, B, D, H, seed)
    H_all, _ = cell.forward(X, params, states)
    all_states, _ = states_by_steps(cell, X, params, states)
    H_steps = np.stack([s[0] for s in all_states[1:]])
    assert H_all.shape == (T, B, H)
    np.testing.assert_allclose(H_all, H_steps, rtol=0, atol=1e-12)


def check_backward_equals_step_backward(cell: Cell, T=6, B=3, D=2, H=4, seed=2) -> None:
    """Full BPTT equals the loop over `step_backward`, ``dh = dH_all[t] + dh_next``, to 1e-12 relative."""
    params, X, states, G = random_problem(cell, T, B, D, H, seed)
    _, cache = cell.forward(X, params, states)
    grads, dX, dstates = cell.backward(G, cache)
    _, caches = states_by_steps(cell, X, params, states)
    acc = {name: np.zeros_like(v) for name, v in params.items()}
    dX_ref = np.zeros_like(X)
    dnext = tuple(np.zeros_like(s) for s in states)
    for t in range(T - 1, -1, -1):
        dcur = (G[t] + dnext[0], *dnext[1:])
        g, dX_ref[t], dnext = cell.step_backward(dcur, caches[t])
        for name in acc:
            acc[name] += g[name]
    for name in params:
        assert relative_error(grads[name], acc[name]) < 1e-12, name
    assert relative_error(dX, dX_ref) < 1e-12
    for ds, ds_ref in zip(dstates, dnext):
        assert relative_error(ds, ds_ref) < 1e-12


def _compare(result, reference, tol, what):
    grads, dX, dstates = result
    g_ref, dX_ref, ds_ref = reference
    for name in g_ref:
        assert relative_error(grads[name], g_ref[name]) < tol, (what, name)
    assert relative_error(dX, dX_ref) < tol, (what, "dX")
    for a, b in zip(dstates, ds_ref):
        assert relative_error(a, b) < tol, (what, "dstate")


def check_truncation(cell: Cell, T=7, B=2, D=2, H=3, seed=3) -> None:
    """truncate=k against references that do not use the truncated code path."""
    params, X, states, G = random_problem(cell, T, B, D, H, seed)
    _, cache = cell.forward(X, params, states)
    full = cell.backward(G, cache)
    # k >= T is full BPTT.
    for k in (T, T + 5):
        _compare(cell.backward(G, cache, truncate=k), full, 1e-14, f"k={k}")
    # Intermediate k, and k = 1, against per-step losses each backpropagated through its own window.
    for k in (1, 2, 3, T - 1):
        ref = window_backprop(cell, G, X, params, states, k)
        _compare(cell.backward(G, cache, truncate=k), ref, 1e-12, f"k={k}")
    # And against finite differences of the windowed loss (the function truncated BPTT differentiates).
    k = 3
    fixed, _ = states_by_steps(cell, X, params, states)
    states_var = [s.copy() for s in states]

    def loss() -> float:
        return window_loss(cell, G, X, params, states_var, fixed, k)

    grads, dX, dstates = cell.backward(G, cache, truncate=k)
    for name in params:
        assert relative_error(grads[name], numerical_gradient(loss, params[name])) < GRAD_TOL, name
    assert relative_error(dX, numerical_gradient(loss, X)) < GRAD_TOL
    for s, ds in zip(states_var, dstates):
        assert relative_error(ds, numerical_gradient(loss, s)) < GRAD_TOL
    # Truncation genuinely changes the answer here (the test above would otherwise be vacuous).
    assert relative_error(grads[next(iter(params))], full[0][next(iter(params))]) > 1e-6


def check_float32(cell: Cell, T=8, B=3, D=2, H=5, seed=4) -> None:
    """float32 in, float32 out, agreeing with float64 to float32 precision."""
    params, X, states, G = random_problem(cell, T, B, D, H, seed)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    s32 = [s.astype(np.float32) for s in states]
    H64, c64 = cell.forward(X, params, states)
    H32, c32 = cell.forward(X.astype(np.float32), p32, s32)
    assert H32.dtype == np.float32
    assert relative_error(H32, H64) < 1e-5
    for truncate in (None, 3):
        g64, dX64, ds64 = cell.backward(G, c64, truncate=truncate)
        g32, dX32, ds32 = cell.backward(G.astype(np.float32), c32, truncate=truncate)
        assert dX32.dtype == np.float32
        for name in params:
            assert g32[name].dtype == np.float32, name
            assert relative_error(g32[name], g64[name]) < 1e-4, name
        assert relative_error(dX32, dX64) < 1e-4
        for a, b in zip(ds32, ds64):
            assert a.dtype == np.float32
            assert relative_error(a, b) < 1e-4
    # Mixed precision promotes to float64.
    H_mixed, _ = cell.forward(X.astype(np.float32), params, states)
    assert H_mixed.dtype == np.float64


def check_truncate_one_is_immediate(cell: Cell, T=5, B=2, D=3, H=4, seed=5) -> None:
    """truncate=1: each dH_all[t] goes through step t's immediate derivative only (via `step_backward`
    with no recurrent gradient: dh = dH_all[t], dc_next = 0), and only step 0 feeds the initial state."""
    params, X, states, G = random_problem(cell, T, B, D, H, seed)
    _, cache = cell.forward(X, params, states)
    _, caches = states_by_steps(cell, X, params, states)
    grads = {name: np.zeros_like(v) for name, v in params.items()}
    dX = np.zeros_like(X)
    for t in range(T):
        dcur = (G[t], *(np.zeros_like(s) for s in states[1:]))
        g, dX[t], dprev = cell.step_backward(dcur, caches[t])
        for name in grads:
            grads[name] += g[name]
        if t == 0:
            dstates = dprev
    _compare(cell.backward(G, cache, truncate=1), (grads, dX, dstates), 1e-12, "k=1")

