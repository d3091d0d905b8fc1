"""Property-based tests (hypothesis) of invariants every cell must satisfy, on random small sizes.

Each test runs once per registered cell (tests/_cells.py, `CELLS`), hypothesis drawing the sizes.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest
from _cells import CELLS, Cell, cell_modules, cell_params, random_problem
from _fd import relative_error
from hypothesis import given, settings
from hypothesis import strategies as st

sizes = st.fixed_dictionaries(
    {
        "T": st.integers(1, 6),
        "B": st.integers(1, 4),
        "D": st.integers(1, 4),
        "H": st.integers(1, 5),
        "seed": st.integers(0, 2**32 - 1),
    }
)
FAST = settings(max_examples=12, deadline=None)  # per cell: 144 examples per property over the 12 cells


def _problem(cell: Cell, s):
    """A random problem for the drawn sizes. (These sizes take the fast paths' small-network variant;
    tests/test_fast.py checks every variant of the engines in vg._fast by explicit arguments.)"""
    return random_problem(cell, s["T"], s["B"], s["D"], s["H"], s["seed"])


def _nonlinearity(x12, x1, x2) -> float:
    """``max|x12 - (x1 + x2)|`` relative to the largest of the three terms, not to their sum: when x1 and
    x2 nearly cancel, round-off of their size is all that is left (an LSTM case gave 1.0e-12 of a sum
    4000 times smaller than its terms)."""
    scale = max(np.max(np.abs(x)) for x in (x12, x1, x2))
    return float(np.max(np.abs(x12 - (x1 + x2))) / max(scale, 1e-300))  # complex too (the LRU's ds0)


def test_every_cell_module_is_registered():
    # A new cell module of vg gets the generic tests only through the registry: it must not be forgotten.
    assert {c.module for c in CELLS} == set(cell_modules())


def test_registry_names_only_existing_tests():
    """A misspelt key in a cell's `skip` or `xfail` would silently skip nothing."""
    tests = set()
    for name in ("test_cells_properties", "test_bad_input_cells"):
        tests |= {f for f, _ in inspect.getmembers(importlib.import_module(name)) if f.startswith("test_")}
    for cell in CELLS:
        for key, reason in (*cell.skip, *cell.xfail):
            assert key.split("[")[0] in tests | {"truncate"}, (cell.name, key)
            assert reason.strip(), (cell.name, key)


@pytest.mark.parametrize("cell", cell_params("test_shapes_dtypes_and_keys"))
@FAST
@given(s=sizes, dtype=st.sampled_from([np.float64, np.float32]))
def test_shapes_dtypes_and_keys(cell, s, dtype):
    params, X, states, G = _problem(cell, s)
    params = {k: v.astype(dtype) for k, v in params.items()}
    states = [st_.astype(cell.state_dtype(dtype)) for st_ in states]
    H_all, cache = cell.forward(X.astype(dtype), params, states)
    assert H_all.shape == (s["T"], s["B"], s["H"]) and H_all.dtype == dtype
    grads, dX, dstates = cell.backward(G.astype(dtype), cache)
    assert list(grads) == list(params)  # exactly the keys of params, in the same order
    for k in params:
        assert grads[k].shape == params[k].shape and grads[k].dtype == dtype
    assert dX.shape == X.shape and dX.dtype == dtype
    assert len(dstates) == len(cell.states)
    for d in dstates:
        assert d.shape == (s["B"], cell.state_size(params, s["H"])) and d.dtype == cell.state_dtype(dtype)


@pytest.mark.parametrize("cell", cell_params("test_outputs_in_range"))
@FAST
@given(s=sizes, input_scale=st.floats(0.1, 3.0))
def test_outputs_in_range(cell, s, input_scale):
    """tanh-RNN, LSTM (h = o * tanh(c)) and GRU (a convex mix of h_prev and a tanh) stay in (-1, 1);
    sigmoid-RNN in (0, 1); relu-RNN nonnegative; IndRNN likewise per activation. (For the GRU this
    needs |h0| < 1 too.)"""
    assert cell.output_range is not None, f"{cell.name}: give its output_range, or skip this test with a reason"
    params, X, states, _ = _problem(cell, s)
    states = [np.tanh(x) for x in states]
    H_all, _ = cell.forward(input_scale * X, params, states)
    assert cell.output_range.contains(H_all)


