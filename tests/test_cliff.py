"""Tests for vg.cliff: the one-unit network of Pascanu, Mikolov & Bengio (2013)."""

from __future__ import annotations

import numpy as np
import pytest

from vg import cliff


def brute_loss(w: float, b: float, T: int = 50, x0: float = 0.5, target: float = 0.7) -> float:
    """The definition, one Python float at a time."""
    x = x0
    for _ in range(T):
        x = w / (1.0 + np.exp(-x)) + b
    return (1.0 / (1.0 + np.exp(-x)) - target) ** 2


@pytest.mark.parametrize(
    ("w", "b"), [(1.0, 0.0), (4.5, -2.0), (4.313, -2.191), (-3.0, 1.0), (8.0, -3.0)]
)
def test_loss_matches_definition(w: float, b: float) -> None:
    assert cliff.loss(w, b) == pytest.approx(brute_loss(w, b), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("w", "b", "kwargs"),
    [
        (1.0, 0.0, {}),
        (3.0, -1.5, {}),
        (4.5, -2.0, {}),
        (4.32, -2.19, {}),  # on the wall: a large gradient, still exact
        (-2.0, 0.7, {"T": 7, "x0": -1.0, "target": 0.2}),
        (2.0, -1.0, {"T": 1}),
    ],
)
def test_gradient_matches_finite_differences(w: float, b: float, kwargs: dict) -> None:
    L, dw, db = cliff.loss_and_grad(w, b, **kwargs)
    assert L == pytest.approx(cliff.loss(w, b, **kwargs), rel=1e-14, abs=1e-16)
    eps = 1e-6
    num_dw = (cliff.loss(w + eps, b, **kwargs) - cliff.loss(w - eps, b, **kwargs)) / (2 * eps)
    num_db = (cliff.loss(w, b + eps, **kwargs) - cliff.loss(w, b - eps, **kwargs)) / (2 * eps)
    g, n = np.array([dw, db]), np.array([num_dw, num_db])
    assert np.max(np.abs(g - n)) / max(np.max(np.abs(g)), 1e-12) < 1e-7


def test_the_wall_has_a_huge_gradient_and_the_plateaus_do_not() -> None:
    # Near (4.31, -2.19) the loss is on the cliff; a little way off it the gradient is modest.
    on_wall = np.hypot(*cliff.loss_and_grad(4.313, -2.191)[1:])
    off_wall = np.hypot(*cliff.loss_and_grad(4.5, -2.0)[1:])
    assert on_wall > 100 * off_wall


def test_surface_is_the_loss_on_the_grid() -> None:
    ws = np.linspace(-2.0, 10.0, 7)
    bs = np.linspace(-5.0, 3.0, 5)
    Z = cliff.surface(ws, bs, T=20, x0=0.3, target=0.6)
    assert Z.shape == (bs.size, ws.size)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            assert Z[i, j] == pytest.approx(brute_loss(w, b, T=20, x0=0.3, target=0.6), abs=1e-14)


def test_surface_has_the_cliff() -> None:
    # At w = 8 the loss jumps from ~0.47 to ~0.07 as b crosses about -4.48: a discontinuity in x_50.
    bs = np.array([-4.5, -4.46])
    Z = cliff.surface(np.array([8.0]), bs)[:, 0]
    assert Z[0] > 0.4 and Z[1] < 0.1


def test_descend_without_clipping_is_gradient_descent() -> None:
    path, losses = cliff.descend(3.0, -1.0, lr=0.5, steps=3)
    assert path.shape == (4, 2) and losses.shape == (4,)
    w, b = 3.0, -1.0
    for k in range(3):
        L, dw, db = cliff.loss_and_grad(w, b)
        assert np.allclose(path[k], [w, b]) and losses[k] == pytest.approx(L)
        w, b = w - 0.5 * dw, b - 0.5 * db
    assert np.allclose(path[3], [w, b])


def test_descend_is_thrown_off_the_cliff_and_clipping_keeps_it() -> None:
    path, losses = cliff.descend(4.5, -2.0, lr=0.3, steps=30)
    jumps = np.hypot(*np.diff(path, axis=0).T)
    assert jumps.max() > 5.0  # one step lands far away
    assert losses[-1] > 0.08  # ... on a plateau where sigmoid(x_50) ~ 1, loss ~ 0.09
    clipped, clipped_losses = cliff.descend(4.5, -2.0, lr=0.3, steps=30, clip=1.0)
    steps = np.hypot(*np.diff(clipped, axis=0).T)
    assert steps.max() <= 0.3 * 1.0 + 1e-12  # lr * clip
    assert clipped_losses[-1] < 0.03


def test_clipping_rescales_only_large_gradients() -> None:
    # With a threshold above every gradient norm, clipping changes nothing.
    a, la = cliff.descend(3.0, -1.0, lr=0.2, steps=5)
    b, lb = cliff.descend(3.0, -1.0, lr=0.2, steps=5, clip=1e6)
    assert np.array_equal(a, b) and np.array_equal(la, lb)


def test_no_warnings_for_large_weights() -> None:
    # filterwarnings=error turns any overflow warning into a failure.
    L, _dw, _db = cliff.loss_and_grad(1e6, -5e5)
    assert np.isfinite(L)
    Z = cliff.surface(np.array([-1e8, 1e8]), np.array([-1e8, 1e8]))
    assert np.all(np.isfinite(Z))


def test_overflowing_gradient_is_reported_by_descend() -> None:
    # x0 = 0 is a fixed point of x -> w sigmoid(x) + b when b = -w/2; there each step multiplies the
    # gradient by w sigma'(0) = w/4 = 2.5e7, and (2.5e7)**50 ~ 1e370 overflows float64.
    w = 1e8
    b = 0.0 - w * 0.5  # x* = 0 is a fixed point; sigma'(0) = 1/4
    with pytest.raises(FloatingPointError, match="step 0"):
        cliff.descend(w, b, lr=0.1, steps=2, x0=0.0)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: cliff.loss("1", 0.0), TypeError, "w must be a real number"),
        (lambda: cliff.loss(1.0, np.nan), ValueError, "b must be finite"),
        (lambda: cliff.loss(1.0, 0.0, T=0), ValueError, "T must be an integer >= 1"),
        (lambda: cliff.loss(1.0, 0.0, T=2.5), TypeError, "T must be an integer"),
        (lambda: cliff.loss_and_grad(1.0, 0.0, x0=np.inf), ValueError, "x0 must be finite"),
        (lambda: cliff.loss(1.0, 0.0, target=None), TypeError, "target must be a real number"),
        (lambda: cliff.surface(np.ones((2, 2)), np.ones(3)), ValueError, "ws must have 1 dim"),
        (lambda: cliff.surface(np.ones(2), [1.0, np.nan]), ValueError, "bs must be finite"),
        (lambda: cliff.descend(1.0, 0.0, lr=-1.0, steps=3), ValueError, "lr must be"),
        (lambda: cliff.descend(1.0, 0.0, lr=0.1, steps=0), ValueError, "steps must be"),
        (lambda: cliff.descend(1.0, 0.0, lr=0.1, steps=3, clip=0.0), ValueError, "clip must be"),
        (lambda: cliff.descend(True, 0.0, lr=0.1, steps=3), TypeError, "w0 must be a real number"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()
