"""The engines of vg._fast, in every variant, against the readable path (loops over `step` and
`step_backward`, and the reference helpers of tests/_cells.py), to 1e-12 relative error in float64.

Each variant is chosen by the engines' explicit arguments, ``exp_kernels`` (the in-place exp-based
kernels or np.tanh) and ``chunk`` (steps per chunk: the whole sequence, 3 with a partial last chunk of
a 7-step sequence, 1): a cell whose forward/backward call the engine that way is run through the same
checks as the public path in test_rnn.py, test_lstm.py and test_gru.py. The public forward/backward
are checked on their defaults, at sizes that select the exp kernels and several chunks by themselves.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from _cells import GRU, LSTM, RNN_CELLS, Cell
from _gradtests import (
    check_backward_equals_step_backward,
    check_forward_equals_steps,
    check_truncate_one_is_immediate,
    check_truncation,
)

import vg
import vg._fast
import vg._fast.gru
import vg._fast.lstm
import vg._fast.rnn

CELLS = [*RNN_CELLS, LSTM, GRU]
VARIANTS = [
    pytest.param(exp, chunk, id=f"{'exp' if exp else 'np.tanh'}-chunk={chunk or 'all'}")
    for exp in (False, True)
    for chunk in (None, 3, 1)
]


def _rnn_engine(exp_kernels: bool, chunk: int | None) -> SimpleNamespace:
    def forward(X, params, h0=None, activation="tanh"):
        _, c = vg.rnn.forward(X, params, h0, activation)  # validation and dtypes by the public path
        Hs = vg._fast.rnn.forward(c.X, c.params, c.Hs[0].copy(), activation, chunk=chunk, exp_kernels=exp_kernels)
        return Hs[1:], vg.rnn.RNNCache(X=c.X, Hs=Hs, params=c.params, activation=activation)

    def backward(G, cache, truncate=None):
        return vg._fast.rnn.backward(G, cache.X, cache.Hs, cache.params, cache.activation, truncate, chunk=chunk)

    return SimpleNamespace(forward=forward, backward=backward)


def _lstm_engine(exp_kernels: bool, chunk: int | None) -> SimpleNamespace:
    def forward(X, params, h0=None, c0=None):
        _, c = vg.lstm.forward(X, params, h0, c0)
        out = vg._fast.lstm.forward(c.X, params, c.Hs[0].copy(), c.Cs[0].copy(), chunk=chunk, exp_kernels=exp_kernels)
        Hs, Cs, gates, tanh_c, W_x, W_h = out
        return Hs[1:], vg.lstm.LSTMCache(X=c.X, Hs=Hs, Cs=Cs, gates=gates, tanh_c=tanh_c, W_x=W_x, W_h=W_h)

    def backward(G, cache, truncate=None):
        c = cache
        return vg._fast.lstm.backward(G, c.X, c.Hs, c.Cs, c.gates, c.tanh_c, c.W_x, c.W_h, truncate, chunk=chunk)

    return SimpleNamespace(forward=forward, backward=backward)


def _gru_engine(exp_kernels: bool, chunk: int | None) -> SimpleNamespace:
    def forward(X, params, h0=None):
        _, c = vg.gru.forward(X, params, h0)
        Hs, gates, RH, W_x, W_hzr, W_hh = vg._fast.gru.forward(
            c.X, params, c.Hs[0].copy(), chunk=chunk, exp_kernels=exp_kernels
        )
        return Hs[1:], vg.gru.GRUCache(X=c.X, Hs=Hs, gates=gates, RH=RH, W_x=W_x, W_hzr=W_hzr, W_hh=W_hh)

    def backward(G, cache, truncate=None):
        c = cache
        return vg._fast.gru.backward(G, c.X, c.Hs, c.gates, c.RH, c.W_x, c.W_hzr, c.W_hh, truncate, chunk=chunk)

    return SimpleNamespace(forward=forward, backward=backward)


_ENGINES = {vg.rnn: _rnn_engine, vg.lstm: _lstm_engine, vg.gru: _gru_engine}


def engine_cell(cell: Cell, exp_kernels: bool, chunk: int | None) -> Cell:
    """`cell` with forward/backward replaced by the engine's, in the given variant (init, step and
    step_backward stay the cell module's own: they are the reference)."""
    m = cell.module
    fast = _ENGINES[m](exp_kernels, chunk)
    module = SimpleNamespace(
        __name__=f"{m.__name__} (engine)", init=m.init, step=m.step, step_backward=m.step_backward,
        forward=fast.forward, backward=fast.backward,
    )
    return dataclasses.replace(cell, module=module)


