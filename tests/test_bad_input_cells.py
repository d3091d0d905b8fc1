"""Bad input to the cells fails early with a ValueError/TypeError that names the argument and says what
was expected and what was given, never a bare NumPy broadcasting error."""

from __future__ import annotations

import numpy as np
import pytest

import vg

T, B, D, H = 4, 2, 3, 5


def _setup(module):
    rng = np.random.default_rng(0)
    params = module.init(D, H, rng)
    X = rng.standard_normal((T, B, D))
    return params, X


MODULES = {"rnn": vg.rnn, "lstm": vg.lstm, "gru": vg.gru}
W_H = {"rnn": "W_h", "lstm": "W_hf", "gru": "W_hz"}
W_X = {"rnn": "W_x", "lstm": "W_xi", "gru": "W_xr"}
BIAS = {"rnn": "b", "lstm": "b_o", "gru": "b_h"}


@pytest.fixture(params=list(MODULES))
def cell(request):
    return request.param


# ---------------------------------------------------------------- forward: X
@pytest.mark.parametrize(
    ("bad_shape", "pattern"),
    [
        ((T, D), r"X must have 3 dimensions \(T, B, D\), got 2 dimensions with shape \(4, 3\)"),
        ((T, B, 1, D), r"X must have 3 dimensions \(T, B, D\), got 4 dimensions"),
        ((T, B, D + 2), r"X must have shape \(4, 2, 3\) \(T, B, D\), got \(4, 2, 5\).*D\) is 5 but D = 3"),
        ((0, B, D), r"X must not be empty, got shape \(0, 2, 3\)"),
        ((T, 0, D), r"X must not be empty"),
    ],
)
def test_X_shape(cell, bad_shape, pattern):
    params, _ = _setup(MODULES[cell])
    with pytest.raises(ValueError, match=pattern):
        MODULES[cell].forward(np.ones(bad_shape), params)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_X_not_finite(cell, value):
    params, X = _setup(MODULES[cell])
    X[2, 1, 0] = value
    with pytest.raises(ValueError, match=r"X must be finite.*index \(2, 1, 0\)"):
        MODULES[cell].forward(X, params)


@pytest.mark.parametrize("bad", ["abc", None, {"a": 1}, np.array(["x"] * 3), np.zeros((T, B, D), complex)])
def test_X_type(cell, bad):
    params, _ = _setup(MODULES[cell])
    with pytest.raises(TypeError, match=r"^X must be"):
        MODULES[cell].forward(bad, params)


# ---------------------------------------------------------------- forward: initial states
@pytest.mark.parametrize(
    ("shape", "pattern"),
    [
        ((H,), r"h0 must have 2 dimensions \(B, H\), got 1 dimensions with shape \(5,\)"),
        ((B + 1, H), r"h0 must have shape \(2, 5\) \(B, H\), got \(3, 5\)"),
        ((B, H + 1), r"h0 must have shape \(2, 5\) \(B, H\), got \(2, 6\)"),
    ],
)
def test_h0_shape(cell, shape, pattern):
    params, X = _setup(MODULES[cell])
    with pytest.raises(ValueError, match=pattern):
        MODULES[cell].forward(X, params, h0=np.zeros(shape))


def test_h0_not_finite(cell):
    params, X = _setup(MODULES[cell])
    h0 = np.zeros((B, H))
    h0[0, 0] = np.nan
    with pytest.raises(ValueError, match="h0 must be finite"):
        MODULES[cell].forward(X, params, h0=h0)


def test_c0_shape_and_values():
    params, X = _setup(vg.lstm)
    with pytest.raises(ValueError, match=r"c0 must have shape \(2, 5\) \(B, H\), got \(2, 4\)"):
        vg.lstm.forward(X, params, c0=np.zeros((B, H - 1)))
    with pytest.raises(ValueError, match=r"c0 must have 2 dimensions"):
        vg.lstm.forward(X, params, c0=np.zeros((1, B, H)))
    with pytest.raises(ValueError, match="c0 must be finite"):
        vg.lstm.forward(X, params, c0=np.full((B, H), np.inf))


# ---------------------------------------------------------------- forward: params
def test_params_not_a_dict(cell):
    _, X = _setup(MODULES[cell])
    with pytest.raises(TypeError, match=r"params must be a dict of arrays, got list"):
        MODULES[cell].forward(X, [np.zeros((H, D))])


def test_params_missing_key(cell):
    params, X = _setup(MODULES[cell])
    del params[W_H[cell]]
    with pytest.raises(ValueError, match=rf"params must have exactly the keys .*missing \['{W_H[cell]}'\]"):
        MODULES[cell].forward(X, params)


def test_params_extra_key(cell):
    params, X = _setup(MODULES[cell])
    params["W_y"] = np.zeros((2, H))
    with pytest.raises(ValueError, match=r"params must have exactly the keys .*unexpected \['W_y'\]"):
        MODULES[cell].forward(X, params)


