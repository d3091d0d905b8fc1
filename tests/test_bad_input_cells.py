"""Bad input to the cells fails early with a ValueError/TypeError that names the argument and says what
was expected and what was given, never a bare NumPy broadcasting error.

Every generic test runs on one registered cell per module (tests/_cells.py, `MODULE_CELLS`), or on
every registered cell with the option it tests; the last section holds the checks of one cell's own
options.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
from _cells import MODULE_CELLS, Cell, cell_params

import vg

T, B, D, H = 4, 2, 3, 5


def _setup(cell: Cell):
    rng = np.random.default_rng(0)
    params = cell.init(D, H, rng)
    X = rng.standard_normal((T, B, D))
    return params, X


def _shape(shape: tuple[int, ...]) -> str:
    """A shape as the messages print it, escaped for a regular expression: ``\\(2, 5\\)``, ``\\(5,\\)``."""
    return re.escape(str(tuple(shape)))


def _module_name(cell: Cell) -> str:
    return cell.module.__name__.removeprefix("vg.")


def params_for(test: str, cases=(), **kwargs):
    """`cell_params` over one cell per module."""
    return cell_params(test, cases, cells=MODULE_CELLS, **kwargs)


# ---------------------------------------------------------------- forward: X
X_SHAPES = [
    pytest.param((T, D), r"X must have 3 dimensions \(T, B, D\), got 2 dimensions with shape \(4, 3\)", id="rank-2"),
    pytest.param((T, B, 1, D), r"X must have 3 dimensions \(T, B, D\), got 4 dimensions", id="rank-4"),
    pytest.param((T, B, D + 2), r"X must have shape \(4, 2, 3\) \(T, B, D\), got \(4, 2, 5\).*D\) is 5 but D = 3",
                 id="size"),
    pytest.param((0, B, D), r"X must not be empty, got shape \(0, 2, 3\)", id="empty-T"),
    pytest.param((T, 0, D), r"X must not be empty", id="empty-B"),
]


@pytest.mark.parametrize(("cell", "bad_shape", "pattern"), params_for("test_X_shape", X_SHAPES))
def test_X_shape(cell, bad_shape, pattern):
    params, _ = _setup(cell)
    with pytest.raises(ValueError, match=pattern):
        cell.module.forward(np.ones(bad_shape), params)


@pytest.mark.parametrize(
    ("cell", "value"),
    params_for("test_X_not_finite", [pytest.param(v, id=str(v)) for v in (np.nan, np.inf, -np.inf)]),
)
def test_X_not_finite(cell, value):
    params, X = _setup(cell)
    X[2, 1, 0] = value
    with pytest.raises(ValueError, match=r"X must be finite.*index \(2, 1, 0\)"):
        cell.module.forward(X, params)


X_TYPES = [
    pytest.param("abc", id="str"),
    pytest.param(None, id="None"),
    pytest.param({"a": 1}, id="dict"),
    pytest.param(np.array(["x"] * 3), id="str-array"),
    pytest.param(np.zeros((T, B, D), complex), id="complex"),
]


@pytest.mark.parametrize(("cell", "bad"), params_for("test_X_type", X_TYPES))
def test_X_type(cell, bad):
    params, _ = _setup(cell)
    with pytest.raises(TypeError, match=r"^X must be"):
        cell.module.forward(bad, params)


# ---------------------------------------------------------------- forward: initial states
def _state_shape_cases(cell: Cell):
    """Wrong shapes for each initial state of `cell` ((B, H), or (B, N) for the LRU's s0)."""
    n, axes = cell.state_size(_setup(cell)[0], H), re.escape(f"({cell.state_axes})")
    cases = []
    for s in cell.states:
        cases += [
            pytest.param(s, (n,), rf"{s} must have 2 dimensions {axes}, got 1 dimensions with shape {_shape((n,))}",
                         id=f"{s}-rank-1"),
            pytest.param(s, (1, B, n), rf"{s} must have 2 dimensions {axes}, got 3 dimensions", id=f"{s}-rank-3"),
            pytest.param(s, (B + 1, n), rf"{s} must have shape {_shape((B, n))} {axes}, got {_shape((B + 1, n))}",
                         id=f"{s}-batch"),
            pytest.param(s, (B, n + 1), rf"{s} must have shape {_shape((B, n))} {axes}, got {_shape((B, n + 1))}",
                         id=f"{s}-size"),
        ]
    return cases


@pytest.mark.parametrize(("cell", "state", "shape", "pattern"), params_for("test_state_shape", _state_shape_cases))
def test_state_shape(cell, state, shape, pattern):
    params, X = _setup(cell)
    with pytest.raises(ValueError, match=pattern):
        cell.module.forward(X, params, **{state: np.zeros(shape, cell.state_dtype(np.float64))})


def _per_state(values):
    return lambda cell: [pytest.param(s, v, id=f"{s}-{i}") for s in cell.states for i, v in values]


@pytest.mark.parametrize(
    ("cell", "state", "value"), params_for("test_state_not_finite", _per_state([("nan", np.nan), ("inf", np.inf)]))
)
def test_state_not_finite(cell, state, value):
    params, X = _setup(cell)
    s = np.zeros((B, cell.state_size(params, H)), cell.state_dtype(np.float64))
    s[1, 0] = value
    with pytest.raises(ValueError, match=rf"{state} must be finite.*index \(1, 0\)"):
        cell.module.forward(X, params, **{state: s})


@pytest.mark.parametrize(
    ("cell", "state", "bad"), params_for("test_state_type", _per_state([("str", "abc"), ("dict", {"a": 1})]))
)
def test_state_type(cell, state, bad):
    params, X = _setup(cell)
    with pytest.raises(TypeError, match=rf"^{state} must be"):
        cell.module.forward(X, params, **{state: bad})


@pytest.mark.parametrize(
    ("cell", "state"),
    params_for(
        "test_real_state_refuses_complex",
        lambda cell: [pytest.param(s, id=s) for s in cell.states],
        where=lambda c: not c.complex_state,
    ),
)
def test_real_state_refuses_complex(cell, state):
    params, X = _setup(cell)
    with pytest.raises(TypeError, match=rf"^{state} must be a real-valued array, got dtype complex128"):
        cell.module.forward(X, params, **{state: np.zeros((B, H), complex)})


# ---------------------------------------------------------------- forward: params
@pytest.mark.parametrize("cell", params_for("test_params_not_a_dict"))
def test_params_not_a_dict(cell):
    _, X = _setup(cell)
    with pytest.raises(TypeError, match=r"params must be a dict of arrays, got list"):
        cell.module.forward(X, [np.zeros((H, D))])


@pytest.mark.parametrize("cell", params_for("test_params_missing_key"))
def test_params_missing_key(cell):
    params, X = _setup(cell)
    del params[cell.input_weight]
    with pytest.raises(ValueError, match=rf"params must have exactly the keys .*missing \['{cell.input_weight}'\]"):
        cell.module.forward(X, params)


@pytest.mark.parametrize("cell", params_for("test_params_extra_key"))
def test_params_extra_key(cell):
    params, X = _setup(cell)
    params["W_y"] = np.zeros((2, H))
    with pytest.raises(ValueError, match=r"params must have exactly the keys .*unexpected \['W_y'\]"):
        cell.module.forward(X, params)


@pytest.mark.parametrize("cell", params_for("test_params_from_another_cell"))
def test_params_from_another_cell(cell):
    keys = set(_setup(cell)[0])
    # Another cell whose parameters lack some of this one's (the minGRU's are a subset of the GRU's).
    other = next(c for c in MODULE_CELLS if not keys <= set(_setup(c)[0]))
    params, X = _setup(other)
    with pytest.raises(ValueError, match=r"params must have exactly the keys .*missing"):
        cell.module.forward(X, params)


@pytest.mark.parametrize("cell", params_for("test_recurrent_param_wrong_shape"))
def test_recurrent_param_wrong_shape(cell):
    """The recurrent matrix not square, or a per-unit recurrent vector (IndRNN's u, the LRU's nu_log)
    of the wrong length: the message names that parameter."""
    name = cell.recurrent
    assert name, f"{cell.name}: give its recurrent parameter, or skip this test with a reason"
    params, X = _setup(cell)
    good = params[name].shape
    bad = (*good[:-1], good[-1] + 2)
    params[name] = np.zeros(bad)
    with pytest.raises(ValueError, match=rf"params\['{name}'\] must have shape {_shape(good)}.*got {_shape(bad)}"):
        cell.module.forward(X, params)


@pytest.mark.parametrize("cell", params_for("test_W_x_wrong_rank"))
def test_W_x_wrong_rank(cell):
    params, X = _setup(cell)
    params[cell.input_weight] = np.zeros(H)
    with pytest.raises(ValueError, match=rf"params\['{cell.input_weight}'\] must have 2 dimensions"):
        cell.module.forward(X, params)


@pytest.mark.parametrize("cell", params_for("test_bias_wrong_shape"))
def test_bias_wrong_shape(cell):
    assert cell.bias, f"{cell.name}: give its bias, or skip this test with a reason"
    params, X = _setup(cell)
    params[cell.bias] = np.zeros(H + 1)
    with pytest.raises(ValueError, match=rf"params\['{cell.bias}'\] must have shape \(5,\)"):
        cell.module.forward(X, params)


@pytest.mark.parametrize("cell", params_for("test_X_input_size_mismatches_W_x"))
def test_X_input_size_mismatches_W_x(cell):
    params, _ = _setup(cell)
    with pytest.raises(ValueError, match=r"X must have shape \(4, 2, 3\) \(T, B, D\), got \(4, 2, 7\).*D = 3"):
        cell.module.forward(np.zeros((T, B, 7)), params)


@pytest.mark.parametrize(
    ("cell", "value"), params_for("test_params_not_finite", [pytest.param(v, id=str(v)) for v in (np.nan, np.inf)])
)
def test_params_not_finite(cell, value):
    params, X = _setup(cell)
    name = cell.input_weight
    params[name][1, 2] = value
    with pytest.raises(ValueError, match=rf"params\['{name}'\] must be finite.*\(1, 2\)"):
        cell.module.forward(X, params)


# ---------------------------------------------------------------- backward
def _forward(cell: Cell):
    params, X = _setup(cell)
    return cell.module.forward(X, params)


DH_SHAPES = [
    pytest.param((T, B), r"dH_all must have 3 dimensions \(4, 2, 5\), got 2", id="rank-2"),
    pytest.param((T + 1, B, H), r"dH_all must have shape \(4, 2, 5\), got \(5, 2, 5\)", id="T"),
    pytest.param((T, B, H - 1), r"dH_all must have shape \(4, 2, 5\), got \(4, 2, 4\)", id="H"),
]


@pytest.mark.parametrize(("cell", "shape", "pattern"), params_for("test_dH_all_shape", DH_SHAPES))
def test_dH_all_shape(cell, shape, pattern):
    _, cache = _forward(cell)
    with pytest.raises(ValueError, match=pattern):
        cell.module.backward(np.zeros(shape), cache)


@pytest.mark.parametrize("cell", params_for("test_dH_all_not_finite"))
def test_dH_all_not_finite(cell):
    H_all, cache = _forward(cell)
    G = np.ones_like(H_all)
    G[3, 0, 1] = np.nan
    with pytest.raises(ValueError, match=r"dH_all must be finite.*\(3, 0, 1\)"):
        cell.module.backward(G, cache)


CACHES = [pytest.param(None, id="None"), pytest.param({"X": 1}, id="dict"), pytest.param((1, 2), id="tuple"),
          pytest.param("cache", id="str")]


@pytest.mark.parametrize(("cell", "bad"), params_for("test_cache_not_ours", CACHES))
def test_cache_not_ours(cell, bad):
    with pytest.raises(TypeError, match=rf"cache must be the \w+Cache returned by vg\.{_module_name(cell)}\.forward"):
        cell.module.backward(np.zeros((T, B, H)), bad)


@pytest.mark.parametrize("cell", params_for("test_cache_of_another_cell"))
def test_cache_of_another_cell(cell):
    other = next(c for c in MODULE_CELLS if c.module is not cell.module)
    _, cache = _forward(other)
    with pytest.raises(TypeError, match=rf"cache must be .* vg\.{_module_name(cell)}\.forward, got \w+Cache"):
        cell.module.backward(np.zeros((T, B, H)), cache)


TRUNCATES = [
    pytest.param(0, ValueError, r"truncate must be an integer >= 1, got 0", id="0"),
    pytest.param(-3, ValueError, r"truncate must be an integer >= 1, got -3", id="-3"),
    pytest.param(2.0, TypeError, r"truncate must be an integer >= 1, got 2.0 \(float\)", id="float"),
    pytest.param(True, TypeError, r"truncate must be an integer >= 1, got True", id="bool"),
    pytest.param("5", TypeError, r"truncate must be an integer", id="str"),
]


@pytest.mark.parametrize(
    ("cell", "bad", "exc", "pattern"), params_for("test_truncate_bad", TRUNCATES, needs=("truncate",))
)
def test_truncate_bad(cell, bad, exc, pattern):
    H_all, cache = _forward(cell)
    with pytest.raises(exc, match=pattern):
        cell.module.backward(np.ones_like(H_all), cache, truncate=bad)


@pytest.mark.parametrize("cell", params_for("test_truncate_refused", where=lambda c: not c.truncates))
def test_truncate_refused(cell):
    # A cell without truncated BPTT must refuse the option, not silently return the full gradient.
    H_all, cache = _forward(cell)
    with pytest.raises(TypeError, match=r"truncate"):
        cell.module.backward(np.ones_like(H_all), cache, truncate=2)


# ---------------------------------------------------------------- init
INIT_BAD = [
    ({"input_size": 0}, ValueError, r"input_size must be an integer >= 1, got 0"),
    ({"hidden_size": -4}, ValueError, r"hidden_size must be an integer >= 1, got -4"),
    ({"hidden_size": 16.0}, TypeError, r"hidden_size must be an integer >= 1, got 16.0 \(float\)"),
    ({"input_size": 2.5}, TypeError, r"input_size must be an integer"),
    ({"input_size": None}, TypeError, r"input_size must be an integer"),
    ({"rng": 0}, TypeError, r"rng must be a numpy.random.Generator.*got int"),
    ({"rng": np.random.RandomState(0)}, TypeError, r"rng must be a numpy.random.Generator"),
    ({"dtype": np.int64}, ValueError, r"dtype must be np.float32 or np.float64"),
    ({"dtype": np.float16}, ValueError, r"dtype must be np.float32 or np.float64"),
]
# Keyword options of some cells' init; each row runs on every cell whose init takes that keyword.
INIT_OPTION_BAD = [
    ({"init": "xavier"}, ValueError, r"init must be one of .*'orthogonal'.*got 'xavier'"),
    ({"scale": 0.0}, ValueError, r"scale must be a finite number > 0, got 0.0"),
    ({"scale": np.nan}, ValueError, r"scale must be a finite number > 0"),
    ({"scale": "big"}, TypeError, r"scale must be a real number"),
    ({"u_max": -1.0}, ValueError, r"u_max must be a finite number > 0, got -1.0"),
    ({"u_min": np.nan}, ValueError, r"u_min must be a finite number >= 0"),
    ({"u_min": "0"}, TypeError, r"u_min must be a real number"),
    ({"state_size": 0}, ValueError, r"state_size must be an integer >= 1, got 0"),
    ({"state_size": 2.0}, TypeError, r"state_size must be an integer >= 1, got 2.0 \(float\)"),
    ({"r_min": -0.1}, ValueError, r"r_min must be a finite number >= 0, got -0.1"),
    ({"r_max": np.inf}, ValueError, r"r_max must be a finite number > 0"),
    ({"max_phase": 0.0}, ValueError, r"max_phase must be a finite number > 0, got 0.0"),
    ({"max_phase": "pi"}, TypeError, r"max_phase must be a real number"),
]
# Options with their own tests in the last section.
OWN_TESTS = {"forget_bias", "spectral_radius", "sigma_max"}


def _init_options(cell: Cell) -> set[str]:
    # Every argument after (input_size, hidden_size, rng), whether keyword-only or not.
    return set(list(inspect.signature(cell.module.init).parameters)[3:]) - {"dtype"}


def _init_id(kwargs: dict) -> str:
    """``scale=0.0``, ``dtype=int64``, ``rng=RandomState``: stable across runs (no memory addresses)."""
    (key, value), = kwargs.items()
    if isinstance(value, (bool, int, float, str, type(None))):
        return f"{key}={value!r}"
    return f"{key}={getattr(value, '__name__', type(value).__name__)}"


def _init_cases(cell: Cell):
    rows = INIT_BAD + [row for row in INIT_OPTION_BAD if next(iter(row[0])) in _init_options(cell)]
    return [pytest.param(*row, id=_init_id(row[0])) for row in rows]


@pytest.mark.parametrize(("cell", "kwargs", "exc", "pattern"), params_for("test_init_bad_arguments", _init_cases))
def test_init_bad_arguments(cell, kwargs, exc, pattern):
    args = {"input_size": 2, "hidden_size": 3, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(exc, match=pattern):
        cell.module.init(args.pop("input_size"), args.pop("hidden_size"), args.pop("rng"), **args)


@pytest.mark.parametrize("cell", params_for("test_every_init_option_is_tested"))
def test_every_init_option_is_tested(cell):
    # A new keyword option of a cell's init needs its bad-input rows in INIT_OPTION_BAD (or its own test).
    tested = {next(iter(row[0])) for row in INIT_OPTION_BAD} | OWN_TESTS
    assert _init_options(cell) <= tested, _init_options(cell) - tested


# ---------------------------------------------------------------- activation
@pytest.mark.parametrize(
    ("cell", "bad"),
    params_for(
        "test_unknown_activation",
        [pytest.param(b, id=repr(b)) for b in ("softplus", "Tanh", None, 3)],
        where=lambda c: "activation" in dict(c.options),
    ),
)
def test_unknown_activation(cell, bad):
    params, X = _setup(cell)
    with pytest.raises(ValueError, match=r"activation must be one of 'tanh', 'sigmoid', 'relu', 'identity'"):
        cell.module.forward(X, params, activation=bad)
    with pytest.raises(ValueError, match=r"activation must be one of"):
        cell.module.step(X[0], np.zeros((B, H)), params, activation=bad)


# ---------------------------------------------------------------- step and step_backward
def _prev(state: str) -> str:
    """step's name for the state that forward calls `state`: h0 -> h_prev, c0 -> c_prev, s0 -> s_prev."""
    return f"{state[0]}_prev"


def _states(cell: Cell, params) -> dict[str, np.ndarray]:
    n = cell.state_size(params, H)
    return {s: np.zeros((B, n), cell.state_dtype(np.float64)) for s in cell.states}


def _step(cell: Cell, x_t, states: dict[str, np.ndarray], params):
    return cell.module.step(x_t, *states.values(), params, **dict(cell.options))


def _step_cases(cell: Cell):
    n, axes = cell.state_size(_setup(cell)[0], H), re.escape(f"({cell.state_axes})")
    cases = [
        pytest.param(None, (D,), r"x_t must have 2 dimensions \(B, D\), got 1", id="x_t-rank"),
        pytest.param(None, (B, D + 1), r"x_t must have shape \(2, 3\) \(B, D\), got \(2, 4\)", id="x_t-size"),
    ]
    for s in cell.states:
        p = _prev(s)
        cases += [
            pytest.param(s, (B + 1, n), rf"{p} must have shape {_shape((B, n))} {axes}, got {_shape((B + 1, n))}",
                         id=f"{p}-batch"),
            pytest.param(s, (B, n, 1), rf"{p} must have 2 dimensions", id=f"{p}-rank"),
        ]
    return cases


@pytest.mark.parametrize(("cell", "state", "shape", "pattern"), params_for("test_step_shapes", _step_cases))
def test_step_shapes(cell, state, shape, pattern):
    params, X = _setup(cell)
    states = _states(cell, params)
    x_t = X[0]
    if state is None:
        x_t = np.zeros(shape)
    else:
        states[state] = np.zeros(shape, cell.state_dtype(np.float64))
    with pytest.raises(ValueError, match=pattern):
        _step(cell, x_t, states, params)


@pytest.mark.parametrize(("cell", "bad"), params_for("test_step_x_t_type", X_TYPES[:2]))
def test_step_x_t_type(cell, bad):
    params, _ = _setup(cell)
    with pytest.raises(TypeError, match=r"^x_t must be"):
        _step(cell, bad, _states(cell, params), params)


@pytest.mark.parametrize(
    ("cell", "state", "value"),
    params_for(
        "test_step_state_not_finite",
        lambda cell: [pytest.param(s, v, id=f"{_prev(s)}-{v}") for s in cell.states for v in (np.nan, np.inf)],
    ),
)
def test_step_state_not_finite(cell, state, value):
    params, X = _setup(cell)
    states = _states(cell, params)
    states[state][1, 0] = value
    with pytest.raises(ValueError, match=rf"{_prev(state)} must be finite"):
        _step(cell, X[0], states, params)


def _step_backward_args(cell: Cell, params) -> dict[str, np.ndarray]:
    """step_backward's gradients, by name: dh for the output, then one per state that is not h."""
    grads = {"dh": np.zeros((B, H))}
    for s in cell.states:
        if s != "h0":
            grads[f"d{s[0]}"] = np.zeros((B, cell.state_size(params, H)), cell.state_dtype(np.float64))
    return grads


@pytest.mark.parametrize("cell", params_for("test_step_backward_cache_type"))
def test_step_backward_cache_type(cell):
    params, _ = _setup(cell)
    with pytest.raises(TypeError, match=r"step_cache must be the \w+StepCache returned by"):
        cell.module.step_backward(*_step_backward_args(cell, params).values(), object())


def _grad_cases(cell: Cell):
    return [pytest.param(g, id=g) for g in _step_backward_args(cell, _setup(cell)[0])]


@pytest.mark.parametrize(("cell", "grad"), params_for("test_step_backward_grad_shape", _grad_cases))
def test_step_backward_grad_shape(cell, grad):
    params, X = _setup(cell)
    _, step_cache = _step(cell, X[0], _states(cell, params), params)
    args = _step_backward_args(cell, params)
    good = args[grad].shape
    args[grad] = np.zeros((B, good[1] + 1), args[grad].dtype)
    with pytest.raises(ValueError, match=rf"{grad} must have shape {_shape(good)}, got {_shape((B, good[1] + 1))}"):
        cell.module.step_backward(*args.values(), step_cache)


# ---------------------------------------------------------------- one cell's own options
@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"spectral_radius": -1.0}, ValueError, r"spectral_radius must be a finite number > 0, got -1.0"),
        ({"sigma_max": np.inf}, ValueError, r"sigma_max must be a finite number > 0"),
        ({"spectral_radius": "1"}, TypeError, r"spectral_radius must be a real number"),
        (
            {"spectral_radius": 1.0, "sigma_max": 1.0},
            ValueError,
            r"at most one of spectral_radius and sigma_max",
        ),
    ],
)
def test_rnn_init_rescaling_bad(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        vg.rnn.init(2, 3, np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize(("bad", "exc"), [(np.nan, ValueError), (np.inf, ValueError), ("1", TypeError),
                                          (None, TypeError), (True, TypeError)])
def test_lstm_forget_bias_bad(bad, exc):
    # A wrong type is a TypeError, a wrong value a ValueError, as everywhere else in vg (GUIDE section 2).
    with pytest.raises(exc, match=r"forget_bias must be a finite real number"):
        vg.lstm.init(2, 3, np.random.default_rng(0), forget_bias=bad)