@pytest.mark.parametrize(("exp_kernels", "chunk"), VARIANTS)
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.name)
def test_engine_forward_equals_loop_over_step(cell, exp_kernels, chunk):
    check_forward_equals_steps(engine_cell(cell, exp_kernels, chunk), T=7)


@pytest.mark.parametrize(("exp_kernels", "chunk"), VARIANTS)
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.name)
def test_engine_backward_equals_loop_over_step_backward(cell, exp_kernels, chunk):
    check_backward_equals_step_backward(engine_cell(cell, exp_kernels, chunk), T=7)


@pytest.mark.parametrize(("exp_kernels", "chunk"), VARIANTS)
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.name)
def test_engine_truncated_bptt(cell, exp_kernels, chunk):
    # T = 7: truncate k in {1, 2, 3, T - 1} against windowed references, k >= T against full BPTT.
    check_truncation(engine_cell(cell, exp_kernels, chunk), T=7)
    check_truncate_one_is_immediate(engine_cell(cell, exp_kernels, chunk), T=7)


@pytest.mark.parametrize("cell", [RNN_CELLS[0], LSTM, GRU], ids=lambda c: c.name)
def test_public_path_at_sizes_that_select_the_large_network_variant(cell):
    """The public forward/backward on their defaults, at a size where they pick the exp kernels and
    more than one chunk by themselves (so the defaults are checked in that variant too)."""
    B, H, D = 16, 32, 3
    gates = {vg.rnn: 1, vg.lstm: 4, vg.gru: 3}[cell.module]
    steps = vg._fast.chunk_length(10**6, B, B * gates * H * 8)
    T = steps + 3  # two chunks, the second partial
    assert vg._fast.use_exp_kernels(B * H) and steps < T
    check_forward_equals_steps(cell, T=T, B=B, D=D, H=H)
    check_backward_equals_step_backward(cell, T=T, B=B, D=D, H=H)


def test_variant_choice_by_size():
    assert not vg._fast.use_exp_kernels(vg._fast.TANH_KERNEL_MIN_SIZE - 1)
    assert vg._fast.use_exp_kernels(vg._fast.TANH_KERNEL_MIN_SIZE)
    assert vg._fast.inplace_kernel("tanh", 4) == (1.0, vg._fast.np_tanh_kernel)
    assert vg._fast.chunk_length(50, 1, 8 * 3 * 5) == 50  # batch 1: the whole sequence
    assert vg._fast.chunk_length(500, 1, 8 * 3 * 5) == vg._fast.GRAD_ROWS
    assert vg._fast.chunk_length(500, 32, 8 * 32 * 64) == vg._fast.GRAD_ROWS // 32
    assert vg._fast.chunk_length(500, 3, 8 * 3 * 5) == -(-vg._fast.GRAD_ROWS // 3)
    assert vg._fast.chunk_length(50, 1, vg._fast.CHUNK_BYTES // 7) == 7  # the byte cap
    assert vg._fast.chunk_length(50, 1, 10**12) == 1
    assert vg._fast.chunk_length(7, 1, 100, chunk=3) == 3
    assert vg._fast.chunk_length(7, 1, 100, chunk=99) == 7


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "identity"])
def test_kernels_agree_with_the_readable_activations(name, dtype):
    """kernel(prescale * a) == phi(a): within a few units in the last place of 1, including the
    overflowing inputs, where exp gives inf and the kernel the right limit."""
    a = np.concatenate([np.linspace(-30, 30, 2001), [-1e4, -800.0, 800.0, 1e4, 0.0]]).astype(dtype)
    for exp_kernels in (False, True):
        s, kernel = vg._fast.inplace_kernel(name, a.size, exp_kernels)
        u = a * dtype(s)
        with np.errstate(over="ignore"):
            kernel(u)
        expected = vg.activations.ACTIVATIONS[name].fn(a.astype(np.float64))
        assert np.all(np.isfinite(u))
        np.testing.assert_allclose(u, expected, rtol=0, atol=4 * np.finfo(dtype).eps)
