"""vg.clip: the three clipping operations do different things, as documented."""

import numpy as np
import pytest

import vg


def flat(g):
    return np.concatenate([v.ravel() for v in g.values()])


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def grads():
    return {"W_h": np.array([[3.0, 0.0], [0.0, 4.0]]), "b": np.array([12.0, 0.0])}  # norm 13


def test_global_norm(grads):
    assert vg.clip.global_norm(grads) == pytest.approx(13.0)
    assert vg.clip.global_norm({"a": np.zeros(3)}) == 0.0
    # no overflow for huge entries, no underflow for tiny (vanishing) ones
    assert vg.clip.global_norm({"a": np.array([3e200, 4e200])}) == pytest.approx(5e200)
    assert vg.clip.global_norm({"a": np.array([3e-200, 4e-200])}) == pytest.approx(5e-200)
    assert vg.clip.global_norm({"a": np.array([[1.0, 2.0]]), "b": np.array([2.0])}) == 3.0


def test_clip_global_norm_keeps_direction_and_bounds_norm(grads):
    clipped, norm = vg.clip.clip_global_norm(grads, 1.0)
    assert norm == pytest.approx(13.0)
    assert vg.clip.global_norm(clipped) == pytest.approx(1.0)
    assert cosine(flat(clipped), flat(grads)) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["b"], grads["b"] / 13.0)


def test_clip_global_norm_noop_below_threshold(grads):
    clipped, norm = vg.clip.clip_global_norm(grads, 100.0)
    assert norm == pytest.approx(13.0)
    for k in grads:
        np.testing.assert_array_equal(clipped[k], grads[k])
        assert clipped[k] is not grads[k]  # new arrays, no aliasing


def test_clip_value_changes_direction(grads):
    clipped = vg.clip.clip_value(grads, 1.0)
    np.testing.assert_array_equal(clipped["W_h"], [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(clipped["b"], [1.0, 0.0])
    c = cosine(flat(clipped), flat(grads))
    assert c < 0.99  # the angle is clearly non-zero
    assert np.arccos(min(c, 1.0)) > 0.1


def test_clip_norm_per_parameter_differs_from_global(grads):
    per, norms = vg.clip.clip_norm_per_parameter(grads, 5.0)
    assert norms == pytest.approx({"W_h": 5.0, "b": 12.0})
    # W_h (norm 5) untouched, b rescaled to norm 5
    np.testing.assert_array_equal(per["W_h"], grads["W_h"])
    assert np.linalg.norm(per["b"]) == pytest.approx(5.0)
    glob, _ = vg.clip.clip_global_norm(grads, 5.0)
    assert not np.allclose(flat(per), flat(glob))
    assert cosine(flat(per), flat(grads)) < 0.999  # per-parameter clipping turns the update


def test_zero_gradients_are_safe():
    z = {"a": np.zeros((2, 2)), "b": np.zeros(3)}
    for out in (vg.clip.clip_global_norm(z, 1.0)[0], vg.clip.clip_norm_per_parameter(z, 1.0)[0],
                vg.clip.clip_value(z, 1.0)):
        for k in z:
            assert np.all(out[k] == 0.0)
    assert vg.clip.clip_global_norm(z, 1.0)[1] == 0.0


def test_inputs_not_mutated(grads):
    before = {k: v.copy() for k, v in grads.items()}
    vg.clip.clip_global_norm(grads, 1.0)
    vg.clip.clip_norm_per_parameter(grads, 1.0)
    vg.clip.clip_value(grads, 1.0)
    assert set(grads) == set(before)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])


def test_clip_keeps_float32():
    g = {"a": np.array([3.0, 4.0], dtype=np.float32)}
    out, _ = vg.clip.clip_global_norm(g, 1.0)
    assert out["a"].dtype == np.float32
    np.testing.assert_allclose(out["a"], [0.6, 0.8], rtol=1e-6)