@pytest.mark.parametrize("cell", cell_params("test_zero_upstream_gradient_gives_zero_gradients"))
@FAST
@given(s=sizes, truncate=st.sampled_from([None, 1, 2, 100]))
def test_zero_upstream_gradient_gives_zero_gradients(cell, s, truncate):
    truncate = truncate if cell.truncates else None
    params, X, states, G = _problem(cell, s)
    _, cache = cell.forward(X, params, states)
    grads, dX, dstates = cell.backward(np.zeros_like(G), cache, truncate=truncate)
    for k in grads:
        assert not np.any(grads[k]), k
    assert not np.any(dX)
    for d in dstates:
        assert not np.any(d)


@pytest.mark.parametrize("cell", cell_params("test_backward_is_linear_in_dH_all"))
@FAST
@given(s=sizes, a=st.floats(-3.0, 3.0), truncate=st.sampled_from([None, 1, 3]))
def test_backward_is_linear_in_dH_all(cell, s, a, truncate):
    truncate = truncate if cell.truncates else None
    params, X, states, G1 = _problem(cell, s)
    G2 = np.random.default_rng(s["seed"] + 1).standard_normal(G1.shape)
    _, cache = cell.forward(X, params, states)
    r1 = cell.backward(G1, cache, truncate=truncate)
    r2 = cell.backward(G2, cache, truncate=truncate)
    r12 = cell.backward(a * G1 + G2, cache, truncate=truncate)
    for k in params:
        assert _nonlinearity(r12[0][k], a * r1[0][k], r2[0][k]) < 1e-12, k
    assert _nonlinearity(r12[1], a * r1[1], r2[1]) < 1e-12
    for d12, d1, d2 in zip(r12[2], r1[2], r2[2]):
        assert _nonlinearity(d12, a * d1, d2) < 1e-12



@pytest.mark.parametrize("cell", cell_params("test_batch_examples_are_independent"))
@FAST
@given(s=sizes, truncate=st.sampled_from([None, 2]))
def test_batch_examples_are_independent(cell, s, truncate):
    """Running the examples one by one gives the batched states, dX and initial-state gradients, and
    the batched parameter gradient is the sum of the per-example ones."""
    truncate = truncate if cell.truncates else None
    params, X, states, G = _problem(cell, s)
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


@pytest.mark.parametrize("cell", cell_params("test_truncation_longer_than_sequence_is_full_bptt", needs=("truncate",)))
@FAST
@given(s=sizes, extra=st.integers(0, 5))
def test_truncation_longer_than_sequence_is_full_bptt(cell, s, extra):
    params, X, states, G = _problem(cell, s)
    _, cache = cell.forward(X, params, states)
    full = cell.backward(G, cache)
    trunc = cell.backward(G, cache, truncate=s["T"] + extra)
    for k in params:
        np.testing.assert_array_equal(trunc[0][k], full[0][k])
    np.testing.assert_array_equal(trunc[1], full[1])


@pytest.mark.parametrize("cell", cell_params("test_forward_does_not_modify_inputs"))
@FAST
@given(s=sizes)
def test_forward_does_not_modify_inputs(cell, s):
    params, X, states, G = _problem(cell, s)
    copies = ({k: v.copy() for k, v in params.items()}, X.copy(), [x.copy() for x in states], G.copy())
    _, cache = cell.forward(X, params, states)
    cell.backward(G, cache, truncate=2 if cell.truncates else None)
    for k in params:
        np.testing.assert_array_equal(params[k], copies[0][k])
    np.testing.assert_array_equal(X, copies[1])
    for a, b in zip(states, copies[2]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(G, copies[3])
