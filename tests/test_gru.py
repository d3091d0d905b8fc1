"""The GRU: gradients, the step path, truncated BPTT, dtypes and init."""

from __future__ import annotations

import numpy as np
import pytest
from _cells import GRU, random_problem
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


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_match_finite_differences(shape):
    check_gradients(GRU, *shape)


def test_forward_equals_loop_over_step():
    check_forward_equals_steps(GRU)


def test_backward_equals_loop_over_step_backward():
    check_backward_equals_step_backward(GRU)


def test_truncated_bptt():
    check_truncation(GRU)


def test_truncate_one_is_immediate():
    check_truncate_one_is_immediate(GRU)


def test_float32():
    check_float32(GRU)


def test_params_and_grads_have_the_nine_names():
    params, X, (h0,), G = random_problem(GRU, 3, 2, 2, 3)
    names = {f"{w}{g}" for g in "zrh" for w in ("W_x", "W_h")} | {f"b_{g}" for g in "zrh"}
    assert set(params) == names
    _, cache = vg.gru.forward(X, params, h0)
    grads, dX, dh0 = vg.gru.backward(G, cache)
    assert set(grads) == names
    for k in params:
        assert grads[k].shape == params[k].shape
    assert dX.shape == X.shape and dh0.shape == (2, 3)


def test_step_is_the_cho_form_not_pytorchs():
    """h_tilde uses W_hh (r * h_prev): with r = 0 the candidate ignores h_prev entirely."""
    p = vg.gru.init(1, 3, np.random.default_rng(0))
    p["b_r"][:] = -50.0  # r = 0 (to within 2e-22)
    p["b_z"][:] = -50.0  # z = 0: h = h_tilde
    x = np.ones((1, 1))
    h_a, _ = vg.gru.step(x, np.zeros((1, 3)), p)
    h_b, _ = vg.gru.step(x, np.full((1, 3), 5.0), p)
    np.testing.assert_allclose(h_a, h_b, atol=1e-15)
    np.testing.assert_allclose(h_a, np.tanh(x @ p["W_xh"].T + p["b_h"]), atol=1e-15)


def test_init_schemes():
    p = vg.gru.init(2, 5, np.random.default_rng(0), init="orthogonal")
    for g in "zrh":
        np.testing.assert_allclose(p[f"W_h{g}"].T @ p[f"W_h{g}"], np.eye(5), atol=1e-12)
        np.testing.assert_array_equal(p[f"b_{g}"], 0.0)
    p = vg.gru.init(2, 400, np.random.default_rng(0))
    assert abs(p["W_hh"].std() - 1 / 20) < 0.002
