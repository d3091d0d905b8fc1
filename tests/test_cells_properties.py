"""Property-based tests (hypothesis) of invariants every cell must satisfy, on random small sizes."""

from __future__ import annotations

import functools

import numpy as np
from _cells import GRU, LSTM, RNN_CELLS, Cell, kernel_path, random_problem
from _fd import relative_error
from hypothesis import given, settings
from hypothesis import strategies as st

CELLS = {c.name: c for c in [*RNN_CELLS, LSTM, GRU]}

sizes = st.fixed_dictionaries(
    {
        "cell": st.sampled_from(sorted(CELLS)),
        "T": st.integers(1, 6),
        "B": st.integers(1, 4),
        "D": st.integers(1, 4),
        "H": st.integers(1, 5),
        "seed": st.integers(0, 2**32 - 1),
        "exp_kernels": st.booleans(),
    }
)
FAST = settings(max_examples=40, deadline=None)


def _with_kernels(test):
    """Run the test body on the kernel path drawn in s["exp_kernels"]."""

    @functools.wraps(test)
    def wrapper(s, *args, **kwargs):
        with kernel_path(s["exp_kernels"]):
            test(s, *args, **kwargs)

    return wrapper


def _problem(s):
    """The cell and a random problem for the drawn sizes (the kernel path is set by `_with_kernels`)."""
    cell: Cell = CELLS[s["cell"]]
    params, X, states, G = random_problem(cell, s["T"], s["B"], s["D"], s["H"], s["seed"])
    return cell, params, X, states, G


@FAST
@given(sizes, st.sampled_from([np.float64, np.float32]))
@_with_kernels
def test_shapes_dtypes_and_keys(s, dtype):
    cell, params, X, states, G = _problem(s)
    params = {k: v.astype(dtype) for k, v in params.items()}
    states = [st_.astype(dtype) for st_ in states]
    H_all, cache = cell.forward(X.astype(dtype), params, states)
    assert H_all.shape == (s["T"], s["B"], s["H"]) and H_all.dtype == dtype
    grads, dX, dstates = cell.backward(G.astype(dtype), cache)
    assert list(grads) == list(params)  # exactly the keys of params, in the same order
    for k in params:
        assert grads[k].shape == params[k].shape and grads[k].dtype == dtype
    assert dX.shape == X.shape and dX.dtype == dtype
    assert len(dstates) == len(cell.states)
    for d in dstates:
        assert d.shape == (s["B"], s["H"]) and d.dtype == dtype


@FAST
@given(sizes, st.floats(0.1, 3.0))
@_with_kernels
def test_outputs_in_range(s, input_scale):
    """tanh-RNN, LSTM (h = o * tanh(c)) and GRU (a convex mix of h_prev and a tanh) stay in (-1, 1);
    sigmoid-RNN in (0, 1); relu-RNN nonnegative. (For the GRU this needs |h0| < 1 too.)"""
    cell, params, X, states, _ = _problem(s)
    states = [np.tanh(x) for x in states]
    H_all, _ = cell.forward(input_scale * X, params, states)
    if s["cell"] in ("rnn-tanh", "lstm", "gru"):
        assert np.all(np.abs(H_all) < 1)
    elif s["cell"] == "rnn-sigmoid":
        assert np.all((H_all > 0) & (H_all < 1))
    elif s["cell"] == "rnn-relu":
        assert np.all(H_all >= 0)


@FAST
@given(sizes, st.sampled_from([None, 1, 2, 100]))
@_with_kernels
def test_zero_upstream_gradient_gives_zero_gradients(s, truncate):
    cell, params, X, states, G = _problem(s)
    _, cache = cell.forward(X, params, states)
    grads, dX, dstates = cell.backward(np.zeros_like(G), cache, truncate=truncate)
    for k in grads:
        assert not np.any(grads[k]), k
    assert not np.any(dX)
    for d in dstates:
        assert not np.any(d)


@FAST
@given(sizes, st.floats(-3.0, 3.0), st.sampled_from([None, 1, 3]))
@_with_kernels
def test_backward_is_linear_in_dH_all(s, a, truncate):
    cell, params, X, states, G1 = _problem(s)
    G2 = np.random.default_rng(s["seed"] + 1).standard_normal(G1.shape)
    _, cache = cell.forward(X, params, states)
    r1 = cell.backward(G1, cache, truncate=truncate)
    r2 = cell.backward(G2, cache, truncate=truncate)
    r12 = cell.backward(a * G1 + G2, cache, truncate=truncate)
    for k in params:
        assert relative_error(r12[0][k], a * r1[0][k] + r2[0][k]) < 1e-12, k
    assert relative_error(r12[1], a * r1[1] + r2[1]) < 1e-12
    for d12, d1, d2 in zip(r12[2], r1[2], r2[2]):
        assert relative_error(d12, a * d1 + d2) < 1e-12


@FAST
@given(sizes, st.sampled_from([None, 2]))
@_with_kernels
def test_batch_examples_are_independent(s, truncate):
    """Running the examples one by one gives the batched states, dX and initial-state gradients, and
    the batched parameter gradient is the sum of the per-example ones."""
    cell, params, X, states, G = _problem(s)
    H_all, cache = cell.forward(X, params, states)
    grads, dX, dstates = cell.backward(G, cache, truncate=truncate)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for b in range(s["B"]):
        one = [st_[b : b + 1] for st_ in states]
        H_b, cache_b = cell.forward(X[:, b : b + 1], params, one)
        np.testing.assert_allclose(H_b[:, 0], H_all[:, b], rtol=0, atol=1e-13)
        g_b, dX_b, ds_b = cell.backward(G[:, b : b + 1], cache_b, truncate=truncate)
        np.testing.assert_allclose(dX_b[:, 0], dX[:, b], rtol=1e-10, atol=1e-13)
        for d_b, d in zip(ds_b, dstates):
            np.testing.assert_allclose(d_b[0], d[b], rtol=1e-10, atol=1e-13)
        for k in total:
            total[k] += g_b[k]
    for k in params:
        assert relative_error(grads[k], total[k]) < 1e-12, k


@FAST
@given(sizes, st.integers(0, 5))
@_with_kernels
def test_truncation_longer_than_sequence_is_full_bptt(s, extra):
    cell, params, X, states, G = _problem(s)
    _, cache = cell.forward(X, params, states)
    full = cell.backward(G, cache)
    trunc = cell.backward(G, cache, truncate=s["T"] + extra)
    for k in params:
        np.testing.assert_array_equal(trunc[0][k], full[0][k])
    np.testing.assert_array_equal(trunc[1], full[1])


@FAST
@given(sizes)
@_with_kernels
def test_forward_does_not_modify_inputs(s):
    cell, params, X, states, G = _problem(s)
    copies = ({k: v.copy() for k, v in params.items()}, X.copy(), [x.copy() for x in states], G.copy())
    _, cache = cell.forward(X, params, states)
    cell.backward(G, cache, truncate=2)
    for k in params:
        np.testing.assert_array_equal(params[k], copies[0][k])
    np.testing.assert_array_equal(X, copies[1])
    for a, b in zip(states, copies[2]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(G, copies[3])
