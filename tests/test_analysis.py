"""Tests for vg.analysis: Jacobian products, gradient norms, the bound, saturation, decay rates."""

from __future__ import annotations

import numpy as np
import pytest

import vg
from vg import analysis


def make(T=6, B=2, D=3, H=4, seed=0, activation="tanh", sigma_max=None):
    rng = np.random.default_rng(seed)
    if sigma_max is None:  # gamma * sigma_max = 1.3: products neither tiny nor huge
        sigma_max = 1.3 / vg.activations.derivative_bound(activation)
    params = vg.rnn.init(D, H, rng=rng, sigma_max=sigma_max)
    params["b"] = 0.3 * rng.standard_normal(H)
    X = rng.standard_normal((T, B, D))
    h0 = 0.5 * rng.standard_normal((B, H))
    H_all, cache = vg.rnn.forward(X, params, h0=h0, activation=activation)
    return X, params, h0, H_all, cache


def unrolled(X, params, activation, k, t, b):
    """The map h_k -> h_t for example b, with the inputs x_{k+1} .. x_t (maths numbering) fixed."""

    def f(h):
        for j in range(k + 1, t + 1):
            h, _ = vg.rnn.step(X[j - 1, b : b + 1], h[None], params, activation=activation)
            h = h[0]
        return h

    return f


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize(("t", "k"), [(6, 0), (6, 3), (4, 1), (1, 0), (3, 3)])
def test_jacobian_product_matches_finite_differences(activation, t, k) -> None:
    X, params, h0, H_all, cache = make(activation=activation)
    P = analysis.jacobian_product(cache, t, k)
    Hs = np.concatenate([h0[None], H_all])
    for b in range(2):
        num = analysis.numerical_jacobian(unrolled(X, params, activation, k, t, b), Hs[k, b])
        rel = np.max(np.abs(P[b] - num)) / max(np.max(np.abs(num)), 1e-12)
        assert rel < 1e-7


def test_step_jacobians_are_diag_phi_prime_times_W_h() -> None:
    _X, params, _h0, H_all, cache = make()
    J = analysis.step_jacobians(cache)
    assert J.shape == (6, 2, 4, 4)
    t, b = 2, 1
    expected = np.diag(1 - H_all[t, b] ** 2) @ params["W_h"]
    np.testing.assert_allclose(J[t, b], expected, rtol=1e-14, atol=1e-15)


def test_jacobian_norms_are_norms_of_the_products() -> None:
    _X, _params, _h0, _H_all, cache = make(T=7)
    norms = analysis.jacobian_norms(cache)
    assert norms.shape == (8, 2)
    for k in range(8):
        P = analysis.jacobian_product(cache, 7, k)
        for b in range(2):
            assert norms[k, b] == pytest.approx(np.linalg.norm(P[b], 2), rel=1e-12)
    assert np.allclose(norms[7], 1.0)
    assert analysis.jacobian_norms(cache, t=3).shape == (4, 2)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_gradients_match_finite_differences_and_rnn_backward(activation) -> None:
    X, params, h0, H_all, cache = make(activation=activation)
    rng = np.random.default_rng(5)
    dh_T = rng.standard_normal((2, 4))
    G = analysis.hidden_gradients(cache, dh_T)
    assert G.shape == (7, 2, 4)
    # dL/dh_0 is what vg.rnn.backward returns as dh0 when dH_all is zero except at the last step.
    dH_all = np.zeros_like(H_all)
    dH_all[-1] = dh_T
    _, _, dh0 = vg.rnn.backward(dH_all, cache)
    np.testing.assert_allclose(G[0], dh0, rtol=1e-12, atol=1e-14)
    # Every k: finite differences of L = dh_T . h_T as a function of h_k.
    Hs = np.concatenate([h0[None], H_all])
    for k in range(7):
        for b in range(2):
            f = unrolled(X, params, activation, k, 6, b)
            num = analysis.numerical_jacobian(
                lambda h, f=f, b=b: np.array([dh_T[b] @ f(h)]), Hs[k, b]
            )
            rel = np.max(np.abs(G[k, b] - num[0])) / max(np.max(np.abs(num)), 1e-12)
            assert rel < 1e-7


