"""vg.gradcheck against functions whose gradients we know in closed form."""

import numpy as np
import pytest
from _fd import numerical_gradient as oracle_gradient
from _fd import relative_error as oracle_relative_error

import vg


def quadratic(p):
    # f = 1/2 x^T A x + b^T y + sum(sin(y)) ; df/dx = A_sym x, df/dy = b + cos(y)
    return 0.5 * p["x"] @ A @ p["x"] + B @ p["y"].ravel() + np.sin(p["y"]).sum()


rng0 = np.random.default_rng(0)
A = rng0.standard_normal((4, 4))
B = rng0.standard_normal(6)


def exact(p):
    return {"x": 0.5 * (A + A.T) @ p["x"], "y": (B.reshape(2, 3) + np.cos(p["y"]))}


@pytest.fixture
def params():
    rng = np.random.default_rng(1)
    return {"x": rng.standard_normal(4), "y": rng.standard_normal((2, 3))}


@pytest.mark.parametrize("order", [2, 4])
def test_numerical_gradient_matches_known_gradient(params, order):
    num = vg.gradcheck.numerical_gradient(quadratic, params, order=order)
    assert set(num) == {"x", "y"}
    assert num["y"].shape == (2, 3)
    assert vg.gradcheck.relative_error(num, exact(params)) < 1e-8


def test_numerical_gradient_single_array():
    x = np.array([1.0, -2.0, 0.5])
    g = vg.gradcheck.numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)


def test_numerical_gradient_does_not_modify_params(params):
    before = {k: v.copy() for k, v in params.items()}
    seen = []

    def f(p):
        seen.append(p["x"] is params["x"])
        return quadratic(p)

    vg.gradcheck.numerical_gradient(f, params)
    assert not any(seen)  # f gets copies, never the caller's arrays
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_check_passes_correct_and_flags_wrong_gradient(params):
    errors = vg.gradcheck.check(quadratic, params, exact(params))
    assert list(errors) == ["x", "y"]
    assert all(isinstance(e, float) for e in errors.values())
    assert max(errors.values()) < 1e-7
    wrong = exact(params)
    wrong["y"] = wrong["y"] * 1.01  # a 1% error must be caught
    errors = vg.gradcheck.check(quadratic, params, wrong)
    assert errors["x"] < 1e-7
    assert errors["y"] > 1e-3


def test_relative_error_definition():
    a = np.array([1.0, -4.0])
    b = np.array([1.5, -4.0])
    # max|a - b| / max(max|a|, max|b|) = 0.5 / 4
    assert vg.gradcheck.relative_error(a, b) == pytest.approx(0.125)
    assert vg.gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert vg.gradcheck.relative_error(a, a) == 0.0
    # dicts: the worst key
    d = vg.gradcheck.relative_error({"p": a, "q": a}, {"p": a, "q": b})
    assert d == pytest.approx(0.125)
    # symmetric
    assert vg.gradcheck.relative_error(b, a) == vg.gradcheck.relative_error(a, b)


def test_central_difference_is_second_order():
    # error of the 2-point central difference for f = exp at 0 shrinks like eps^2
    errs = [abs(vg.gradcheck.numerical_gradient(lambda v: np.exp(v).sum(), np.zeros(1),
                                                 eps=e)[0] - 1.0) for e in (1e-2, 1e-3)]
    assert errs[1] < errs[0] / 50


def test_check_of_readout_composed_with_rnn():
    # The readout and the RNN chained: grads from backward agree with finite differences.
    rng = np.random.default_rng(3)
    T, B, D, H, O = 4, 3, 2, 5, 2
    X = rng.standard_normal((T, B, D))
    Y = rng.standard_normal((B, O))
    p = {**vg.rnn.init(D, H, rng), **vg.readout.init(H, O, rng)}

    def loss(q):
        H_all, _ = vg.rnn.forward(X, {k: q[k] for k in ("W_x", "W_h", "b")})
        Z, _ = vg.readout.forward(H_all[-1], {k: q[k] for k in ("W_y", "b_y")})
        return vg.losses.mse(Z, Y)[0]

    H_all, cache = vg.rnn.forward(X, {k: p[k] for k in ("W_x", "W_h", "b")})
    Z, rcache = vg.readout.forward(H_all[-1], {k: p[k] for k in ("W_y", "b_y")})
    _, dZ = vg.losses.mse(Z, Y)
    rgrads, dh = vg.readout.backward(dZ, rcache)
    dH_all = np.zeros_like(H_all)
    dH_all[-1] = dh
    grads, _, _ = vg.rnn.backward(dH_all, cache)
    errors = vg.gradcheck.check(loss, p, {**grads, **rgrads})
    assert max(errors.values()) < 1e-7, errors


def test_agrees_with_the_tests_own_oracle(params):
    # tests/_fd.py is the independent finite-difference oracle of the cells' tests: vg.gradcheck's order-4
    # stencil and relative error must give the same numbers on the same function.
    x = params["x"].copy()
    num = vg.gradcheck.numerical_gradient(lambda v: float(np.tanh(A @ v).sum() + np.sin(v).prod()), x, order=4)
    ref = oracle_gradient(lambda: float(np.tanh(A @ x).sum() + np.sin(x).prod()), x)
    np.testing.assert_allclose(num, ref, rtol=0, atol=1e-13)
    a, b = np.array([1.0, -4.0, 0.0]), np.array([1.5, -4.0, 1e-20])
    assert vg.gradcheck.relative_error(a, b) == oracle_relative_error(a, b)
