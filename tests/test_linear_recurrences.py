"""vg.scan, vg.mingru and vg.lru: the scan against the loop, every gradient against finite differences,
the sequence functions against loops over `step`/`step_backward`, the closed forms, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from _fd import numerical_gradient, relative_error

import vg

GRAD_TOL = 1e-7
SHAPES = [(1, 1, 1, 1, 1), (5, 3, 2, 4, 3), (7, 2, 3, 2, 5)]  # T, B, D, H, N


# ---------------------------------------------------------------------------------------------- scan
@pytest.mark.parametrize("T", [1, 2, 5, 16, 17, 100])
@pytest.mark.parametrize("kind", ["real", "complex", "constant-decay"])
@pytest.mark.parametrize("with_h0", [False, True])
def test_scan_equals_the_loop(T, kind, with_h0):
    rng = np.random.default_rng(T)
    shape = (T, 3, 4)
    a = rng.uniform(-1.1, 1.1, shape)
    b = rng.standard_normal(shape)
    if kind == "complex":
        a = a * np.exp(1j * rng.uniform(0, 6.3, shape))
        b = b + 1j * rng.standard_normal(shape)
    if kind == "constant-decay":
        a = a[:1]
    h0 = rng.standard_normal(shape[1:]) if with_h0 else None
    for reverse in (False, True):
        loop = vg.scan.linear_recurrence(a, b, h0, reverse=reverse)
        for method in (vg.scan.linear_scan, vg.scan.blocked_scan, vg.scan.solve):
            fast = method(a, b, h0, reverse=reverse)
            assert fast.shape == b.shape and fast.dtype == loop.dtype
            assert relative_error(fast.real, loop.real) < 1e-12, method.__name__
            assert relative_error(fast.imag, loop.imag) < 1e-12, method.__name__


@pytest.mark.parametrize("block", [1, 2, 3, 7, 50])
def test_blocked_scan_any_block_length(block):
    rng = np.random.default_rng(block)
    a, b, h0 = rng.uniform(-1, 1, (23, 2)), rng.standard_normal((23, 2)), rng.standard_normal(2)
    expected = vg.scan.linear_recurrence(a, b, h0)
    assert relative_error(vg.scan.blocked_scan(a, b, h0, block=block), expected) < 1e-12


def test_reverse_scan_runs_backwards_in_time():
    rng = np.random.default_rng(0)
    a, b, h_end = rng.uniform(0, 1, (9, 2)), rng.standard_normal((9, 2)), rng.standard_normal(2)
    expected = np.empty_like(b)
    h = h_end
    for t in range(8, -1, -1):  # h_t = a_t h_{t+1} + b_t
        h = a[t] * h + b[t]
        expected[t] = h
    assert relative_error(vg.scan.linear_scan(a, b, h_end, reverse=True), expected) < 1e-12


def test_scan_does_not_modify_its_inputs():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 1, (6, 2)), rng.standard_normal((6, 2))
    a0, b0 = a.copy(), b.copy()
    for method in (vg.scan.linear_scan, vg.scan.blocked_scan, vg.scan.linear_recurrence):
        method(a, b)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize(
    ("a", "b", "h0", "exc", "pattern"),
    [
        (np.ones((3, 2)), np.ones((3, 4)), None, ValueError, r"a of shape \(3, 2\) does not broadcast"),
        (np.ones(2), np.ones((3, 2)), None, ValueError, "number of axes"),
        (np.ones((3, 2)), np.ones((3, 2)), np.ones(3), ValueError, r"h0 must have shape \(2,\)"),
        (np.ones((3, 2), int), np.ones((3, 2)), None, TypeError, "a must be a float or complex"),
        (np.ones((0, 2)), np.ones((0, 2)), None, ValueError, "at least one time step"),
        (np.ones((3, 1, 2)), np.ones((3, 2)), None, ValueError, "number of axes"),
    ],
)
def test_scan_bad_input(a, b, h0, exc, pattern):
    for fn in (vg.scan.linear_recurrence, vg.scan.linear_scan):
        with pytest.raises(exc, match=pattern):
            fn(a, b, h0)


# --------------------------------------------------------------------------------------- the two cells
def _problem(cell, T, B, D, H, N, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    if cell is vg.lru:
        params = vg.lru.init(D, H, rng, state_size=N, r_min=0.4, r_max=0.95, dtype=dtype)
        state = (rng.standard_normal((B, N)) + 1j * rng.standard_normal((B, N))) * 0.5
    else:
        params = vg.mingru.init(D, H, rng, dtype=dtype)
        state = 0.5 * rng.standard_normal((B, H))
    X = rng.standard_normal((T, B, D)).astype(dtype)
    G = rng.standard_normal((T, B, H)).astype(dtype)
    return params, X, state, G


CELLS = [vg.mingru, vg.lru]
IDS = ["mingru", "lru"]


@pytest.mark.parametrize("cell", CELLS, ids=IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_match_finite_differences(cell, shape):
    params, X, state, G = _problem(cell, *shape)
    loss = lambda: float(np.sum(G * cell.forward(X, params, state)[0]))  # noqa: E731
    grads, dX, dstate = cell.backward(G, cell.forward(X, params, state)[1])
    assert set(grads) == set(params)
    for name in params:
        assert grads[name].shape == params[name].shape and grads[name].dtype == params[name].dtype
        assert relative_error(grads[name], numerical_gradient(loss, params[name])) < GRAD_TOL, name
    assert relative_error(dX, numerical_gradient(loss, X)) < GRAD_TOL
    if cell is vg.lru:  # ds0 = dL/dRe(s0) + 1j dL/dIm(s0)
        re, im = state.real.copy(), state.imag.copy()
        loss_re = lambda: float(np.sum(G * cell.forward(X, params, re + 1j * im)[0]))  # noqa: E731
        assert relative_error(dstate.real, numerical_gradient(loss_re, re)) < GRAD_TOL
        assert relative_error(dstate.imag, numerical_gradient(loss_re, im)) < GRAD_TOL
    else:
        assert relative_error(dstate, numerical_gradient(loss, state)) < GRAD_TOL


def _steps(cell, X, params, state):
    out, caches = [], []
    for t in range(X.shape[0]):
        if cell is vg.lru:
            (h, state), sc = cell.step(X[t], state, params)
        else:
            h, sc = cell.step(X[t], state, params)
            state = h
        out.append(h)
        caches.append(sc)
    return np.stack(out), caches


@pytest.mark.parametrize("cell", CELLS, ids=IDS)
@pytest.mark.parametrize("B", [1, 3, 40], ids=["scan", "blocked", "loop"])  # vg.scan.solve picks by width
def test_forward_and_backward_equal_loops_over_step(cell, B):
    params, X, state, G = _problem(cell, 9, B, 2, 4, 4, seed=3)
    H_all, cache = cell.forward(X, params, state)
    H_steps, caches = _steps(cell, X, params, state)
    assert relative_error(H_all, H_steps) < 1e-12
    grads, dX, dstate = cell.backward(G, cache)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    dX_steps = np.zeros_like(X)
    d_next = np.zeros_like(state)
    for t in range(X.shape[0] - 1, -1, -1):
        if cell is vg.lru:
            g, dX_steps[t], d_next = cell.step_backward(G[t], d_next, caches[t])
        else:
            g, dX_steps[t], d_next = cell.step_backward(G[t] + d_next, caches[t])
        for k in total:
            total[k] += g[k]
    for k in params:
        assert relative_error(grads[k], total[k]) < 1e-12, k
    assert relative_error(dX, dX_steps) < 1e-12
    assert relative_error(np.abs(dstate), np.abs(d_next)) < 1e-12


@pytest.mark.parametrize("cell", CELLS, ids=IDS)
def test_forward_returns_a_read_only_h_all(cell):
    params, X, state, _ = _problem(cell, 4, 2, 2, 3, 3)
    H_all, _ = cell.forward(X, params, state)
    with pytest.raises(ValueError, match="read-only"):
        H_all[0] = 0.0


@pytest.mark.parametrize("cell", CELLS, ids=IDS)
def test_float32_works_and_stays_float32(cell):
    params64, X64, state, G64 = _problem(cell, 6, 2, 3, 4, 4)
    params32 = {k: v.astype(np.float32) for k, v in params64.items()}
    H32, cache = cell.forward(X64.astype(np.float32), params32, state)
    H64, _ = cell.forward(X64, params64, state)
    assert H32.dtype == np.float32
    assert relative_error(H32, H64) < 1e-5
    grads, dX, _ = cell.backward(G64.astype(np.float32), cache)
    assert dX.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


# ------------------------------------------------------------------------------------- closed forms
def test_lru_gradient_d_steps_back_is_lambda_to_the_d():
    """ds_t/ds_{t-1} = diag(lambda): a gradient injected at the last step reaches s_0 times lambda^T."""
    T = 40
    params, X, state, _ = _problem(vg.lru, T, 1, 2, 3, 6, seed=5)
    H_all, cache = vg.lru.forward(X, params, state)
    G = np.zeros_like(H_all)
    G[-1] = np.random.default_rng(0).standard_normal(G[-1].shape)
    _, _, ds0 = vg.lru.backward(G, cache)
    C = params["C_re"] + 1j * params["C_im"]
    ds_T = G[-1] @ np.conj(C)  # what the readout sends into s_T
    lam = vg.lru.eigenvalues(params)
    assert relative_error(np.abs(ds0), np.abs(lam) ** T * np.abs(ds_T)) < 1e-12
    assert np.all(np.abs(lam) < 1)


def test_lru_init_follows_the_paper():
    rng = np.random.default_rng(0)
    params = vg.lru.init(3, 4, rng, state_size=2000, r_min=0.5, r_max=0.9, max_phase=0.3)
    lam = vg.lru.eigenvalues(params)
    modulus, phase = np.abs(lam), np.angle(lam)
    assert np.all((modulus >= 0.5) & (modulus <= 0.9)) and np.all((phase >= 0) & (phase <= 0.3))
    # uniform on the ring's area: |lambda|^2 uniform on [0.25, 0.81], mean 0.53
    assert abs(np.mean(modulus**2) - 0.53) < 0.01
    assert relative_error(np.exp(params["gamma_log"]), np.sqrt(1 - modulus**2)) < 1e-12
    assert {k: v.shape for k, v in params.items()} == {
        "nu_log": (2000,), "theta_log": (2000,), "gamma_log": (2000,), "B_re": (2000, 3), "B_im": (2000, 3),
        "C_re": (4, 2000), "C_im": (4, 2000), "D_x": (4, 3)}


def test_lru_normalisation_gives_unit_state_variance():
    """gamma = sqrt(1 - |lambda|^2) makes the stationary variance of s independent of |lambda|."""
    rng = np.random.default_rng(1)
    params = vg.lru.init(1, 1, rng, state_size=3, r_min=0.5, r_max=0.99)
    params["B_re"][:] = 1.0
    params["B_im"][:] = 0.0
    _, cache = vg.lru.forward(rng.standard_normal((4000, 64, 1)), params)
    var = np.mean(np.abs(cache.S[1000:]) ** 2, axis=(0, 1))
    assert np.all(np.abs(var - 1.0) < 0.1), var


def test_mingru_jacobian_is_diag_one_minus_z():
    params, X, state, _ = _problem(vg.mingru, 3, 1, 2, 4, 4, seed=2)
    _, sc = vg.mingru.step(X[0], state, params)
    eps = 1e-6
    J = np.empty((4, 4))
    for j in range(4):
        e = np.zeros_like(state)
        e[0, j] = eps
        up, down = vg.mingru.step(X[0], state + e, params)[0], vg.mingru.step(X[0], state - e, params)[0]
        J[:, j] = (up - down)[0] / (2 * eps)
    assert relative_error(J, np.diag(1 - sc.z[0])) < 1e-9


# ----------------------------------------------------------------------------------------- bad input
def test_bad_input_is_refused_with_the_argument_named():
    rng = np.random.default_rng(0)
    p = vg.mingru.init(2, 3, rng)
    with pytest.raises(ValueError, match="X"):
        vg.mingru.forward(np.ones((4, 2, 5)), p)
    with pytest.raises(ValueError, match="h0"):
        vg.mingru.forward(np.ones((4, 2, 2)), p, np.ones((2, 4)))
    with pytest.raises(ValueError, match="exactly the keys"):
        vg.mingru.forward(np.ones((4, 2, 2)), {**p, "W_hz": np.ones((3, 3))})
    with pytest.raises(TypeError, match="MinGRUCache"):
        vg.mingru.backward(np.ones((4, 2, 3)), None)
    q = vg.lru.init(2, 3, rng)
    with pytest.raises(ValueError, match="s0"):
        vg.lru.forward(np.ones((4, 2, 2)), q, np.ones((2, 7)))
    with pytest.raises(ValueError, match="X"):
        vg.lru.forward(np.ones((4, 2, 1)), q)
    _, cache = vg.lru.forward(np.ones((4, 2, 2)), q)
    with pytest.raises(ValueError, match="dH_all"):
        vg.lru.backward(np.ones((4, 2, 5)), cache)
    with pytest.raises(ValueError, match="r_min and r_max"):
        vg.lru.init(2, 3, rng, r_min=0.9, r_max=0.5)
    with pytest.raises(ValueError, match="r_max"):
        vg.lru.init(2, 3, rng, r_max=1.5)
    with pytest.raises(TypeError, match="rng"):
        vg.lru.init(2, 3, 0)
    with pytest.raises(ValueError, match="finite"):
        vg.mingru.forward(np.full((4, 2, 2), np.nan), p)
