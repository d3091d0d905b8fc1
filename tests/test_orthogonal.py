"""vg.orthogonal: the Cayley map gives orthogonal matrices, its gradient matches finite differences, and
bad input names the argument."""

from __future__ import annotations

import numpy as np
import pytest
from _fd import numerical_gradient, relative_error

import vg.orthogonal as orthogonal

GRAD_TOL = 1e-7


@pytest.mark.parametrize("H", [1, 2, 5, 16])
@pytest.mark.parametrize("with_signs", [False, True])
def test_cayley_is_orthogonal_and_skew_is_skew(H, with_signs):
    rng = np.random.default_rng(H)
    M = orthogonal.init(H, rng, scale=1.0)
    signs = rng.choice([-1.0, 1.0], H) if with_signs else None
    A = orthogonal.skew(M)
    np.testing.assert_array_equal(A, -A.T)
    W, _ = orthogonal.cayley(M, signs)
    assert relative_error(W.T @ W, np.eye(H)) < 1e-12
    assert relative_error(W @ W.T, np.eye(H)) < 1e-12
    s = np.ones(H) if signs is None else signs
    expected = np.linalg.solve(np.eye(H) + A, np.eye(H) - A) * s  # the definition, written directly
    assert relative_error(W, expected) < 1e-12


def test_zero_parameter_gives_the_identity_and_signs_give_eigenvalue_minus_one():
    W, _ = orthogonal.cayley(np.zeros((4, 4)))
    np.testing.assert_array_equal(W, np.eye(4))
    W, _ = orthogonal.cayley(np.zeros((4, 4)), np.array([1.0, -1.0, 1.0, 1.0]))
    assert np.min(np.abs(np.linalg.eigvals(W) + 1)) < 1e-12


@pytest.mark.parametrize("H", [2, 3, 6])  # (H = 1: A = 0 for every M, so the gradient is exactly 0)
@pytest.mark.parametrize("with_signs", [False, True])
def test_cayley_gradient_matches_finite_differences(H, with_signs):
    rng = np.random.default_rng(10 + H)
    M = orthogonal.init(H, rng, scale=0.7)
    signs = rng.choice([-1.0, 1.0], H) if with_signs else None
    G = rng.standard_normal((H, H))
    loss = lambda: float(np.sum(G * orthogonal.cayley(M, signs)[0]))  # noqa: E731
    dM = orthogonal.cayley_backward(G, orthogonal.cayley(M, signs)[1])
    assert dM.shape == M.shape
    assert relative_error(dM, numerical_gradient(loss, M)) < GRAD_TOL


def test_gradient_through_an_rnn_forward_pass():
    """A tanh RNN with W_h = cayley(M): dL/dM from vg.rnn.backward's dW_h, against finite differences."""
    import vg.rnn as rnn

    rng = np.random.default_rng(3)
    H, D, T, B = 5, 2, 6, 2
    M = orthogonal.init(H, rng)
    W_x, b = rng.standard_normal((H, D)), rng.standard_normal(H) * 0.1
    X, G = rng.standard_normal((T, B, D)), rng.standard_normal((T, B, H))

    def run():
        W_h, cache = orthogonal.cayley(M)
        H_all, rnn_cache = rnn.forward(X, {"W_x": W_x, "W_h": W_h, "b": b})
        return float(np.sum(G * H_all)), cache, rnn_cache

    _, cache, rnn_cache = run()
    dW_h = rnn.backward(G, rnn_cache)[0]["W_h"]
    dM = orthogonal.cayley_backward(dW_h, cache)
    assert relative_error(dM, numerical_gradient(lambda: run()[0], M)) < GRAD_TOL


def test_a_gradient_step_on_m_keeps_w_orthogonal():
    rng = np.random.default_rng(4)
    M = orthogonal.init(8, rng)
    G = rng.standard_normal((8, 8))
    W0, cache = orthogonal.cayley(M)
    W1, _ = orthogonal.cayley(M - 0.5 * orthogonal.cayley_backward(G, cache))
    assert relative_error(W1.T @ W1, np.eye(8)) < 1e-12
    s = np.linalg.svd(W0 - 0.5 * G, compute_uv=False)  # the same step on W itself leaves the group
    assert s.max() - s.min() > 0.5


def test_float32_works():
    M = orthogonal.init(6, np.random.default_rng(0), dtype=np.float32)
    assert M.dtype == np.float32
    W, cache = orthogonal.cayley(M)
    assert W.dtype == np.float32 and relative_error(W.T @ W, np.eye(6)) < 1e-5
    dM = orthogonal.cayley_backward(np.ones((6, 6), np.float32), cache)
    assert dM.dtype == np.float32


def test_init_default_scale():
    M = orthogonal.init(400, np.random.default_rng(0))
    A = orthogonal.skew(M)
    assert abs(A[np.triu_indices(400, 1)].var() * 400 - 1.0) < 0.05  # entries of A have variance 1/H


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: orthogonal.init(0, np.random.default_rng(0)), ValueError, "hidden_size"),
        (lambda: orthogonal.init(3, None), TypeError, "rng"),
        (lambda: orthogonal.init(3, np.random.default_rng(0), scale=0.0), ValueError, "scale"),
        (lambda: orthogonal.init(3, np.random.default_rng(0), dtype="int32"), ValueError, "dtype"),
        (lambda: orthogonal.skew(np.zeros((3, 4))), ValueError, "M"),
        (lambda: orthogonal.skew(np.zeros(3)), ValueError, "M"),
        (lambda: orthogonal.cayley(np.full((2, 2), np.inf)), ValueError, "M"),
        (lambda: orthogonal.cayley("M"), TypeError, "M"),
        (lambda: orthogonal.cayley(np.zeros((3, 3)), np.ones(2)), ValueError, "signs"),
        (lambda: orthogonal.cayley(np.zeros((3, 3)), np.array([1.0, 0.5, 1.0])), ValueError, "signs"),
        (lambda: orthogonal.cayley_backward(np.zeros((3, 3)), None), TypeError, "cache"),
        (lambda: orthogonal.cayley_backward(np.zeros((2, 3)), orthogonal.cayley(np.eye(3))[1]), ValueError, "dW"),
    ],
)
def test_bad_input_names_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
