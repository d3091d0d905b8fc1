"""Tests of vg.esn: reservoir scaling, ridge readout, determinism, memory capacity, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from vg import analysis, esn, rnn


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- init ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.3, 0.9, 1.0, 1.4])
@pytest.mark.parametrize("density", [1.0, 0.2])
def test_init_reaches_the_spectral_radius(rho: float, density: float) -> None:
    p = esn.init(2, 40, _rng(1), spectral_radius=rho, density=density)
    assert p["W_x"].shape == (40, 2)
    assert p["W_h"].shape == (40, 40)
    assert p["b"].shape == (40,)
    assert np.max(np.abs(np.linalg.eigvals(p["W_h"]))) == pytest.approx(rho, rel=1e-10)
    assert analysis.spectral_radius(p["W_h"]) == pytest.approx(rho, rel=1e-10)


def test_init_density_input_scale_and_bias() -> None:
    p = esn.init(3, 200, _rng(2), density=0.1, input_scale=0.25, bias_scale=0.5)
    frac = np.count_nonzero(p["W_h"]) / p["W_h"].size
    assert 0.08 < frac < 0.12
    assert np.max(np.abs(p["W_x"])) <= 0.25
    assert np.max(np.abs(p["W_x"])) > 0.2  # uses the range, not a much smaller one
    assert 0 < np.max(np.abs(p["b"])) <= 0.5
    assert np.all(esn.init(1, 5, _rng(0))["b"] == 0.0)


def test_init_zero_radius_and_float32() -> None:
    p = esn.init(1, 10, _rng(3), spectral_radius=0.0)
    assert np.all(p["W_h"] == 0.0)
    p32 = esn.init(1, 10, _rng(3), dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())


def test_init_is_deterministic() -> None:
    a = esn.init(1, 30, _rng(7), density=0.5)
    b = esn.init(1, 30, _rng(7), density=0.5)
    c = esn.init(1, 30, _rng(8), density=0.5)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["W_h"], c["W_h"])


# --- run -----------------------------------------------------------------------------------------


def test_run_is_the_rnn_cell_and_drops_the_washout() -> None:
    p = esn.init(2, 15, _rng(4), bias_scale=0.1)
    U = _rng(5).uniform(-1, 1, size=(30, 3, 2))
    S = esn.run(U, p, washout=10)
    assert S.shape == (20, 3, 15)
    # the same recursion written out step by step
    h = np.zeros((3, 15))
    for t in range(30):
        h = np.tanh(h @ p["W_h"].T + U[t] @ p["W_x"].T + p["b"])
        if t >= 10:
            np.testing.assert_allclose(S[t - 10], h, rtol=1e-12, atol=1e-14)
    H_all, _ = rnn.forward(U, p)
    np.testing.assert_array_equal(S, H_all[10:])


def test_run_linear_reservoir() -> None:
    p = {"W_x": np.ones((1, 1)), "W_h": np.full((1, 1), 0.5), "b": np.zeros(1)}
    U = np.zeros((4, 1, 1))
    U[0] = 1.0
    S = esn.run(U, p, activation="identity")
    np.testing.assert_allclose(S[:, 0, 0], [1.0, 0.5, 0.25, 0.125])


def test_echo_state_property_with_sigma_max_below_one() -> None:
    # sigma_max < 1 and tanh 1-Lipschitz: a contraction; two initial states converge geometrically.
    p = esn.init(1, 50, _rng(6), spectral_radius=0.5)
    s = np.linalg.norm(p["W_h"], 2)
    assert s < 1
    U = _rng(7).uniform(-1, 1, size=(60, 1, 1))
    h0 = _rng(8).uniform(-1, 1, size=(1, 50))
    d = np.linalg.norm(esn.run(U, p, h0=h0) - esn.run(U, p), axis=(1, 2))
    d0 = np.linalg.norm(h0)
    assert np.all(d <= d0 * s ** np.arange(1, 61) * (1 + 1e-9))


# --- fit_readout / predict -----------------------------------------------------------------------


def _regression_data(rows_t: int = 40, B: int = 3, N: int = 6, O: int = 2):
    rng = _rng(9)
    S = rng.standard_normal((rows_t, B, N)) + 0.3
    W = rng.standard_normal((O, N))
    Y = S @ W.T + rng.standard_normal((rows_t, B, O)) * 0.1 + np.array([1.0, -2.0])[:O]
    return S, Y


def test_fit_readout_without_ridge_is_least_squares() -> None:
    S, Y = _regression_data()
    W = esn.fit_readout(S, Y, ridge=0.0)
    A = np.hstack([S.reshape(-1, 6), np.ones((S.shape[0] * S.shape[1], 1))])
    coef, *_ = np.linalg.lstsq(A, Y.reshape(-1, 2), rcond=None)
    np.testing.assert_allclose(W["W_y"], coef[:6].T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W["b_y"], coef[6], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ridge", [1e-3, 1.0, 50.0])
def test_fit_readout_matches_augmented_lstsq_and_normal_equations(ridge: float) -> None:
    S, Y = _regression_data()
    W = esn.fit_readout(S, Y, ridge=ridge)
    S2, Y2 = S.reshape(-1, 6), Y.reshape(-1, 2)
    # Reference 1: ridge with unpenalised intercept = least squares on augmented rows.
    A = np.vstack(
        [
            np.hstack([S2, np.ones((len(S2), 1))]),
            np.hstack([np.sqrt(ridge) * np.eye(6), np.zeros((6, 1))]),
        ]
    )
    rhs = np.vstack([Y2, np.zeros((6, 2))])
    coef, *_ = np.linalg.lstsq(A, rhs, rcond=None)
    np.testing.assert_allclose(W["W_y"], coef[:6].T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(W["b_y"], coef[6], rtol=1e-9, atol=1e-12)
    # Reference 2: the gradient of the objective vanishes at the solution (the normal equations).
    R = Y2 - S2 @ W["W_y"].T - W["b_y"]
    np.testing.assert_allclose(-R.T @ S2 + ridge * W["W_y"], 0.0, atol=1e-9)
    np.testing.assert_allclose(R.sum(axis=0), 0.0, atol=1e-9)


def test_predict_applies_the_readout() -> None:
    S, Y = _regression_data()
    W = esn.fit_readout(S, Y, ridge=1e-6)
    Z = esn.predict(S, W)
    assert Z.shape == Y.shape
    np.testing.assert_allclose(Z, S @ W["W_y"].T + W["b_y"])
    assert np.mean((Z - Y) ** 2) < 0.02  # the noise variance is 0.01


def test_ridge_shrinks_the_weights() -> None:
    S, Y = _regression_data()
    norms = [np.linalg.norm(esn.fit_readout(S, Y, ridge=r)["W_y"]) for r in (0.0, 1.0, 100.0, 1e4)]
    assert norms == sorted(norms, reverse=True)


# --- memory capacity -----------------------------------------------------------------------------


def test_memory_of_one_linear_unit_matches_the_closed_form() -> None:
    # h_t = a h_{t-1} + u_t: r2_d = (1 - a^2) a^(2d) and MC = sum_d r2_d = 1 (= N).
    a = 0.8
    p = {"W_x": np.ones((1, 1)), "W_h": np.full((1, 1), a), "b": np.zeros(1)}
    exact = (1 - a**2) * a ** (2 * np.arange(31))
    lin = esn.linear_memory_curve(p, 30)
    np.testing.assert_allclose(lin.r2, exact, rtol=1e-10)
    mc = esn.memory_capacity(
        p, _rng(10), max_delay=30, T=5000, batch_size=10, activation="identity"
    )
    np.testing.assert_array_equal(mc.delays, np.arange(31))
    np.testing.assert_allclose(mc.r2, exact, atol=0.01)
    assert mc.capacity == pytest.approx(1.0, abs=0.03)


def test_linear_reservoir_reaches_capacity_n() -> None:
    # A diagonal linear reservoir with distinct decay rates: G is well conditioned and MC -> N.
    N = 4
    p = {"W_x": np.ones((N, 1)), "W_h": np.diag([0.1, 0.4, 0.6, 0.75]), "b": np.zeros(N)}
    lin = esn.linear_memory_curve(p, 200)
    assert lin.capacity == pytest.approx(N, abs=1e-6)
    mc = esn.memory_capacity(
        p, _rng(11), max_delay=40, T=4000, batch_size=10, activation="identity"
    )
    np.testing.assert_allclose(mc.r2, lin.r2[:41], atol=0.02)
    assert mc.capacity == pytest.approx(lin.r2[:41].sum(), abs=0.1)


def test_memory_capacity_is_at_most_n_and_grows_with_the_radius() -> None:
    caps = []
    for rho in (0.1, 0.5, 0.9):
        p = esn.init(1, 20, _rng(12), spectral_radius=rho, input_scale=0.1)
        mc = esn.memory_capacity(p, _rng(13), T=1000, batch_size=4)
        assert mc.r2.shape == (41,)
        assert np.all((mc.r2 >= 0) & (mc.r2 <= 1))
        assert mc.capacity <= 20
        caps.append(mc.capacity)
    assert caps[0] < caps[1] < caps[2]


def test_memory_capacity_is_deterministic() -> None:
    p = esn.init(1, 10, _rng(14))
    a = esn.memory_capacity(p, _rng(15), T=300)
    b = esn.memory_capacity(p, _rng(15), T=300)
    np.testing.assert_array_equal(a.r2, b.r2)
    assert a.capacity == b.capacity


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"reservoir_size": 0}, ValueError, "reservoir_size"),
        ({"reservoir_size": 5.0}, TypeError, "reservoir_size"),
        ({"input_size": 0}, ValueError, "input_size"),
        ({"spectral_radius": -0.5}, ValueError, "spectral_radius"),
        ({"spectral_radius": float("nan")}, ValueError, "spectral_radius"),
        ({"density": 1.5}, ValueError, "density"),
        ({"density": 0.0}, ValueError, "density"),
        ({"input_scale": 0.0}, ValueError, "input_scale"),
        ({"bias_scale": -1.0}, ValueError, "bias_scale"),
        ({"rng": 0}, TypeError, "rng"),
        ({"dtype": np.int32}, ValueError, "dtype"),
    ],
)
def test_init_bad_input(kwargs: dict, exc: type, match: str) -> None:
    args = {"input_size": 1, "reservoir_size": 5, "rng": _rng()}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        esn.init(**args)


def test_init_too_sparse_is_refused() -> None:
    with pytest.raises(ValueError, match="density"):
        esn.init(1, 3, _rng(0), density=1e-6)


def test_run_bad_input() -> None:
    p = esn.init(2, 5, _rng())
    with pytest.raises(ValueError, match=r"U must have shape"):
        esn.run(np.zeros((10, 1, 3)), p)
    with pytest.raises(ValueError, match="U must have 3 dimensions"):
        esn.run(np.zeros((10, 2)), p)
    with pytest.raises(ValueError, match="washout must be < T = 10"):
        esn.run(np.zeros((10, 1, 2)), p, washout=10)
    with pytest.raises(ValueError, match="activation"):
        esn.run(np.zeros((10, 1, 2)), p, activation="relu")
    with pytest.raises(ValueError, match=r"params must have exactly the keys"):
        esn.run(np.zeros((10, 1, 2)), {"W_h": p["W_h"]})


def test_fit_readout_bad_input() -> None:
    S, Y = _regression_data()
    with pytest.raises(ValueError, match="targets must have shape"):
        esn.fit_readout(S, Y[:-1])
    with pytest.raises(ValueError, match="targets must have 3 dimensions"):
        esn.fit_readout(S, Y[:, :, 0])
    with pytest.raises(ValueError, match="ridge"):
        esn.fit_readout(S, Y, ridge=-1.0)
    with pytest.raises(ValueError, match="states must be finite"):
        esn.fit_readout(np.full_like(S, np.nan), Y)
    with pytest.raises(ValueError, match="ridge > 0"):
        esn.fit_readout(np.ones((5, 1, 3)), np.ones((5, 1, 1)), ridge=0.0)
    with pytest.raises(ValueError, match="diverge"):
        esn.fit_readout(np.full((5, 1, 2), 1e200) * np.arange(5)[:, None, None], np.ones((5, 1, 1)))


def test_predict_bad_input() -> None:
    S, Y = _regression_data()
    W = esn.fit_readout(S, Y)
    with pytest.raises(ValueError, match="states must have 3 dimensions"):
        esn.predict(S[0], W)
    with pytest.raises(ValueError, match="H"):
        esn.predict(S[:, :, :3], W)


def test_memory_capacity_bad_input() -> None:
    p = esn.init(1, 5, _rng())
    with pytest.raises(ValueError, match="washout must be >= max_delay = 20"):
        esn.memory_capacity(p, _rng(), max_delay=20, washout=5)
    with pytest.raises(ValueError, match=r"W_x'\] must have shape \(N, 1\)"):
        esn.memory_capacity(esn.init(2, 5, _rng()), _rng())
    with pytest.raises(TypeError, match="rng"):
        esn.memory_capacity(p, 0)
    with pytest.raises(ValueError, match="max_delay"):
        esn.memory_capacity(p, _rng(), max_delay=-1)


@pytest.mark.parametrize("radius", [1.0, 1.0 - 1e-15, 1.0 + 1e-15, 1.01, 3.0])
def test_linear_memory_curve_refuses_radius_one_up_to_rounding(radius: float) -> None:
    # A reservoir scaled to radius 1 has a computed radius of 1 +- a few ulps, depending on the BLAS
    # kernel (0.9999999999999998 on some): every such radius must be refused, never overflow.
    p = esn.init(1, 5, _rng(), spectral_radius=1.0)
    p["W_h"] = p["W_h"] * (radius / analysis.spectral_radius(p["W_h"]))
    with pytest.raises(ValueError, match="spectral radius < 1"):
        esn.linear_memory_curve(p, 10)


def test_linear_memory_curve_accepts_radius_just_inside_the_margin() -> None:
    p = esn.init(1, 5, _rng(), spectral_radius=1.0 - 1e-6)
    curve = esn.linear_memory_curve(p, 10)
    assert np.all(np.isfinite(curve.r2))


def test_linear_memory_curve_bad_input() -> None:
    with pytest.raises(ValueError, match="ill-conditioned"):
        esn.linear_memory_curve(esn.init(1, 60, _rng(), spectral_radius=0.8), 10)
