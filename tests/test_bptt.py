"""Tests for vg.bptt.state_gradients, the one dL/dh_t of vg: finite differences for every cell whose
state starts with h, the cells' own backward passes, dtypes, overflow and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import vg
from vg.bptt import state_gradients
from vg.gradcheck import numerical_gradient, relative_error

# (cell, step options): every cell with an h state, the vanilla RNN with each activation.
CELLS = [
    *[(vg.rnn, {"activation": a}) for a in ("tanh", "sigmoid", "relu", "identity")],
    (vg.lstm, {}), (vg.gru, {}), (vg.mingru, {}), (vg.indrnn, {"activation": "tanh"}),
]
IDS = [f"{c.__name__.split('.')[-1]}-{o.get('activation', '')}".rstrip("-") for c, o in CELLS]


def make(cell, options, T=6, B=2, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    params = cell.init(D, H, rng=rng)
    X = rng.standard_normal((T, B, D))
    initial = tuple(0.5 * rng.standard_normal((B, H)) for _ in cell.STATES)
    G = rng.standard_normal((T, B, H))  # errors injected at every step: a shifted index shows
    return params, X, initial, G


def run(cell, options, X, params, states, start):
    """The states after steps start+1 .. T (maths numbering), from `states` = the state at step start."""
    out = []
    for t in range(start, X.shape[0]):
        new, _ = cell.step(X[t], *states, params, **options)
        states = new if len(cell.STATES) > 1 else (new,)
        out.append(states[0])
    return states, out


@pytest.mark.parametrize(("cell", "options"), CELLS, ids=IDS)
def test_state_gradients_match_finite_differences(cell, options) -> None:
    params, X, initial, G = make(cell, options)
    T = X.shape[0]
    out = state_gradients(cell, X, params, G, initial=initial if len(initial) > 1 else initial[0], **options)
    assert out.shape == (T + 1, 2, 4) and out.dtype == np.float64
    for k in range(T + 1):
        states_k, _ = run(cell, options, X[:k], params, initial, 0)  # the state at step k

        def loss(h_k, k=k, states_k=states_k):
            # L = sum_t <G[t-1], h_t> as a function of h_k, the rest of the state at step k held fixed
            own = float(np.sum(G[k - 1] * h_k)) if k >= 1 else 0.0
            _, later = run(cell, options, X, params, (h_k, *states_k[1:]), k)
            return own + sum(float(np.sum(G[t] * h)) for t, h in zip(range(k, T), later, strict=True))

        num = numerical_gradient(loss, states_k[0].copy())
        assert relative_error(out[k], num) < 1e-7, f"dL/dh_{k}"


@pytest.mark.parametrize(("cell", "options"), CELLS, ids=IDS)
def test_dh0_is_what_the_cells_backward_returns(cell, options) -> None:
    params, X, initial, G = make(cell, options, seed=1)
    kw = dict(zip(("h0", "c0"), initial))
    _, cache = cell.forward(X, params, **kw, **options)
    dh0 = cell.backward(G, cache)[2]
    dh0 = dh0[0] if isinstance(dh0, tuple) else dh0
    out = state_gradients(cell, X, params, G, initial=initial if len(initial) > 1 else initial[0], **options)
    np.testing.assert_allclose(out[0], dh0, rtol=1e-10, atol=1e-13)


def test_zero_initial_state_by_default() -> None:
    params, X, _, G = make(vg.lstm, {}, seed=2)
    zeros = (np.zeros((2, 4)), np.zeros((2, 4)))
    np.testing.assert_array_equal(state_gradients(vg.lstm, X, params, G),
                                  state_gradients(vg.lstm, X, params, G, initial=zeros))


def test_float32_stays_float32() -> None:
    params, X, _, G = make(vg.gru, {}, seed=3)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    out32 = state_gradients(vg.gru, X.astype(np.float32), p32, G.astype(np.float32))
    assert out32.dtype == np.float32
    assert relative_error(out32, state_gradients(vg.gru, X, params, G)) < 1e-5


@pytest.mark.parametrize("cell", [vg.rnn, vg.lstm], ids=["rnn", "lstm"])
def test_states_follow_the_cache(cell) -> None:
    # sigma_max(W_h) = 3 in every direction: the tanh RNN amplifies rounding along the sequence, so a
    # trajectory recomputed with the literal step drifts from the fast forward pass's (by a relative
    # 1e-8 in dL/dh_0 after 60 steps). Along the cache's own states, dL/dh_0, which has travelled
    # through every step, matches the cell's backward pass to rounding. (The LSTM, at its default
    # init, checks the two-state form ``states=(Hs, Cs)``.)
    rng = np.random.default_rng(0)
    T, B, D, H = 60, 16, 8, 64
    params = cell.init(D, H, rng=rng, **({"init": "orthogonal", "scale": 3.0} if cell is vg.rnn else {}))
    X = rng.standard_normal((T, B, D))
    H_all, cache = cell.forward(X, params)
    dH_all = rng.standard_normal(H_all.shape)
    dh0 = cell.backward(dH_all, cache)[2]
    dh0 = dh0[0] if isinstance(dh0, tuple) else dh0
    states = cache.Hs if cell is vg.rnn else (cache.Hs, cache.Cs)
    G = state_gradients(cell, X, params, dH_all, states=states)
    assert relative_error(G[0], dh0) < 1e-12


def test_overflow_gives_inf_for_that_example_only() -> None:
    # A linear RNN whose W_h has singular values 20: example 0 gets a huge error, example 1 a zero one.
    params = vg.rnn.init(1, 3, rng=np.random.default_rng(7), sigma_max=20.0)
    X = np.zeros((400, 2, 1))
    G = np.zeros((400, 2, 3))
    G[-1, 0] = 1.0
    out = state_gradients(vg.rnn, X, params, G, activation="identity")
    assert np.all(np.isinf(out[0, 0])) and np.all(out[:, 1] == 0.0)
    assert np.all(np.isfinite(out[-50:, 0]))


GRU = vg.gru.init(3, 4, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda p, X, G: state_gradients(vg.lru, X, vg.lru.init(3, 4, np.random.default_rng(0)), G),
         TypeError, "state starts with h"),
        (lambda p, X, G: state_gradients(vg.readout, X, p, G), TypeError, "cell must be a cell module"),
        (lambda p, X, G: state_gradients(vg.lstm, X, p, G, initial=np.zeros((2, 4))), TypeError,
         r"initial must be a tuple of 2 arrays \('h', 'c'\)"),
        (lambda p, X, G: state_gradients(vg.lstm, X[0], p, G), ValueError, "X must have 3 dimensions"),
        (lambda p, X, G: state_gradients(vg.lstm, X, p, G, states=np.zeros((7, 2, 4))), TypeError,
         r"states must be a tuple of 2 arrays \('h', 'c'\)"),
        (lambda p, X, G: state_gradients(vg.gru, X, GRU, G, states=np.zeros((6, 2, 4))),
         ValueError, r"states\[0\] must have shape \(7, 2, 4\)"),
        (lambda p, X, G: state_gradients(vg.gru, X, GRU, G, states=np.zeros((7, 2, 4)),
                                         initial=np.zeros((2, 4))), TypeError, "initial or states, not both"),
        (lambda p, X, G: state_gradients(vg.lstm, X, p, G[:-1]), ValueError, r"dH_all must have shape \(6, 2"),
    ],
)
def test_bad_input(call, exc, match) -> None:
    params, X, _, G = make(vg.lstm, {}, seed=4)
    with pytest.raises(exc, match=match):
        call(params, X, G)
