"""vg.readout: shapes and gradients (finite differences, relative error < 1e-7)."""

import numpy as np
import pytest

import vg


@pytest.mark.parametrize("shape", [(4, 3, 5), (3, 5)])
def test_readout_gradients(shape):
    rng = np.random.default_rng(0)
    H = shape[-1]
    O = 2
    params = vg.readout.init(H, O, rng=rng)
    params["b_y"] = rng.standard_normal(O)
    H_all = rng.standard_normal(shape)
    G = rng.standard_normal((*shape[:-1], O))  # fixes dL/dZ = G via L = sum(G * Z)

    def loss(p):
        Z, _ = vg.readout.forward(p["H_all"], {"W_y": p["W_y"], "b_y": p["b_y"]})
        return float(np.sum(G * Z))

    Z, cache = vg.readout.forward(H_all, params)
    assert Z.shape == (*shape[:-1], O)
    grads, dH = vg.readout.backward(G, cache)
    assert set(grads) == {"W_y", "b_y"}
    assert dH.shape == H_all.shape
    errors = vg.gradcheck.check(loss, {**params, "H_all": H_all}, {**grads, "H_all": dH})
    assert max(errors.values()) < 1e-7, errors


def test_readout_forward_values():
    params = {"W_y": np.array([[1.0, 2.0], [0.0, -1.0]]), "b_y": np.array([0.5, 0.0])}
    Z, _ = vg.readout.forward(np.array([[1.0, 1.0], [2.0, 0.0]]), params)
    np.testing.assert_allclose(Z, [[3.5, -1.0], [2.5, 0.0]])


def test_readout_init_shapes_and_determinism():
    p1 = vg.readout.init(8, 3, rng=np.random.default_rng(5))
    p2 = vg.readout.init(8, 3, rng=np.random.default_rng(5))
    assert p1["W_y"].shape == (3, 8)
    assert p1["b_y"].shape == (3,)
    assert p1["W_y"].dtype == np.float64
    np.testing.assert_array_equal(p1["W_y"], p2["W_y"])
    assert np.all(p1["b_y"] == 0)
    # default scale 1/sqrt(H): the empirical std of many entries is close to it
    big = vg.readout.init(400, 400, rng=np.random.default_rng(0))["W_y"]
    assert big.std() == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert vg.readout.init(4, 2, rng=np.random.default_rng(0), scale=3.0)["W_y"].std() > 1.0


def test_readout_does_not_modify_inputs():
    rng = np.random.default_rng(1)
    params = vg.readout.init(4, 2, rng=rng)
    H_all = rng.standard_normal((3, 2, 4))
    before = (H_all.copy(), params["W_y"].copy())
    Z, cache = vg.readout.forward(H_all, params)
    vg.readout.backward(np.ones_like(Z), cache)
    np.testing.assert_array_equal(H_all, before[0])
    np.testing.assert_array_equal(params["W_y"], before[1])
