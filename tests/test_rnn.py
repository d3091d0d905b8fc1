"""The vanilla RNN: gradients, the step path, truncated BPTT, dtypes and the init schemes."""

from __future__ import annotations

import numpy as np
import pytest
from _cells import RNN_CELLS, random_problem
from _fd import relative_error
from _gradtests import (
    SHAPES,
    check_backward_equals_step_backward,
    check_float32,
    check_forward_equals_steps,
    check_gradients,
    check_truncate_one_is_immediate,
    check_truncation,
)

import vg

CELLS = {c.name: c for c in RNN_CELLS}


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_match_finite_differences(cell, shape):
    check_gradients(CELLS[cell], *shape)


@pytest.mark.parametrize("cell", CELLS)
def test_forward_equals_loop_over_step(cell):
    check_forward_equals_steps(CELLS[cell])


@pytest.mark.parametrize("cell", CELLS)
def test_backward_equals_loop_over_step_backward(cell):
    check_backward_equals_step_backward(CELLS[cell])


@pytest.mark.parametrize("cell", ["rnn-tanh", "rnn-relu"])
def test_truncated_bptt(cell):
    check_truncation(CELLS[cell])


@pytest.mark.parametrize("cell", ["rnn-tanh", "rnn-sigmoid"])
def test_truncate_one_is_immediate_via_step_backward(cell):
    check_truncate_one_is_immediate(CELLS[cell])


def test_truncate_one_equals_explicit_formula():
    """k = 1: dW = sum_t (d+h_t/dW)^T dH_all[t], written out for tanh, with no recurrent Jacobian."""
    T, B, D, H = 6, 3, 2, 4
    params, X, (h0,), G = random_problem(CELLS["rnn-tanh"], T, B, D, H, seed=7)
    H_all, cache = vg.rnn.forward(X, params, h0)
    grads, dX, dh0 = vg.rnn.backward(G, cache, truncate=1)
    H_prev = np.concatenate([h0[None], H_all[:-1]])
    dA = G * (1 - H_all**2)  # immediate: da_t = dH_all[t] * tanh'(a_t)
    np.testing.assert_allclose(grads["W_h"], np.einsum("tbi,tbj->ij", dA, H_prev), rtol=1e-12)
    np.testing.assert_allclose(grads["W_x"], np.einsum("tbi,tbj->ij", dA, X), rtol=1e-12)
    np.testing.assert_allclose(grads["b"], dA.sum(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(dX, dA @ params["W_x"], rtol=1e-12)
    np.testing.assert_allclose(dh0, dA[0] @ params["W_h"], rtol=1e-12)


@pytest.mark.parametrize("cell", ["rnn-tanh", "rnn-relu"])
def test_float32(cell):
    check_float32(CELLS[cell])


def test_default_h0_is_zero_and_cache_remembers_activation():
    rng = np.random.default_rng(0)
    p = vg.rnn.init(2, 3, rng)
    X = rng.standard_normal((4, 2, 2))
    H_default, _ = vg.rnn.forward(X, p, activation="relu")
    H_zero, cache = vg.rnn.forward(X, p, np.zeros((2, 3)), activation="relu")
    np.testing.assert_array_equal(H_default, H_zero)
    assert cache.activation == "relu"
    assert np.all(H_default >= 0)


def test_backward_does_not_modify_cache():
    params, X, (h0,), G = random_problem(CELLS["rnn-tanh"], 5, 2, 2, 3)
    _, cache = vg.rnn.forward(X, params, h0)
    first = vg.rnn.backward(G, cache)
    second = vg.rnn.backward(G, cache)
    for name in params:
        np.testing.assert_array_equal(first[0][name], second[0][name])


def test_gaussian_init_shapes_and_scale():
    rng = np.random.default_rng(0)
    p = vg.rnn.init(3, 200, rng)
    assert {k: v.shape for k, v in p.items()} == {"W_x": (200, 3), "W_h": (200, 200), "b": (200,)}
    assert all(v.dtype == np.float64 for v in p.values())
    np.testing.assert_array_equal(p["b"], 0.0)
    assert abs(p["W_h"].std() - 1 / np.sqrt(200)) < 0.05 / np.sqrt(200)
    assert abs(p["W_x"].std() - 1 / np.sqrt(3)) < 0.1
    # circular law: spectral radius of the default close to 1
    assert 0.85 < np.max(np.abs(np.linalg.eigvals(p["W_h"]))) < 1.15
    p2 = vg.rnn.init(3, 200, np.random.default_rng(0), scale=0.5 / np.sqrt(200))
    assert abs(p2["W_h"].std() - 0.5 / np.sqrt(200)) < 0.05 / np.sqrt(200)


@pytest.mark.parametrize("scheme", ["gaussian", "orthogonal", "identity"])
@pytest.mark.parametrize("target", [0.5, 1.3])
def test_rescaling_to_spectral_radius_and_sigma_max(scheme, target):
    p = vg.rnn.init(2, 30, np.random.default_rng(1), init=scheme, spectral_radius=target)
    assert np.max(np.abs(np.linalg.eigvals(p["W_h"]))) == pytest.approx(target, rel=1e-10)
    p = vg.rnn.init(2, 30, np.random.default_rng(1), init=scheme, sigma_max=target)
    assert np.linalg.norm(p["W_h"], 2) == pytest.approx(target, rel=1e-10)


def test_orthogonal_init():
    p = vg.rnn.init(2, 20, np.random.default_rng(2), init="orthogonal")
    np.testing.assert_allclose(p["W_h"].T @ p["W_h"], np.eye(20), atol=1e-12)
    p = vg.rnn.init(2, 20, np.random.default_rng(2), init="orthogonal", scale=1.5)
    np.testing.assert_allclose(np.linalg.svd(p["W_h"], compute_uv=False), 1.5, rtol=1e-12)


def test_orthogonal_sign_fix_gives_haar_distribution():
    """Without the sign fix, QR's Q has a biased diagonal; with it, E[Q_11] = 0."""
    rng = np.random.default_rng(3)
    q11 = [vg.rnn.orthogonal(3, rng)[0, 0] for _ in range(4000)]
    assert abs(np.mean(q11)) < 0.03


def test_identity_init():
    p = vg.rnn.init(4, 6, np.random.default_rng(0), init="identity")
    np.testing.assert_array_equal(p["W_h"], np.eye(6))
    np.testing.assert_array_equal(p["b"], 0.0)
    assert np.max(np.abs(p["W_x"])) < 0.01
    p = vg.rnn.init(4, 6, np.random.default_rng(0), init="identity", scale=0.9)
    np.testing.assert_array_equal(p["W_h"], 0.9 * np.eye(6))


def test_init_is_deterministic_and_dtype():
    a = vg.rnn.init(2, 5, np.random.default_rng(9))
    b = vg.rnn.init(2, 5, np.random.default_rng(9))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    p32 = vg.rnn.init(2, 5, np.random.default_rng(9), dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())
    assert relative_error(p32["W_h"], a["W_h"]) < 1e-7
