"""The LSTM: gradients (including dc0), the step path, truncated BPTT, dtypes and init."""

from __future__ import annotations

import numpy as np
import pytest
from _cells import LSTM, random_problem
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
    check_gradients(LSTM, *shape)


def test_forward_equals_loop_over_step():
    check_forward_equals_steps(LSTM)


def test_backward_equals_loop_over_step_backward():
    check_backward_equals_step_backward(LSTM)


def test_truncated_bptt():
    check_truncation(LSTM)


def test_truncate_one_is_immediate():
    check_truncate_one_is_immediate(LSTM)


def test_float32():
    check_float32(LSTM)


def test_params_and_grads_have_the_twelve_names():
    params, X, states, G = random_problem(LSTM, 3, 2, 2, 3)
    names = {f"{w}{g}" for g in "ifoc" for w in ("W_x", "W_h")} | {f"b_{g}" for g in "ifoc"}
    assert set(params) == names
    _, cache = vg.lstm.forward(X, params, *states)
    grads, dX, (dh0, dc0) = vg.lstm.backward(G, cache)
    assert set(grads) == names
    for k in params:
        assert grads[k].shape == params[k].shape
    assert dX.shape == X.shape and dh0.shape == dc0.shape == (2, 3)


def test_init_forget_bias_and_schemes():
    p = vg.lstm.init(2, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(p["b_f"], 1.0)
    for g in "ioc":
        np.testing.assert_array_equal(p[f"b_{g}"], 0.0)
    p = vg.lstm.init(2, 4, np.random.default_rng(0), forget_bias=-2.0, init="orthogonal", scale=0.5)
    np.testing.assert_array_equal(p["b_f"], -2.0)
    for g in "ifoc":
        np.testing.assert_allclose(p[f"W_h{g}"] @ p[f"W_h{g}"].T, 0.25 * np.eye(4), atol=1e-12)
    p32 = vg.lstm.init(2, 4, np.random.default_rng(0), dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())


def test_large_forget_gate_keeps_the_cell_state_and_its_gradient():
    """With f = 1 and i = 0 (huge biases), c_t = c_0 for all t, and dc0 = sum of the dc contributions."""
    T, B, H = 10, 1, 2
    p = vg.lstm.init(1, H, np.random.default_rng(0))
    p = {k: (np.zeros_like(v) if k.startswith("W") else v) for k, v in p.items()}
    p["b_f"][:] = 40.0
    p["b_i"][:] = -40.0
    p["b_o"][:] = 40.0
    c0 = np.array([[0.3, -0.7]])
    H_all, cache = vg.lstm.forward(np.ones((T, B, 1)), p, c0=c0)
    np.testing.assert_allclose(H_all, np.broadcast_to(np.tanh(c0), (T, B, H)), atol=1e-15)
    G = np.ones((T, B, H))
    _, _, (_, dc0) = vg.lstm.backward(G, cache)
    # dL/dc0 = sum_t o_t tanh'(c_t) = T (1 - tanh(c0)^2): no decay over ten steps
    np.testing.assert_allclose(dc0, T * (1 - np.tanh(c0) ** 2), rtol=1e-12)
