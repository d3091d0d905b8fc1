"""vg.tasks: shapes, determinism, and the properties each task promises."""

import numpy as np
import pytest

import vg

TASKS = {
    "adding_marked": lambda rng: vg.tasks.adding_problem(20, 8, rng),
    "adding_hochreiter": lambda rng: vg.tasks.adding_problem(30, 8, rng, variant="hochreiter1997"),
    "latch": lambda rng: vg.tasks.latch(7, 8, rng, n_symbols=3),
    "agreement": lambda rng: vg.tasks.agreement(9, 8, rng, n_attractors=2),
    "delayed_recall": lambda rng: vg.tasks.delayed_recall(15, 8, rng, delays=[0, 1, 5]),
}


@pytest.mark.parametrize("name", list(TASKS))
def test_deterministic_given_seed(name):
    X1, Y1 = TASKS[name](np.random.default_rng(42))
    X2, Y2 = TASKS[name](np.random.default_rng(42))
    X3, _ = TASKS[name](np.random.default_rng(43))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)
    assert X1.dtype == np.float64


def test_shapes_and_dtypes():
    rng = np.random.default_rng(0)
    X, Y = vg.tasks.adding_problem(20, 8, rng)
    assert X.shape == (20, 8, 2) and Y.shape == (8, 1) and Y.dtype == np.float64
    X, y = vg.tasks.latch(7, 8, rng, n_symbols=3)
    assert X.shape == (7, 8, 3) and y.shape == (8,) and y.dtype == np.int64
    X, y = vg.tasks.agreement(9, 8, rng)
    assert X.shape == (9, 8, 16) and y.shape == (8,) and y.dtype == np.int64
    U, Y = vg.tasks.delayed_recall(15, 8, rng, delays=[0, 1, 5])
    assert U.shape == (15, 8, 1) and Y.shape == (15, 8, 3) and Y.dtype == np.float64


def test_adding_marked_markers_and_target():
    X, Y = vg.tasks.adding_problem(50, 500, np.random.default_rng(1))
    T = 50
    markers = X[:, :, 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=0) == 2)  # exactly two markers per sequence
    assert np.all(markers[: T // 2].sum(axis=0) == 1)  # one in the first half
    assert np.all(markers[T // 2 :].sum(axis=0) == 1)  # one in the second half
    np.testing.assert_allclose(Y[:, 0], (X[:, :, 0] * markers).sum(axis=0))
    assert X[:, :, 0].min() >= 0.0 and X[:, :, 0].max() <= 1.0


def test_adding_marked_constant_baseline_is_one_sixth():
    _, Y = vg.tasks.adding_problem(10, 200_000, np.random.default_rng(2))
    mse_const_1 = np.mean((Y - 1.0) ** 2)
    assert mse_const_1 == pytest.approx(1 / 6, abs=0.003)


def test_adding_hochreiter_structure_and_baseline():
    T = 40
    X, Y = vg.tasks.adding_problem(T, 100_000, np.random.default_rng(3), variant="hochreiter1997")
    marks = X[:, :, 1]
    plus = marks == 1.0
    assert np.all(plus.sum(axis=0) == 2)
    first = plus.argmax(axis=0)
    second = T - 1 - plus[::-1].argmax(axis=0)
    assert np.all(first < 10)
    assert np.all(second < T // 2)  # within the first T/2 - 1 unmarked steps: positions < T/2
    assert np.all(marks[-1] == -1.0)
    assert np.all((marks[0] == -1.0) | plus[0])
    assert np.all(marks[1:-1][~plus[1:-1]] == 0.0)
    values = X[:, :, 0]
    assert values.min() >= -1.0 and values.max() <= 1.0
    # X1 = 0 when the first mark (drawn among the first 10 steps) falls on step 0: probability 1/10
    assert np.mean(plus[0] & (values[0] == 0.0)) == pytest.approx(0.1, abs=0.005)
    assert np.mean(plus[0]) == pytest.approx(0.1 + 0.9 / (T // 2 - 1), abs=0.005)
    np.testing.assert_allclose(Y[:, 0], 0.5 + (values * plus).sum(axis=0) / 4.0)
    assert Y.min() >= 0.0 and Y.max() <= 1.0
    # the best constant, 0.5, scores Var(X1 + X2) / 16 = 19/480
    assert np.mean((Y - 0.5) ** 2) == pytest.approx(19 / 480, abs=0.0008)


def test_latch_target_is_first_symbol():
    X, y = vg.tasks.latch(6, 300, np.random.default_rng(4), n_symbols=4, noise=0.5)
    np.testing.assert_array_equal(X[0].argmax(axis=1), y)
    np.testing.assert_array_equal(X[0].sum(axis=1), 1.0)  # step 0 is a clean one-hot
    assert set(np.unique(y)) == {0, 1, 2, 3}
    assert X[1:].std() == pytest.approx(0.5, rel=0.1)
    X0, _ = vg.tasks.latch(6, 10, np.random.default_rng(4), noise=0.0)
    assert np.all(X0[1:] == 0.0)


@pytest.mark.parametrize("k", [0, 1, 3, 8])
def test_agreement_target_and_attractor_count(k):
    T = 9
    X, y = vg.tasks.agreement(T, 400, np.random.default_rng(5), n_attractors=k)
    np.testing.assert_array_equal(X.sum(axis=2), 1.0)  # one-hot
    tokens = X.argmax(axis=2)
    singular = tokens < 4
    plural = (tokens >= 4) & (tokens < 8)
    # the subject is a noun whose number is the target
    assert np.all(singular[0] | plural[0])
    np.testing.assert_array_equal(plural[0].astype(int), y)
    # exactly k attractors, all of the other number; no nouns of the subject's own number
    other = np.where(y == 1, singular[1:].sum(axis=0), plural[1:].sum(axis=0))
    same = np.where(y == 1, plural[1:].sum(axis=0), singular[1:].sum(axis=0))
    assert np.all(other == k)
    assert np.all(same == 0)
    assert set(np.unique(y)) == {0, 1}


def test_agreement_words():
    X, y = vg.tasks.agreement(5, 3, np.random.default_rng(6), n_attractors=1)
    words = vg.tasks.agreement_words(X, 1)
    assert len(words) == 5
    vocab = vg.tasks.AGREEMENT_VOCAB
    assert words[0] in (vocab["plural"] if y[1] == 1 else vocab["singular"])


def test_delayed_recall_targets():
    U, Y = vg.tasks.delayed_recall(12, 4, np.random.default_rng(7), delays=[0, 3])
    np.testing.assert_array_equal(Y[:, :, 0], U[:, :, 0])
    np.testing.assert_array_equal(Y[3:, :, 1], U[:-3, :, 0])
    assert np.all(Y[:3, :, 1] == 0.0)
    assert U.min() >= -1.0 and U.max() <= 1.0
