"""The registry of cells: the ONE place a cell is added to the generic tests.

`CELLS` lists every cell of `vg` (an RNN or IndRNN once per activation). Each `Cell` says how to call
its module and what the generic tests need to know about it: its initial states, its options, which
parameter plays which role in the bad-input tests, the range of its outputs, and, with a one-line reason
each, the generic tests that do not apply to it (`skip`) or that expose a known defect of `vg`
(`xfail`, run as strict expected failures). tests/test_cells_properties.py and
tests/test_bad_input_cells.py run every test on every registered cell; a test fails if a cell module of
`vg` is missing here.

Every reference helper here builds its answer from `forward`/`step` (or finite differences), never from
the `backward` under test, except `window_backprop`, which uses full BPTT on a short window (itself
checked against finite differences) to build the truncated-BPTT reference.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import vg

VERBS = ("init", "forward", "backward", "step", "step_backward")


@dataclass(frozen=True)
class Range:
    """The interval every output lies in: ``lo < h < hi`` (``lo <= h`` if `closed_below`)."""

    lo: float
    hi: float
    closed_below: bool = False  # relu outputs reach 0 exactly

    def contains(self, H: np.ndarray) -> bool:
        above = H >= self.lo if self.closed_below else H > self.lo
        return bool(np.all(above & (H < self.hi)))


@dataclass(frozen=True)
class Cell:
    """One registered cell: how to call its module, and what the generic tests need to know about it.

    `skip` and `xfail` map a generic test's function name (for `xfail` optionally with a case id,
    ``"test_step_shapes[s_prev-rank]"``) to a one-line reason. The skip key ``"truncate"`` stands for
    every test of the `truncate` option, for a cell whose `backward` has none.
    """

    name: str
    module: ModuleType
    states: tuple[str, ...]  # forward's keywords for the initial states: ("h0",), ("h0", "c0"), ("s0",)
    options: tuple[tuple[str, object], ...] = ()  # forward/step keywords, e.g. (("activation", "relu"),)
    _: KW_ONLY
    input_weight: str  # a (H or N, D) matrix that multiplies x_t
    recurrent: str | None = None  # the parameter through which the previous state enters
    bias: str | None = None  # an (H,) bias
    init_options: tuple[tuple[str, object], ...] = ()
    state_param: str | None = None  # a parameter whose length is the state size N (None: N = H)
    complex_state: bool = False
    output_range: Range | None = None
    skip: tuple[tuple[str, str], ...] = ()
    xfail: tuple[tuple[str, str], ...] = ()

    @property
    def truncates(self) -> bool:
        return "truncate" not in dict(self.skip)

    @property
    def output_is_state(self) -> bool:
        """False for the LRU: `step` returns (h, s) and `step_backward` takes (dh, ds)."""
        return "h0" in self.states

    @property
    def state_axes(self) -> str:
        return "B, N" if self.state_param else "B, H"

    def state_size(self, params: dict, H: int) -> int:
        return params[self.state_param].shape[0] if self.state_param else H

    def state_dtype(self, dtype: Any) -> np.dtype:
        """The dtype of the states (and their gradients) for parameters of `dtype`."""
        return np.result_type(dtype, np.complex64) if self.complex_state else np.dtype(dtype)

    def init(self, D: int, H: int, rng: np.random.Generator, dtype=np.float64) -> dict:
        return self.module.init(D, H, rng, dtype=dtype, **dict(self.init_options))

    def forward(self, X, params, states):
        kwargs = dict(zip(self.states, states))
        return self.module.forward(X, params, **kwargs, **dict(self.options))

    def backward(self, G, cache, truncate=None):
        """Return grads, dX and a tuple of state gradients (dh0,) or (dh0, dc0)."""
        # A cell without the option is called without it (passing it must raise: test_truncate_refused).
        kwargs = {} if truncate is None else {"truncate": truncate}
        grads, dX, dstate = self.module.backward(G, cache, **kwargs)
        return grads, dX, (dstate if isinstance(dstate, tuple) else (dstate,))

    def step(self, x_t, states, params):
        """One step; returns the new states as a tuple and the step cache."""
        if not self.output_is_state:
            raise TypeError(f"{self.name}: its output is not its state; call {self.module.__name__}.step itself")
        out, sc = self.module.step(x_t, *states, params, **dict(self.options))
        return (out if isinstance(out, tuple) else (out,)), sc

    def step_backward(self, dstates, step_cache):
        """One step back; `dstates` is (dh,) or (dh, dc); returns grads, dx_t, (dh_prev[, dc_prev])."""
        if not self.output_is_state:
            raise TypeError(f"{self.name}: call {self.module.__name__}.step_backward(dh, ds, step_cache) itself")
        grads, dx, dprev = self.module.step_backward(*dstates, step_cache)
        return grads, dx, (dprev if isinstance(dprev, tuple) else (dprev,))


_NO_TRUNCATE = ("truncate", "backward has no truncate option: full BPTT only")
_RANGES = {"tanh": Range(-1, 1), "sigmoid": Range(0, 1), "relu": Range(0, np.inf, closed_below=True)}
_UNBOUNDED = ("test_outputs_in_range", "identity activation: the outputs are unbounded")

RNN_CELLS = [
    Cell(f"rnn-{a}", vg.rnn, ("h0",), (("activation", a),), input_weight="W_x", recurrent="W_h", bias="b",
         output_range=_RANGES.get(a), skip=() if a in _RANGES else (_UNBOUNDED,))
    for a in ("tanh", "sigmoid", "relu", "identity")
]
LSTM = Cell("lstm", vg.lstm, ("h0", "c0"), input_weight="W_xi", recurrent="W_hf", bias="b_o",
            output_range=Range(-1, 1))  # h = o * tanh(c)
GRU = Cell("gru", vg.gru, ("h0",), input_weight="W_xr", recurrent="W_hz", bias="b_h",
           output_range=Range(-1, 1))  # a convex mix of h_prev and a tanh (needs |h0| < 1 too)
LRU = Cell(
    "lru", vg.lru, ("s0",), input_weight="B_re", recurrent="nu_log",
    init_options=(("state_size", 3),),  # N differs from most drawn H, so that N and H are not confused
    state_param="nu_log", complex_state=True,
    skip=(
        _NO_TRUNCATE,
        ("test_outputs_in_range", "h_t = Re(C s_t) + D_x x_t is unbounded"),
        ("test_bias_wrong_shape", "no bias: h_t = Re(C s_t) + D_x x_t"),
    ),
)
MINGRU = Cell(
    "mingru", vg.mingru, ("h0",), input_weight="W_xz", bias="b_z",
    skip=(
        _NO_TRUNCATE,
        ("test_outputs_in_range", "the candidate W_xh x_t + b_h is linear, so h_t is unbounded"),
        ("test_recurrent_param_wrong_shape", "no recurrent parameter: h_{t-1} enters only as (1 - z_t) * h_{t-1}"),
    ),
)
INDRNN_CELLS = [
    Cell(f"indrnn-{a}", vg.indrnn, ("h0",), (("activation", a),), input_weight="W_x", recurrent="u", bias="b",
         output_range=_RANGES.get(a), skip=(_NO_TRUNCATE, *(() if a in _RANGES else (_UNBOUNDED,))))
    for a in ("relu", "tanh", "sigmoid", "identity")
]

CELLS = [*RNN_CELLS, LSTM, GRU, LRU, MINGRU, *INDRNN_CELLS]
# One cell per module, for the tests that do not depend on the options (most bad-input tests).
MODULE_CELLS = [c for i, c in enumerate(CELLS) if all(c.module is not d.module for d in CELLS[:i])]


def cell_modules() -> list[ModuleType]:
    """Every public module file of vg with the five verbs of a cell (GUIDE section 2)."""
    names = [m.name for m in pkgutil.iter_modules(vg.__path__) if not m.ispkg and not m.name.startswith("_")]
    mods = [importlib.import_module(f"vg.{name}") for name in sorted(names)]
    return [m for m in mods if all(callable(getattr(m, verb, None)) for verb in VERBS)]


Cases = Sequence[Any] | Callable[["Cell"], Sequence[Any]]


def cell_params(
    test: str,
    cases: Cases = (),
    *,
    cells: Sequence[Cell] = CELLS,
    needs: tuple[str, ...] = (),
    where: Callable[[Cell], bool] | None = None,
) -> list[Any]:
    """`pytest.param`s of (cell, *case values) for the generic test called `test`.

    A cell is left out if its `skip` names `test` or one of the capabilities in `needs` (e.g.
    ``"truncate"``), or if `where(cell)` is false. `cases` are `pytest.param`s with ids (or a function
    of the cell returning them); each (cell, case) gets the cell's `xfail` mark for ``test`` or
    ``test[case id]``, strict, so that a fixed defect is noticed.
    """
    out = []
    for cell in cells:
        skips = dict(cell.skip)
        if test in skips or any(n in skips for n in needs) or (where is not None and not where(cell)):
            continue
        xfails = dict(cell.xfail)
        for case in (cases(cell) if callable(cases) else cases) or [None]:
            values, case_id = ((), None) if case is None else (case.values, case.id)
            reason = xfails.get(f"{test}[{case_id}]", xfails.get(test))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            ids = cell.name if case_id is None else f"{cell.name}-{case_id}"
            out.append(pytest.param(cell, *values, id=ids, marks=marks))
    return out


def random_problem(cell: Cell, T: int, B: int, D: int, H: int, seed: int = 0):
    """Parameters, inputs, random initial states and a random G (dL/dH_all) for the loss sum(G * H_all).

    Biases are drawn at random too (init sets most to zero), so that their gradients are exercised.
    A complex state (the LRU's) gets random real and imaginary parts.
    """
    rng = np.random.default_rng(seed)
    params = cell.init(D, H, rng)
    params = {k: (v + 0.3 * rng.standard_normal(v.shape)) if k.startswith("b") else v for k, v in params.items()}
    X = rng.standard_normal((T, B, D))
    shape = (B, cell.state_size(params, H))
    states = tuple(
        0.5 * (rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if cell.complex_state else 0))
        for _ in cell.states
    )
    G = rng.standard_normal((T, B, H))
    return params, X, states, G


def states_by_steps(cell: Cell, X, params, states):
    """All states by a loop over `step`: a list of length T + 1 of state tuples, and the step caches."""
    out, caches = [tuple(states)], []
    for t in range(X.shape[0]):
        new, sc = cell.step(X[t], out[-1], params)
        out.append(new)
        caches.append(sc)
    return out, caches


def window_backprop(cell: Cell, G, X, params, states, k: int):
    """Truncated-BPTT reference, built the slow and obvious way.

    For every step s, the loss term sum(G[s] * h_s) is backpropagated on its own, by full BPTT through
    the window of steps s-k+1 .. s only, starting from the state before the window held *fixed*
    (or, if the window reaches step 0, from the initial state, whose gradient is then kept). The
    T results are summed.
    """
    T = X.shape[0]
    all_states, _ = states_by_steps(cell, X, params, states)
    grads = {name: np.zeros_like(v) for name, v in params.items()}
    dX = np.zeros_like(X)
    dstates = [np.zeros_like(s) for s in states]
    for s in range(T):
        start = max(0, s - k + 1)
        Xw = X[start : s + 1]
        _, cache = cell.forward(Xw, params, all_states[start])
        Gw = np.zeros((Xw.shape[0], *G.shape[1:]))
        Gw[-1] = G[s]
        g, dXw, dst = cell.backward(Gw, cache)
        for name in grads:
            grads[name] += g[name]
        dX[start : s + 1] += dXw
        if start == 0:
            for acc, d in zip(dstates, dst):
                acc += d
    return grads, dX, tuple(dstates)


def window_loss(cell: Cell, G, X, params, states, fixed_states, k: int) -> float:
    """The function whose gradient truncated BPTT computes, for finite differences.

    ``sum_s sum(G[s] * h_s^(k))`` where ``h_s^(k)`` is recomputed from `params`, `X` and (if the window
    reaches step 0) `states` over the window s-k+1 .. s, starting from the constants `fixed_states`
    (the states of an unperturbed forward pass) otherwise.
    """
    total = 0.0
    for s in range(X.shape[0]):
        start = max(0, s - k + 1)
        init_state = states if start == 0 else fixed_states[start]
        H_w, _ = cell.forward(X[start : s + 1], params, init_state)
        total += float(np.sum(G[s] * H_w[-1]))
    return total