def test_params_from_another_cell(cell):
    other = "gru" if cell != "gru" else "lstm"
    params, X = _setup(MODULES[other])
    with pytest.raises(ValueError, match=r"params must have exactly the keys .*missing"):
        MODULES[cell].forward(X, params)


def test_recurrent_matrix_not_square(cell):
    params, X = _setup(MODULES[cell])
    params[W_H[cell]] = np.zeros((H, H + 2))
    name = W_H[cell]
    with pytest.raises(ValueError, match=rf"params\['{name}'\] must have shape \(5, 5\).*got \(5, 7\)"):
        MODULES[cell].forward(X, params)


def test_W_x_wrong_rank(cell):
    params, X = _setup(MODULES[cell])
    params[W_X[cell]] = np.zeros(H)
    with pytest.raises(ValueError, match=rf"params\['{W_X[cell]}'\] must have 2 dimensions"):
        MODULES[cell].forward(X, params)


def test_bias_wrong_shape(cell):
    params, X = _setup(MODULES[cell])
    params[BIAS[cell]] = np.zeros(H + 1)
    with pytest.raises(ValueError, match=rf"params\['{BIAS[cell]}'\] must have shape \(5,\)"):
        MODULES[cell].forward(X, params)


def test_X_input_size_mismatches_W_x(cell):
    params, _ = _setup(MODULES[cell])
    with pytest.raises(ValueError, match=r"X must have shape \(4, 2, 3\) \(T, B, D\), got \(4, 2, 7\).*D = 3"):
        MODULES[cell].forward(np.zeros((T, B, 7)), params)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_params_not_finite(cell, value):
    params, X = _setup(MODULES[cell])
    params[W_H[cell]][1, 2] = value
    with pytest.raises(ValueError, match=rf"params\['{W_H[cell]}'\] must be finite.*\(1, 2\)"):
        MODULES[cell].forward(X, params)


# ---------------------------------------------------------------- backward
def _forward(cell):
    params, X = _setup(MODULES[cell])
    return MODULES[cell].forward(X, params)


@pytest.mark.parametrize(
    ("shape", "pattern"),
    [
        ((T, B), r"dH_all must have 3 dimensions \(4, 2, 5\), got 2"),
        ((T + 1, B, H), r"dH_all must have shape \(4, 2, 5\), got \(5, 2, 5\)"),
        ((T, B, H - 1), r"dH_all must have shape \(4, 2, 5\), got \(4, 2, 4\)"),
    ],
)
def test_dH_all_shape(cell, shape, pattern):
    _, cache = _forward(cell)
    with pytest.raises(ValueError, match=pattern):
        MODULES[cell].backward(np.zeros(shape), cache)


def test_dH_all_not_finite(cell):
    H_all, cache = _forward(cell)
    G = np.ones_like(H_all)
    G[3, 0, 1] = np.nan
    with pytest.raises(ValueError, match=r"dH_all must be finite.*\(3, 0, 1\)"):
        MODULES[cell].backward(G, cache)


@pytest.mark.parametrize("bad", [None, {"X": 1}, (1, 2), "cache"])
def test_cache_not_ours(cell, bad):
    with pytest.raises(TypeError, match=r"cache must be the \w+Cache returned by vg\.\w+\.forward"):
        MODULES[cell].backward(np.zeros((T, B, H)), bad)


def test_cache_of_another_cell(cell):
    other = "rnn" if cell != "rnn" else "gru"
    _, cache = _forward(other)
    with pytest.raises(TypeError, match=rf"cache must be .* vg\.{cell}\.forward, got \w+Cache"):
        MODULES[cell].backward(np.zeros((T, B, H)), cache)


@pytest.mark.parametrize(
    ("bad", "exc", "pattern"),
    [
        (0, ValueError, r"truncate must be an integer >= 1, got 0"),
        (-3, ValueError, r"truncate must be an integer >= 1, got -3"),
        (2.0, TypeError, r"truncate must be an integer >= 1, got 2.0 \(float\)"),
        (True, TypeError, r"truncate must be an integer >= 1, got True"),
        ("5", TypeError, r"truncate must be an integer"),
    ],
)
def test_truncate_bad(cell, bad, exc, pattern):
    H_all, cache = _forward(cell)
    with pytest.raises(exc, match=pattern):
        MODULES[cell].backward(np.ones_like(H_all), cache, truncate=bad)


