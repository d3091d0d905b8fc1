"""vg.losses: known values, stability, and gradients against finite differences."""

import numpy as np
import pytest

import vg


def test_mse_known_value_and_gradient():
    loss, d = vg.losses.mse(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, 4.0]]))
    # squared errors 0, 4, 9, 0 -> mean over all 4 elements
    assert loss == pytest.approx(13 / 4)
    np.testing.assert_allclose(d, 2 * np.array([[0.0, 2.0], [3.0, 0.0]]) / 4)
    assert isinstance(loss, float)


def test_mse_zero_at_target():
    y = np.arange(6.0).reshape(3, 2)
    loss, d = vg.losses.mse(y, y)
    assert loss == 0.0
    assert np.all(d == 0)


@pytest.mark.parametrize("shape", [(5, 1), (3, 4, 2)])
def test_mse_gradient(shape):
    rng = np.random.default_rng(0)
    Y = rng.standard_normal(shape)
    P = rng.standard_normal(shape)
    _, d = vg.losses.mse(P, Y)
    num = vg.gradcheck.numerical_gradient(lambda p: vg.losses.mse(p, Y)[0], P)
    assert vg.gradcheck.relative_error(d, num) < 1e-7


def test_softmax_rows_sum_to_one_and_invariant_to_shift():
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    P = vg.losses.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[1], 1 / 3)
    np.testing.assert_allclose(vg.losses.softmax(Z + 1000.0), P)


def test_softmax_cross_entropy_known_value():
    Z = np.zeros((2, 4))
    loss, dZ = vg.losses.softmax_cross_entropy(Z, np.array([0, 3]))
    assert loss == pytest.approx(np.log(4))
    expected = np.full((2, 4), 0.25)
    expected[0, 0] -= 1
    expected[1, 3] -= 1
    np.testing.assert_allclose(dZ, expected / 2)


def test_softmax_cross_entropy_stable_for_huge_logits():
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    loss, dZ = vg.losses.softmax_cross_entropy(Z, np.array([0, 0]))
    # example 0 is right with certainty (loss 0); example 1 puts mass on classes 1, 2 only:
    # -log p_0 = 2e4 + log 2
    assert np.isfinite(loss)
    assert loss == pytest.approx((0.0 + 2e4 + np.log(2)) / 2)
    assert np.all(np.isfinite(dZ))
    np.testing.assert_allclose(dZ[1], np.array([-1.0, 0.5, 0.5]) / 2)
    P = vg.losses.softmax(Z)
    assert np.all(np.isfinite(P))


@pytest.mark.parametrize("shape", [(6, 3), (4, 2, 5)])
def test_softmax_cross_entropy_gradient(shape):
    rng = np.random.default_rng(1)
    Z = 3 * rng.standard_normal(shape)
    t = rng.integers(0, shape[-1], size=shape[:-1])
    loss, dZ = vg.losses.softmax_cross_entropy(Z, t)
    num = vg.gradcheck.numerical_gradient(lambda z: vg.losses.softmax_cross_entropy(z, t)[0], Z)
    assert vg.gradcheck.relative_error(dZ, num) < 1e-7
    # the mean runs over all positions: loss equals the average of per-example -log p
    P = vg.losses.softmax(Z).reshape(-1, shape[-1])
    assert loss == pytest.approx(-np.mean(np.log(P[np.arange(P.shape[0]), t.ravel()])))


def test_cross_entropy_accepts_whole_float_targets():
    Z = np.zeros((2, 3))
    a = vg.losses.softmax_cross_entropy(Z, np.array([1.0, 2.0]))[0]
    b = vg.losses.softmax_cross_entropy(Z, np.array([1, 2]))[0]
    assert a == b
