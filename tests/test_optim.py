"""vg.optim: each optimiser minimises a quadratic; Adam's first step; explicit state."""

import numpy as np
import pytest

import vg

A = np.diag([1.0, 10.0])  # an ill-conditioned quadratic f = 1/2 x^T A x + 1/2 ||y||^2


def f_and_grad(p):
    return 0.5 * p["x"] @ A @ p["x"] + 0.5 * np.sum(p["y"] ** 2), {"x": A @ p["x"], "y": p["y"]}


def run(opt, steps=200):
    params = {"x": np.array([1.0, 1.0]), "y": np.ones((2, 2))}
    state = opt.init(params)
    f0 = f_and_grad(params)[0]
    for _ in range(steps):
        _, g = f_and_grad(params)
        params, state = opt.update(params, g, state)
    return f0, f_and_grad(params)[0], state


@pytest.mark.parametrize(
    "opt",
    [vg.optim.SGD(lr=0.05), vg.optim.SGD(lr=0.05, momentum=0.9), vg.optim.Adam(lr=0.05)],
    ids=["sgd", "momentum", "adam"],
)
def test_optimisers_reduce_a_quadratic(opt):
    f0, f1, _ = run(opt)
    assert f1 < 1e-3 * f0


def test_momentum_beats_plain_sgd_on_ill_conditioned_quadratic():
    _, f_sgd, _ = run(vg.optim.SGD(lr=0.01), steps=100)
    _, f_mom, _ = run(vg.optim.SGD(lr=0.01, momentum=0.9), steps=100)
    assert f_mom < f_sgd


def test_sgd_step_is_lr_times_gradient():
    p = {"w": np.array([1.0, 2.0])}
    opt = vg.optim.SGD(lr=0.1)
    new, _ = opt.update(p, {"w": np.array([10.0, -20.0])}, opt.init(p))
    np.testing.assert_allclose(new["w"], [0.0, 4.0])


def test_adam_first_step_is_about_lr():
    p = {"w": np.array([1.0, -1.0, 5.0])}
    opt = vg.optim.Adam(lr=1e-3)
    g = {"w": np.array([1e-3, -50.0, 7.0])}  # any scale: bias-corrected m/sqrt(v) = sign(g)
    new, state = opt.update(p, g, opt.init(p))
    np.testing.assert_allclose(p["w"] - new["w"], 1e-3 * np.sign(g["w"]), rtol=1e-4)
    assert state.step == 1


def test_updates_are_pure():
    p = {"w": np.array([1.0, 2.0])}
    g = {"w": np.array([0.5, 0.5])}
    for opt in (vg.optim.SGD(lr=0.1, momentum=0.5), vg.optim.Adam(lr=0.1)):
        state = opt.init(p)
        new1, state1 = opt.update(p, g, state)
        new2, _ = opt.update(p, g, state)  # same inputs, same outputs: no hidden state
        np.testing.assert_array_equal(new1["w"], new2["w"])
        np.testing.assert_array_equal(p["w"], [1.0, 2.0])
        np.testing.assert_array_equal(g["w"], [0.5, 0.5])
        assert state1 is not state


def test_optimisers_are_frozen():
    opt = vg.optim.Adam(lr=1e-3)
    with pytest.raises(AttributeError):
        opt.lr = 1.0


@pytest.mark.parametrize("opt", [vg.optim.SGD(lr=0.1), vg.optim.Adam()])
def test_key_mismatch_raises(opt):
    p = {"w": np.ones(2), "b": np.ones(1)}
    state = opt.init(p)
    with pytest.raises(ValueError, match=r"grads must have the same keys as params.*missing \['b'\]"):
        opt.update(p, {"w": np.ones(2)}, state)
    with pytest.raises(ValueError, match=r"grads\['w'\] must have the shape of params\['w'\]"):
        opt.update(p, {"w": np.ones(3), "b": np.ones(1)}, state)


@pytest.mark.parametrize("kwargs", [{"lr": 0.0}, {"lr": -1.0}, {"lr": float("nan")}])
def test_lr_must_be_positive(kwargs):
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        vg.optim.Adam(**kwargs)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        vg.optim.SGD(**kwargs)
