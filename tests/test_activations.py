"""Activations: values, derivatives from outputs, numerical safety and the derivative bounds."""

from __future__ import annotations

import numpy as np
import pytest
from _fd import numerical_gradient, relative_error

import vg
from vg import activations

NAMES = ["tanh", "sigmoid", "relu", "identity"]


def test_registry_has_the_four_names():
    assert list(activations.ACTIVATIONS) == NAMES
    for name in NAMES:
        assert activations.get(name).name == name


def test_values_against_textbook_formulas():
    a = np.linspace(-30, 30, 1201)
    np.testing.assert_allclose(activations.sigmoid(a), 1 / (1 + np.exp(-a)), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(activations.tanh(a), np.tanh(a), rtol=0, atol=0)
    np.testing.assert_array_equal(activations.relu(a), np.where(a > 0, a, 0.0))
    np.testing.assert_array_equal(activations.identity(a), a)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output_matches_finite_differences(name):
    # a grid that avoids relu's kink at 0
    a = np.linspace(-4, 4, 81) + 0.0123
    act = activations.get(name)

    def total() -> float:
        return float(np.sum(weights * act.fn(a)))

    weights = np.random.default_rng(0).standard_normal(a.shape)
    fd = numerical_gradient(total, a)  # entry i is weights[i] * phi'(a[i])
    assert relative_error(weights * act.grad(act.fn(a)), fd) < 1e-7
    assert relative_error(weights * activations.derivative(name, a), fd) < 1e-7


@pytest.mark.parametrize("name", NAMES)
def test_out_argument_writes_in_place(name):
    a = np.linspace(-3, 3, 7)
    out = np.empty_like(a)
    result = activations.get(name).fn(a, out=out)
    assert result is out
    np.testing.assert_array_equal(out, activations.get(name).fn(a))
    assert np.all(a == np.linspace(-3, 3, 7))  # the input is untouched


def test_sigmoid_is_safe_for_huge_inputs():
    """No overflow warning (pytest turns warnings into errors) and exact saturation."""
    a = np.array([-1e308, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e308])
    y = activations.sigmoid(a)
    assert np.all((y >= 0) & (y <= 1))
    assert y[0] == 0.0 and y[-1] == 1.0 and y[3] == 0.5
    np.testing.assert_array_equal(activations.sigmoid_grad(y)[[0, 1, -2, -1]], 0.0)
    y32 = activations.sigmoid(np.array([-3e38, -100.0, 0.0, 100.0, 3e38], dtype=np.float32))
    assert y32.dtype == np.float32 and np.all(np.isfinite(y32))


def test_tanh_outputs_stay_in_range():
    y = activations.tanh(np.array([-1e300, -20.0, 20.0, 1e300]))
    np.testing.assert_array_equal(y, [-1, -1, 1, 1])


@pytest.mark.parametrize(("name", "gamma"), [("tanh", 1.0), ("sigmoid", 0.25), ("relu", 1.0), ("identity", 1.0)])
def test_derivative_bound(name, gamma):
    """gamma = max |phi'| comes out of the derivative code: 1 for tanh, 1/4 for sigmoid."""
    assert activations.derivative_bound(name) == gamma


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_derivative_peaks_at_zero_and_decays(name):
    a = np.linspace(-20, 20, 40001)
    d = activations.derivative(name, a)
    assert a[np.argmax(d)] == 0.0
    assert np.all(np.diff(d[a >= 0]) <= 0) and np.all(np.diff(d[a <= 0]) >= 0)
    assert d[-1] < 1e-8  # saturation: far from 0 the derivative is nearly zero


def test_bound_is_not_exceeded_on_a_wider_grid():
    a = np.linspace(-100, 100, 100_001)
    for name in NAMES:
        assert np.max(np.abs(activations.derivative(name, a))) <= activations.derivative_bound(name)


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match=r"activation must be one of .*'softplus'"):
        activations.get("softplus")
    with pytest.raises(ValueError, match="name must be one of"):
        activations.derivative("swish", np.zeros(3))


def test_exposed_lazily_from_the_package():
    assert vg.activations is activations


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("x", [0.5, -3.0, np.float32(0.5), np.array(0.5), np.array([0.5, -3.0])])
def test_activations_accept_scalars_and_0d_arrays(name, x):
    fn = getattr(vg.activations, name)
    y = fn(x)
    reference = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0),
                 "identity": lambda v: v}[name](np.asarray(x, dtype=np.float64))
    assert np.shape(y) == np.shape(x)
    np.testing.assert_allclose(y, reference, rtol=1e-6)
