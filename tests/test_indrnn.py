"""vg.indrnn: gradients against finite differences, forward/backward against loops over step, the diagonal
Jacobian, read-only H_all, float32, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from _fd import numerical_gradient, relative_error

import vg.indrnn as indrnn

GRAD_TOL = 1e-7
ACTIVATIONS = ["relu", "tanh", "sigmoid", "identity"]


def _problem(T=5, B=3, D=2, H=4, seed=0, dtype=np.float64, activation="relu"):
    rng = np.random.default_rng(seed)
    params = indrnn.init(D, H, rng, u_min=0.2, u_max=1.2, dtype=dtype)
    params["b"] = (0.3 * rng.standard_normal(H)).astype(dtype)
    X = rng.standard_normal((T, B, D)).astype(dtype)
    h0 = rng.standard_normal((B, H)).astype(dtype)
    if activation == "relu":  # keep pre-activations away from the kink at 0, where FD is meaningless
        h0 = np.abs(h0) + 0.1
    G = rng.standard_normal((T, B, H)).astype(dtype)
    return params, X, h0, G


def _away_from_kink(X, params, h0):
    _, cache = indrnn.forward(X, params, h0)
    A = cache.X @ params["W_x"].T + params["b"] + params["u"] * cache.Hs[:-1]  # a_t for t = 1..T
    return np.min(np.abs(A)) > 1e-3


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (5, 3, 2, 4), (8, 2, 3, 5)], ids=str)
def test_gradients_match_finite_differences(activation, shape):
    T, B, D, H = shape
    params, X, h0, G = _problem(T, B, D, H, seed=sum(shape), activation=activation)
    if activation == "relu":
        assert _away_from_kink(X, params, h0)
    loss = lambda: float(np.sum(G * indrnn.forward(X, params, h0, activation)[0]))  # noqa: E731
    grads, dX, dh0 = indrnn.backward(G, indrnn.forward(X, params, h0, activation)[1])
    assert list(grads) == list(params)
    for name in params:
        assert grads[name].shape == params[name].shape
        assert relative_error(grads[name], numerical_gradient(loss, params[name])) < GRAD_TOL, name
    assert relative_error(dX, numerical_gradient(loss, X)) < GRAD_TOL
    assert relative_error(dh0, numerical_gradient(loss, h0)) < GRAD_TOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_step_backward_matches_finite_differences(activation):
    params, X, h0, G = _problem(1, 3, 2, 4, seed=11, activation=activation)
    x_t, g = X[0], G[0]
    loss = lambda: float(np.sum(g * indrnn.step(x_t, h0, params, activation)[0]))  # noqa: E731
    grads, dx_t, dh_prev = indrnn.step_backward(g, indrnn.step(x_t, h0, params, activation)[1])
    for name in params:
        assert relative_error(grads[name], numerical_gradient(loss, params[name])) < GRAD_TOL, name
    assert relative_error(dx_t, numerical_gradient(loss, x_t)) < GRAD_TOL
    assert relative_error(dh_prev, numerical_gradient(loss, h0)) < GRAD_TOL


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_and_backward_equal_loops_over_step(activation):
    params, X, h0, G = _problem(9, 3, 2, 4, seed=3, activation=activation)
    H_all, cache = indrnn.forward(X, params, h0, activation)
    h, caches, states = h0, [], []
    for t in range(X.shape[0]):
        h, sc = indrnn.step(X[t], h, params, activation)
        states.append(h)
        caches.append(sc)
    assert relative_error(H_all, np.stack(states)) < 1e-13
    grads, dX, dh0 = indrnn.backward(G, cache)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    dX_steps, dh_next = np.zeros_like(X), np.zeros_like(h0)
    for t in range(X.shape[0] - 1, -1, -1):
        g, dX_steps[t], dh_next = indrnn.step_backward(G[t] + dh_next, caches[t])
        for k in total:
            total[k] += g[k]
    for k in params:
        assert relative_error(grads[k], total[k]) < 1e-13, k
    assert relative_error(dX, dX_steps) < 1e-13
    assert relative_error(dh0, dh_next) < 1e-13


def test_default_h0_is_zero_and_dh0_is_still_returned():
    params, X, _, G = _problem()
    H_default, cache = indrnn.forward(X, params)
    H_zero, _ = indrnn.forward(X, params, np.zeros((3, 4)))
    np.testing.assert_array_equal(H_default, H_zero)
    assert indrnn.backward(G, cache)[2].shape == (3, 4)


def test_jacobian_diagonals_are_the_step_jacobian():
    """dh_t/dh_{t-1} = diag(phi'(a_t) * u): compare with finite differences of one step."""
    params, X, h0, _ = _problem(4, 1, 2, 5, seed=7, activation="tanh")
    H_all, cache = indrnn.forward(X, params, h0, "tanh")
    diag = indrnn.jacobian_diagonals(cache)
    assert diag.shape == (4, 1, 5)
    eps, h_prev = 1e-6, np.asarray(H_all[1])
    J = np.empty((5, 5))
    for j in range(5):
        e = np.zeros_like(h_prev)
        e[0, j] = eps
        J[:, j] = (indrnn.step(X[2], h_prev + e, params, "tanh")[0] - indrnn.step(X[2], h_prev - e, params, "tanh")[0])[
            0
        ] / (2 * eps)
    assert relative_error(J, np.diag(diag[2, 0])) < 1e-8


def test_relu_gradient_d_steps_back_is_u_to_the_d_on_active_units():
    """With ReLU and every unit active, the gradient of unit n d steps back is exactly u_n**d."""
    T = 30
    params, X, h0, _ = _problem(T, 2, 2, 6, seed=5)
    params["b"] = np.full(6, 50.0)  # large bias: every unit stays active
    _, cache = indrnn.forward(X, params, h0)
    assert np.all(cache.Hs[1:] > 0)
    G = np.zeros((T, 2, 6))
    G[-1] = 1.0
    dh0 = indrnn.backward(G, cache)[2]
    assert relative_error(dh0, np.broadcast_to(params["u"] ** T, (2, 6))) < 1e-12


def test_forward_returns_a_read_only_h_all():
    params, X, h0, _ = _problem()
    H_all, _ = indrnn.forward(X, params, h0)
    with pytest.raises(ValueError, match="read-only"):
        H_all[0] = 0.0


def test_float32_works_and_stays_float32():
    params, X, h0, G = _problem(6, 2, 3, 4, activation="tanh")
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    H32, cache = indrnn.forward(X.astype(np.float32), p32, h0.astype(np.float32), "tanh")
    H64, _ = indrnn.forward(X, params, h0, "tanh")
    assert H32.dtype == np.float32 and relative_error(H32, H64) < 1e-5
    grads, dX, dh0 = indrnn.backward(G.astype(np.float32), cache)
    assert dX.dtype == np.float32 and dh0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    assert all(v.dtype == np.float32 for v in indrnn.init(2, 3, np.random.default_rng(0), dtype=np.float32).values())


def test_init_shapes_and_range():
    p = indrnn.init(3, 500, np.random.default_rng(0), u_min=0.5, u_max=0.9)
    assert p["W_x"].shape == (500, 3) and p["u"].shape == (500,) and p["b"].shape == (500,)
    assert 0.5 <= p["u"].min() and p["u"].max() <= 0.9 and np.all(p["b"] == 0)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda p, X: indrnn.init(0, 3, np.random.default_rng(0)), ValueError, "input_size"),
        (lambda p, X: indrnn.init(2, 3.0, np.random.default_rng(0)), TypeError, "hidden_size"),
        (lambda p, X: indrnn.init(2, 3, 0), TypeError, "rng"),
        (lambda p, X: indrnn.init(2, 3, np.random.default_rng(0), u_max=-1.0), ValueError, "u_max"),
        (lambda p, X: indrnn.init(2, 3, np.random.default_rng(0), u_min=2.0), ValueError, "u_min"),
        (lambda p, X: indrnn.init(2, 3, np.random.default_rng(0), dtype=int), ValueError, "dtype"),
        (lambda p, X: indrnn.forward(X[0], p), ValueError, "X"),
        (lambda p, X: indrnn.forward(X[..., :1], p), ValueError, "X"),
        (lambda p, X: indrnn.forward(X, {**p, "u": p["u"][:2]}), ValueError, "u"),
        (lambda p, X: indrnn.forward(X, {"W_x": p["W_x"], "u": p["u"]}), ValueError, "params"),
        (lambda p, X: indrnn.forward(X, p, np.zeros((3, 5))), ValueError, "h0"),
        (lambda p, X: indrnn.forward(X, p, activation="softplus"), ValueError, "activation"),
        (lambda p, X: indrnn.forward(np.full_like(X, np.nan), p), ValueError, "X"),
        (lambda p, X: indrnn.forward("X", p), TypeError, "X"),
        (lambda p, X: indrnn.backward(np.zeros((5, 3, 4)), None), TypeError, "cache"),
        (lambda p, X: indrnn.backward(np.zeros((5, 3, 5)), indrnn.forward(X, p)[1]), ValueError, "dH_all"),
        (lambda p, X: indrnn.step(X[0], np.zeros((3, 5)), p), ValueError, "h_prev"),
        (lambda p, X: indrnn.step(X[0, :, :1], np.zeros((3, 4)), p), ValueError, "x_t"),
        (lambda p, X: indrnn.step_backward(np.zeros((3, 4)), None), TypeError, "step_cache"),
        (lambda p, X: indrnn.jacobian_diagonals(None), TypeError, "cache"),
    ],
)
def test_bad_input_names_the_argument(call, exc, pattern):
    params, X, _, _ = _problem()
    with pytest.raises(exc, match=pattern):
        call(params, X)
