"""Tests of vg.penalties: values against literal formulas, gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import vg
from vg import penalties

ACTS = ["tanh", "sigmoid", "relu", "identity"]


def _setup(activation: str, seed: int = 0, T: int = 6, B: int = 4, D: int = 3, H: int = 5):
    rng = np.random.default_rng(seed)
    params = vg.rnn.init(D, H, rng=rng, sigma_max=1.2)
    params["b"] = 0.3 * rng.standard_normal(H)
    X = rng.standard_normal((T, B, D))
    H_all, cache = vg.rnn.forward(X, params, activation=activation)
    dH = rng.standard_normal(H_all.shape)
    return params, X, cache, dH


def _omega_literal(cache, dH) -> float:
    """Omega with explicit Jacobian matrices, one example and one step at a time."""
    W_h = cache.params["W_h"]
    act = vg.activations.ACTIVATIONS[cache.activation]
    T, B, _ = dH.shape
    total = 0.0
    for b in range(B):
        for t in range(T):
            h_t = cache.Hs[t + 1, b]
            J = np.diag(act.grad(h_t)) @ W_h  # dh_t/dh_{t-1}, column-vector convention
            delta = dH[t, b]
            total += (np.linalg.norm(J.T @ delta) / np.linalg.norm(delta) - 1.0) ** 2
    return total / B


@pytest.mark.parametrize("activation", ACTS)
def test_omega_value_matches_literal_formula(activation):
    _, _, cache, dH = _setup(activation)
    value, _ = penalties.omega(cache, dH)
    assert value == pytest.approx(_omega_literal(cache, dH), rel=1e-12)


@pytest.mark.parametrize("activation", ACTS)
def test_omega_gradient_matches_finite_differences(activation):
    # The gradient of Omega(params) with dH held constant (Pascanu et al.'s convention): the
    # finite differences rerun the forward pass but keep the same dH.
    params, X, cache, dH = _setup(activation, seed=1)
    _, grads = penalties.omega(cache, dH)
    assert set(grads) == set(params)

    def f(p):
        _, c = vg.rnn.forward(X, p, activation=activation)
        return penalties.omega(c, dH)[0]

    errors = vg.gradcheck.check(f, params, grads)
    assert max(errors.values()) < 1e-7, errors
    # The check must be able to fail: the direct term alone is not the gradient for tanh.
    if activation == "tanh":
        assert np.max(np.abs(grads["W_x"])) > 1e-3


def test_omega_is_zero_for_norm_preserving_steps():
    # identity activation and orthogonal W_h: every J_t^T is orthogonal, every ratio is exactly 1.
    rng = np.random.default_rng(2)
    params = vg.rnn.init(2, 6, rng=rng, init="orthogonal")
    X = rng.standard_normal((5, 3, 2))
    _, cache = vg.rnn.forward(X, params, activation="identity")
    value, grads = penalties.omega(cache, rng.standard_normal((5, 3, 6)))
    assert value == pytest.approx(0.0, abs=1e-24)
    assert max(np.max(np.abs(g)) for g in grads.values()) < 1e-12


def test_omega_counts_shrinking_and_growing_steps():
    # identity activation, W_h = s I: every ratio is s, so Omega = T (s - 1)^2, for s < 1 or s > 1.
    X = np.zeros((4, 2, 1))
    for s in (0.5, 1.5):
        params = {"W_x": np.ones((3, 1)), "W_h": s * np.eye(3), "b": np.zeros(3)}
        _, cache = vg.rnn.forward(X, params, activation="identity")
        value, _ = penalties.omega(cache, np.ones((4, 2, 3)))
        assert value == pytest.approx(4 * (s - 1.0) ** 2, rel=1e-12)


def test_omega_ignores_the_size_of_the_errors():
    _, _, cache, dH = _setup("tanh", seed=3)
    v1, g1 = penalties.omega(cache, dH)
    for scale in (1e-200, 1e200):  # vanishing and exploding errors: no underflow, no overflow
        v2, g2 = penalties.omega(cache, dH * scale)
        assert v2 == pytest.approx(v1, rel=1e-12)
        for k in g1:
            np.testing.assert_allclose(g2[k], g1[k], rtol=1e-10, atol=1e-14)


def test_omega_skips_steps_with_zero_error():
    _, _, cache, dH = _setup("tanh", seed=4)
    dH0 = dH.copy()
    dH0[2, 1] = 0.0
    value, grads = penalties.omega(cache, dH0)
    assert np.isfinite(value)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    keep = np.ones(dH.shape[:2], dtype=bool)
    keep[2, 1] = False
    # Same as the literal formula over the remaining terms.
    W_h = cache.params["W_h"]
    expected = 0.0
    for t, b in zip(*np.nonzero(keep), strict=True):
        J = np.diag(1.0 - cache.Hs[t + 1, b] ** 2) @ W_h
        expected += (np.linalg.norm(J.T @ dH[t, b]) / np.linalg.norm(dH[t, b]) - 1.0) ** 2
    assert value == pytest.approx(expected / dH.shape[1], rel=1e-12)


def test_omega_float32():
    rng = np.random.default_rng(5)
    params = vg.rnn.init(2, 4, rng=rng, dtype=np.float32)
    X = rng.standard_normal((3, 2, 2)).astype(np.float32)
    _, cache = vg.rnn.forward(X, params)
    value, grads = penalties.omega(cache, rng.standard_normal((3, 2, 4)).astype(np.float32))
    assert np.isfinite(value)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_l2_value_and_gradient():
    rng = np.random.default_rng(8)
    params = vg.rnn.init(3, 4, rng=rng)
    before = {k: v.copy() for k, v in params.items()}
    value, grads = penalties.l2(params, ["W_h"], weight=0.1)
    assert value == pytest.approx(0.05 * np.sum(params["W_h"] ** 2), rel=1e-12)
    assert set(grads) == set(params)
    np.testing.assert_array_equal(grads["W_x"], 0.0)
    np.testing.assert_array_equal(grads["b"], 0.0)
    errors = vg.gradcheck.check(lambda p: penalties.l2(p, ["W_h", "W_x"], 0.1)[0], params,
                                penalties.l2(params, ["W_h", "W_x"], 0.1)[1])
    assert max(errors.values()) < 1e-7, errors
    for k in params:  # inputs untouched
        np.testing.assert_array_equal(params[k], before[k])


def test_l2_weight_zero_is_no_penalty():
    params = vg.rnn.init(2, 3, rng=np.random.default_rng(9))
    value, grads = penalties.l2(params, ["W_h"], 0.0)
    assert value == 0.0
    assert all(np.all(g == 0.0) for g in grads.values())


@pytest.mark.parametrize(
    ("keys", "weight", "exc", "match"),
    [
        (["W_q"], 0.1, ValueError, "keys must be keys of params"),
        ("W_h", 0.1, TypeError, "keys must be a list"),
        ([], 0.1, ValueError, "at least one"),
        (["W_h"], -1.0, ValueError, "weight must be a finite number >= 0"),
        (["W_h"], float("nan"), ValueError, "weight"),
        (["W_h"], "0.1", TypeError, "weight must be a real number"),
    ],
)
def test_l2_bad_input(keys, weight, exc, match):
    params = vg.rnn.init(2, 3, rng=np.random.default_rng(10))
    with pytest.raises(exc, match=match):
        penalties.l2(params, keys, weight)


def test_l2_bad_params():
    with pytest.raises(TypeError, match="params must be a dict"):
        penalties.l2([np.ones(3)], ["W_h"], 0.1)
    with pytest.raises(ValueError, match=r"params\['W_h'\] must be finite"):
        penalties.l2({"W_h": np.array([1.0, np.inf])}, ["W_h"], 0.1)


def test_omega_bad_input():
    _, _, cache, dH = _setup("tanh")
    with pytest.raises(TypeError, match="cache must be the RNNCache"):
        penalties.omega({"Hs": 1}, dH)
    with pytest.raises(ValueError, match=r"dH must have shape \(6, 4, 5\)"):
        penalties.omega(cache, dH[:, :, :3])
    with pytest.raises(ValueError, match="dH must have 3 dimensions"):
        penalties.omega(cache, dH[0])
    bad = dH.copy()
    bad[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="dH must be finite"):
        penalties.omega(cache, bad)
