"""vg.lens: the gradient curve against vg.analysis for the tanh RNN, the Jacobian check, rate, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import vg.analysis as analysis
import vg.lens as lens
import vg.rnn as rnn


def _tanh_rnn(T=30, B=3, D=2, H=6, seed=0):
    rng = np.random.default_rng(seed)
    params = rnn.init(D, H, rng)
    X = rng.standard_normal((T, B, D))

    def step(h, x_t, wrong=False):
        h = np.tanh(h @ params["W_h"].T + x_t @ params["W_x"].T + params["b"])
        J = (1 - h**2)[:, :, None] * params["W_h"]
        return h, (J.transpose(0, 2, 1) if wrong else J)

    return params, X, step


def test_gradient_curve_equals_vg_analysis():
    params, X, step = _tanh_rnn()
    curve = lens.gradient_curve(step, X, np.zeros((3, 6)))
    _, cache = rnn.forward(X, params)
    expected = analysis.gradient_norms(cache).mean(axis=1)[::-1]
    assert curve.shape == (31,) and curve[0] == 1.0
    np.testing.assert_allclose(curve, expected, rtol=1e-12)


def test_check_jacobian_accepts_the_right_jacobian_and_rejects_a_wrong_one():
    _, X, step = _tanh_rnn()
    h = np.tanh(np.random.default_rng(1).standard_normal((3, 6)))
    assert lens.check_jacobian(step, h, X[0]) < 1e-8
    assert lens.check_jacobian(lambda h_, x: step(h_, x, wrong=True), h, X[0]) > 1e-2


def test_rate_skips_exact_zeros():
    norms = 0.5 ** np.arange(10)
    assert lens.rate(norms) == pytest.approx(0.5, rel=1e-12)
    norms[7:] = 0.0
    assert lens.rate(norms) == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda step, X: lens.gradient_curve(None, X, np.zeros((3, 6))), TypeError, "step"),
        (lambda step, X: lens.gradient_curve(step, X[0], np.zeros((3, 6))), ValueError, "X"),
        (lambda step, X: lens.gradient_curve(step, X, np.zeros((2, 6))), ValueError, "h0"),
        (lambda step, X: lens.gradient_curve(lambda h, x: (h, h), X, np.zeros((3, 6))), ValueError, "J"),
        (lambda step, X: lens.check_jacobian(step, np.zeros(6), X[0]), ValueError, "h_prev"),
        (lambda step, X: lens.check_jacobian(step, np.zeros((3, 6)), X[0, :2]), ValueError, "x_t"),
        (lambda step, X: lens.rate(np.ones((2, 2))), ValueError, "norms"),
    ],
)
def test_bad_input_names_the_argument(call, exc, pattern):
    _, X, step = _tanh_rnn()
    with pytest.raises(exc, match=pattern):
        call(step, X)