# ---------------------------------------------------------------- init
@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"input_size": 0}, ValueError, r"input_size must be an integer >= 1, got 0"),
        ({"hidden_size": -4}, ValueError, r"hidden_size must be an integer >= 1, got -4"),
        ({"hidden_size": 16.0}, TypeError, r"hidden_size must be an integer >= 1, got 16.0 \(float\)"),
        ({"input_size": 2.5}, TypeError, r"input_size must be an integer"),
        ({"input_size": None}, TypeError, r"input_size must be an integer"),
        ({"rng": 0}, TypeError, r"rng must be a numpy.random.Generator.*got int"),
        ({"rng": np.random.RandomState(0)}, TypeError, r"rng must be a numpy.random.Generator"),
        ({"init": "xavier"}, ValueError, r"init must be one of .*'orthogonal'.*got 'xavier'"),
        ({"dtype": np.int64}, ValueError, r"dtype must be np.float32 or np.float64"),
        ({"dtype": np.float16}, ValueError, r"dtype must be np.float32 or np.float64"),
        ({"scale": 0.0}, ValueError, r"scale must be a finite number > 0, got 0.0"),
        ({"scale": np.nan}, ValueError, r"scale must be a finite number > 0"),
        ({"scale": "big"}, TypeError, r"scale must be a real number"),
    ],
)
def test_init_bad_arguments(cell, kwargs, exc, pattern):
    args = {"input_size": 2, "hidden_size": 3, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(exc, match=pattern):
        MODULES[cell].init(args.pop("input_size"), args.pop("hidden_size"), args.pop("rng"), **args)


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


@pytest.mark.parametrize("cell", [vg.rnn, vg.lstm, vg.gru])
def test_forward_returns_a_read_only_h_all(cell):
    # H_all is a view of the cache that backward reads: editing it in place must raise, not silently
    # change the gradients.
    rng = np.random.default_rng(0)
    params = cell.init(2, 3, rng=rng)
    X = rng.normal(size=(4, 2, 2))
    H_all, cache = cell.forward(X, params)
    grads_before, _, _ = cell.backward(np.ones_like(H_all), cache)
    with pytest.raises(ValueError, match="read-only"):
        H_all += 1.0
    grads_after, _, _ = cell.backward(np.ones_like(H_all), cache)
    for name in grads_before:
        np.testing.assert_array_equal(grads_before[name], grads_after[name])
    assert H_all.copy().flags.writeable  # a copy is the reader's to change


# ---------------------------------------------------------------- activation
@pytest.mark.parametrize("bad", ["softplus", "Tanh", None, 3])
def test_unknown_activation(bad):
    params, X = _setup(vg.rnn)
    with pytest.raises(ValueError, match=r"activation must be one of 'tanh', 'sigmoid', 'relu', 'identity'"):
        vg.rnn.forward(X, params, activation=bad)
    with pytest.raises(ValueError, match=r"activation must be one of"):
        vg.rnn.step(X[0], np.zeros((B, H)), params, activation=bad)


# ---------------------------------------------------------------- step and step_backward
def _step(cell, x_t, h_prev, params):
    if cell == "lstm":
        return vg.lstm.step(x_t, h_prev, np.zeros((B, H)), params)
    return MODULES[cell].step(x_t, h_prev, params)


@pytest.mark.parametrize(
    ("x_shape", "h_shape", "pattern"),
    [
        ((D,), (B, H), r"x_t must have 2 dimensions \(B, D\), got 1"),
        ((B, D + 1), (B, H), r"x_t must have shape \(2, 3\) \(B, D\), got \(2, 4\)"),
        ((B, D), (B + 1, H), r"h_prev must have shape \(2, 5\) \(B, H\), got \(3, 5\)"),
        ((B, D), (B, H, 1), r"h_prev must have 2 dimensions"),
    ],
)
def test_step_shapes(cell, x_shape, h_shape, pattern):
    params, _ = _setup(MODULES[cell])
    with pytest.raises(ValueError, match=pattern):
        _step(cell, np.zeros(x_shape), np.zeros(h_shape), params)


def test_lstm_step_c_prev():
    params, X = _setup(vg.lstm)
    with pytest.raises(ValueError, match=r"c_prev must have shape \(2, 5\) \(B, H\), got \(2, 3\)"):
        vg.lstm.step(X[0], np.zeros((B, H)), np.zeros((B, 3)), params)
    with pytest.raises(ValueError, match=r"c_prev must be finite"):
        vg.lstm.step(X[0], np.zeros((B, H)), np.full((B, H), np.nan), params)


def test_step_backward_bad(cell):
    params, X = _setup(MODULES[cell])
    _, step_cache = _step(cell, X[0], np.zeros((B, H)), params)
    args = (np.zeros((B, H)),) if cell != "lstm" else (np.zeros((B, H)), np.zeros((B, H)))
    with pytest.raises(TypeError, match=r"step_cache must be the \w+StepCache returned by"):
        MODULES[cell].step_backward(*args, object())
    bad = (np.zeros((B, H + 1)),) + args[1:]
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 5\), got \(2, 6\)"):
        MODULES[cell].step_backward(*bad, step_cache)