def test_gradient_norms_default_is_a_unit_vector_at_the_last_step() -> None:
    _, _, _, _, cache = make()
    norms = analysis.gradient_norms(cache)
    assert norms.shape == (7, 2)
    np.testing.assert_allclose(norms[-1], 1.0)
    G = analysis.hidden_gradients(cache, np.full((2, 4), 0.5))
    np.testing.assert_allclose(norms, np.linalg.norm(G, axis=-1), rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", range(8))
def test_bound_holds_on_random_instances(activation, seed) -> None:
    rng = np.random.default_rng(100 + seed)
    sm = float(rng.uniform(0.3, 6.0))
    _X, params, _h0, _H_all, cache = make(
        T=12, B=3, H=5, seed=seed, activation=activation, sigma_max=sm
    )
    rate = analysis.jacobian_bound(params["W_h"], activation)
    gamma = 1.0 if activation == "tanh" else 0.25
    assert rate == pytest.approx(gamma * sm, rel=1e-10)
    norms = analysis.jacobian_norms(cache)
    distance = 12 - np.arange(13)
    assert np.all(norms <= rate ** distance[:, None] * (1 + 1e-10))


def test_linear_rnn_with_orthogonal_weights_keeps_the_norm() -> None:
    # identity activation and W_h = s Q: dh_t/dh_k = (s Q)^(t-k), norm exactly s^(t-k).
    rng = np.random.default_rng(1)
    params = vg.rnn.init(2, 5, rng=rng, init="orthogonal", scale=0.8)
    X = rng.standard_normal((10, 1, 2))
    _, cache = vg.rnn.forward(X, params, activation="identity")
    norms = analysis.jacobian_norms(cache)[:, 0]
    np.testing.assert_allclose(norms, 0.8 ** (10 - np.arange(11)), rtol=1e-12)
    g = analysis.gradient_norms(cache)[:, 0]
    np.testing.assert_allclose(g, 0.8 ** (10 - np.arange(11)), rtol=1e-12)
    assert analysis.decay_rate(g[::-1]) == pytest.approx(0.8, rel=1e-12)


def test_singular_values_and_spectral_radius() -> None:
    rng = np.random.default_rng(2)
    W = rng.standard_normal((6, 6))
    s = analysis.singular_values(W)
    assert np.all(np.diff(s) <= 0)
    assert s[0] == pytest.approx(np.sqrt(np.max(np.linalg.eigvalsh(W.T @ W))), rel=1e-12)
    assert analysis.sigma_max(W) == pytest.approx(s[0])
    rho = analysis.spectral_radius(W)
    assert rho <= s[0] + 1e-12
    # A non-normal matrix: nilpotent, spectral radius 0 but norm 5.
    N = np.array([[0.0, 5.0], [0.0, 0.0]])
    assert analysis.spectral_radius(N) == 0.0 and analysis.sigma_max(N) == pytest.approx(5.0)


def test_saturation_statistics() -> None:
    H_all = np.array([[[0.99, -0.97, 0.1, 0.0]], [[0.5, -0.96, 0.94, 1.0]]])
    assert analysis.saturation_fraction(H_all) == pytest.approx(4 / 8)
    assert analysis.saturation_fraction(H_all, threshold=0.5) == pytest.approx(5 / 8)
    # Saturation grows with the weight scale: large inputs push tanh units to +-1.
    fractions = []
    small = []
    for scale in [0.1, 1.0, 10.0]:
        rng = np.random.default_rng(3)
        params = vg.rnn.init(3, 16, rng=rng, sigma_max=1.0)
        params = {k: v * scale for k, v in params.items()}
        H_all, cache = vg.rnn.forward(rng.standard_normal((20, 4, 3)), params)
        fractions.append(analysis.saturation_fraction(H_all))
        small.append(analysis.small_derivative_fraction(cache, threshold=0.0975))
        brute = np.mean(1 - H_all**2 < 0.0975)
        assert small[-1] == pytest.approx(brute)
    assert fractions[0] == 0.0 and fractions[0] < fractions[1] < fractions[2]
    assert small[2] > 0.5


@pytest.mark.parametrize("rate", [0.3, 0.9, 1.0, 1.7])
def test_decay_rate_recovers_a_known_rate(rate) -> None:
    rng = np.random.default_rng(4)
    d = np.arange(40)
    noisy = 3.0 * rate**d * np.exp(0.05 * rng.standard_normal(d.size))
    assert analysis.decay_rate(noisy) == pytest.approx(rate, rel=0.01)
    exact = 3.0 * rate ** (2.0 * d)
    assert analysis.decay_rate(exact, distances=2.0 * d) == pytest.approx(rate, rel=1e-10)


def test_numerical_jacobian_of_a_linear_map() -> None:
    A = np.arange(6.0).reshape(2, 3)
    J = analysis.numerical_jacobian(lambda x: A @ x, np.ones(3))
    np.testing.assert_allclose(J, A, atol=1e-9)


def test_numerical_jacobian_of_a_gated_cell_step() -> None:
    # The generic fallback works on any step function, e.g. an LSTM's h -> h with c fixed.
    rng = np.random.default_rng(6)
    params = vg.lstm.init(2, 3, rng=rng)
    x_t = rng.standard_normal((1, 2))
    c_prev = rng.standard_normal((1, 3))

    def f(h):
        (h_next, _c), _cache = vg.lstm.step(x_t, h[None], c_prev, params)
        return h_next[0]

    h = rng.standard_normal(3)
    J = analysis.numerical_jacobian(f, h)
    J2 = analysis.numerical_jacobian(f, h, eps=1e-4)
    assert J.shape == (3, 3) and np.max(np.abs(J - J2)) < 1e-6


def test_no_warning_when_products_overflow() -> None:
    # A linear RNN with zero inputs stays at h = 0, but its Jacobians are W_h: 20**400 overflows.
    params = vg.rnn.init(1, 3, rng=np.random.default_rng(7), sigma_max=20.0)
    _, cache = vg.rnn.forward(np.zeros((400, 1, 1)), params, activation="identity")
    norms = analysis.gradient_norms(cache)
    assert np.isinf(norms[0, 0]) and np.isfinite(norms[-1, 0])
    assert np.isinf(analysis.jacobian_norms(cache)[0, 0])


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda c: analysis.step_jacobians({"Hs": 1}), TypeError, "cache must be the RNNCache"),
        (lambda c: analysis.jacobian_product(c, 7, 0), ValueError, "t must satisfy 0 <= t <= 6"),
        (lambda c: analysis.jacobian_product(c, 3, 4), ValueError, "k must satisfy 0 <= k <= 3"),
        (lambda c: analysis.jacobian_product(c, -1, 0), ValueError, "t must be an integer >= 0"),
        (lambda c: analysis.jacobian_norms(c, t=2.0), TypeError, "t must be an integer"),
        (
            lambda c: analysis.hidden_gradients(c, np.ones((2, 5))),
            ValueError,
            "dh_T must have shape",
        ),
        (lambda c: analysis.gradient_norms(c, np.ones(4)), ValueError, "dh_T must have 2 dim"),
        (lambda c: analysis.sigma_max(np.ones((2, 3))), ValueError, "W must have shape"),
        (lambda c: analysis.spectral_radius(np.ones(3)), ValueError, "W must have 2 dim"),
        (lambda c: analysis.jacobian_bound(np.eye(2), "softplus"), ValueError, "activation must"),
        (lambda c: analysis.saturation_fraction(np.ones(3), 1.5), ValueError, "threshold must"),
        (lambda c: analysis.small_derivative_fraction(c, -0.1), ValueError, "threshold must"),
        (lambda c: analysis.decay_rate(np.array([1.0])), ValueError, "at least 2"),
        (lambda c: analysis.decay_rate(np.array([1.0, 0.0])), ValueError, "norms must be positive"),
        (lambda c: analysis.decay_rate(np.ones(3), np.ones(2)), ValueError, "distances must"),
        (lambda c: analysis.decay_rate(np.ones(3), np.ones(3)), ValueError, "not all be equal"),
        (lambda c: analysis.numerical_jacobian(3, np.ones(2)), TypeError, "f must be a callable"),
        (lambda c: analysis.numerical_jacobian(lambda x: x, np.ones((2, 2))), ValueError, "x must"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match) -> None:
    _, _, _, _, cache = make()
    with pytest.raises(exc, match=match):
        call(cache)
