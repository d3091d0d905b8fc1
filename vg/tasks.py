"""Synthetic sequence tasks that need long-term memory, generated deterministically.

Each task draws a batch from the `np.random.Generator` it is given (same seed, same arrays; NumPy's
global random state is never used) and returns time-major float64 inputs ``X`` of shape
(T, B, D) and targets:

================ ====== ================================== =========================================
task             D      targets                            scored
================ ====== ================================== =========================================
adding_problem   2      (B, 1) float64                     last step, MSE
latch            n_sym  (B,) int64 class indices           last step, cross-entropy
agreement        16     (B,) int64, 0 singular, 1 plural   last step, cross-entropy
delayed_recall   1      (T, B, K) float64, one per delay   every step after a washout, MSE
================ ====== ================================== =========================================

The information a task asks about sits at the start (or at marked positions) and the answer is due
at the end, so a model can only succeed if information, and during training the gradient, crosses
the whole sequence. Wrap a task in a lambda to give `vg.train.fit` a sampler::

    task = lambda rng: vg.tasks.adding_problem(100, 32, rng)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vg._checks import check_array, check_choice, check_positive, check_rng, check_size

__all__ = [
    "ADDING_VARIANTS",
    "AGREEMENT_VOCAB",
    "adding_problem",
    "agreement",
    "agreement_words",
    "delayed_recall",
    "latch",
]

ADDING_VARIANTS = ("marked", "hochreiter1997")


def adding_problem(
    T: int, batch_size: int, rng: np.random.Generator, variant: str = "marked"
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: output the sum of two marked numbers seen long ago.

    Each input step is a pair: channel 0 a random value, channel 1 a marker. Two variants:

    ``"marked"`` (the common modern form: Le, Jaitly & Hinton 2015; Arjovsky, Shah & Bengio 2016)
        Values are uniform on [0, 1]. The marker is 1 at exactly two steps, one drawn uniformly from
        the first half ``0 <= t < T // 2`` and one from the second half ``T // 2 <= t < T``, and 0
        elsewhere. The target is the sum of the two marked values, in [0, 2]. A model that ignores
        its input does best predicting the mean, 1, with MSE
        ``Var(U1 + U2) = 2 * (1/12) = 1/6 ≈ 0.167``; the task counts as solved well below that (e.g.
        test MSE < 0.01).
    ``"hochreiter1997"`` (Hochreiter & Schmidhuber 1997, experiment 4)
        Values are uniform on [-1, 1]. The marker is +1 at two steps: the first (value X1) drawn
        uniformly from the first ten steps, the second (value X2) uniformly from the first
        ``T // 2 - 1`` steps that are still unmarked. The marker is -1 at the first and at the last
        step (unless the first step is marked, which takes precedence) and 0 elsewhere. If the
        first mark falls on step 0, X1 is set to 0 (the paper's rule for this "rare case"; the
        second mark may also fall on step 0, and then keeps its value). The target is
        ``0.5 + (X1 + X2) / 4``, in [0, 1]. The paper's sequences had random lengths between T and
        T + T/10; here every sequence has length exactly T so that a batch is one array. The best
        constant prediction is 0.5, with MSE
        ``Var(X1 + X2) / 16 = (0.9/3 + 1/3) / 16 = 19/480 ≈ 0.0396`` (Var of U[-1, 1] is 1/3; X1 is
        0 with probability 1/10). The paper counted a sequence as correct when the absolute error at
        the end was below 0.04.

    Args:
        T: sequence length; at least 2 for ``"marked"`` and at least 11 for
            ``"hochreiter1997"`` (the first ten steps and the last step must be distinct).
        batch_size: B, the number of sequences.
        rng: the random generator.
        variant: ``"marked"`` or ``"hochreiter1997"``.

    Returns:
        ``(X, Y)``: inputs (T, B, 2) and targets (B, 1), float64.
    """
    check_choice("variant", variant, ADDING_VARIANTS)
    T = check_size("T", T, minimum=2 if variant == "marked" else 11)
    B = check_size("batch_size", batch_size)
    rng = check_rng("rng", rng)
    X = np.zeros((T, B, 2))
    cols = np.arange(B)
    if variant == "marked":
        X[:, :, 0] = rng.uniform(0.0, 1.0, size=(T, B))
        half = T // 2
        first = rng.integers(0, half, size=B)
        second = rng.integers(half, T, size=B)
        X[first, cols, 1] = 1.0
        X[second, cols, 1] = 1.0
        Y = X[first, cols, 0] + X[second, cols, 0]
        return X, Y[:, None]

    X[:, :, 0] = rng.uniform(-1.0, 1.0, size=(T, B))
    X[0, :, 1] = -1.0
    X[T - 1, :, 1] = -1.0
    first = rng.integers(0, 10, size=B)
    # The second mark is one of the first T//2 - 1 *unmarked* steps: draw an index j among those and
    # skip over the first mark if it lies at or before j.
    j = rng.integers(0, T // 2 - 1, size=B)
    second = j + (first <= j)
    X[first, cols, 1] = 1.0
    X[second, cols, 1] = 1.0
    X[0, first == 0, 0] = 0.0  # the paper: if the first pair is marked, X1 is set to zero
    Y = 0.5 + (X[first, cols, 0] + X[second, cols, 0]) / 4.0
    return X, Y[:, None]


def latch(
    T: int,
    batch_size: int,
    rng: np.random.Generator,
    n_symbols: int = 2,
    noise: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """Remember the first symbol through T - 1 steps of noise (a "latch", after Bengio et al. 1994).

    Step 0 is a one-hot vector encoding a symbol drawn uniformly from ``{0, ..., n_symbols - 1}``.
    Steps 1 .. T-1 carry only Gaussian noise with standard deviation `noise` in every channel (step
    0 carries no noise). The target, due at the last step, is the first symbol: the network has to
    latch it into its state and keep it against the noise. Chance level is ``1 / n_symbols``
    accuracy and cross-entropy ``log(n_symbols)``.

    Args:
        T: sequence length, at least 1.
        batch_size: B.
        rng: the random generator.
        n_symbols: number of symbols (classes and input channels), at least 2.
        noise: standard deviation of the distractor noise, >= 0.

    Returns:
        ``(X, y)``: inputs (T, B, n_symbols) float64 and targets (B,) int64 in [0, n_symbols).
    """
    T = check_size("T", T)
    B = check_size("batch_size", batch_size)
    rng = check_rng("rng", rng)
    n = check_size("n_symbols", n_symbols, minimum=2)
    noise = check_positive("noise", noise, allow_zero=True)
    y = rng.integers(0, n, size=B)
    X = np.zeros((T, B, n))
    if T > 1 and noise > 0:
        X[1:] = noise * rng.standard_normal((T - 1, B, n))
    X[0, np.arange(B), y] = 1.0
    return X, y.astype(np.int64)


# Vocabulary of the toy agreement task: index = position in the concatenation of the three groups.
AGREEMENT_VOCAB: dict[str, tuple[str, ...]] = {
    "singular": ("dog", "key", "author", "cabinet"),
    "plural": ("dogs", "keys", "authors", "cabinets"),
    "filler": ("the", "of", "near", "on", "old", "red", "big", "that"),
}


def _vocab_lists() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    words = [w for group in ("singular", "plural", "filler") for w in AGREEMENT_VOCAB[group]]
    ns, npl = len(AGREEMENT_VOCAB["singular"]), len(AGREEMENT_VOCAB["plural"])
    sing = np.arange(ns)
    plur = np.arange(ns, ns + npl)
    fill = np.arange(ns + npl, len(words))
    return words, sing, plur, fill


def agreement(
    T: int, batch_size: int, rng: np.random.Generator, n_attractors: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Toy subject-verb number agreement (in the spirit of Linzen, Dupoux & Goldberg 2016).

    A "sentence" of T one-hot tokens over the vocabulary `AGREEMENT_VOCAB` (V = 16: indices 0-3 are
    singular nouns, 4-7 plural nouns, 8-15 neutral filler words). Token 0 is the subject, a singular
    or plural noun (each with probability 1/2). Among tokens 1 .. T-1, exactly `n_attractors`
    positions (chosen uniformly) hold nouns of the *other* number, the attractors, and the rest are
    fillers. The target, due after the last token (where the verb would come), is the subject's
    number: 0 for singular, 1 for plural. Recency is a trap: the closest noun is an attractor
    whenever there is one.

    Args:
        T: sentence length, at least 2.
        batch_size: B.
        rng: the random generator.
        n_attractors: number of attractor nouns, 0 <= n_attractors <= T - 1.

    Returns:
        ``(X, y)``: inputs (T, B, 16) float64 one-hot and targets (B,) int64 (0 singular, 1 plural).
    """
    T = check_size("T", T, minimum=2)
    B = check_size("batch_size", batch_size)
    rng = check_rng("rng", rng)
    k = check_size("n_attractors", n_attractors, minimum=0)
    if k > T - 1:
        raise ValueError(
            f"n_attractors must be <= T - 1 = {T - 1} (token 0 is the subject), got {k}"
        )
    words, sing, plur, fill = _vocab_lists()
    y = rng.integers(0, 2, size=B)
    tokens = fill[rng.integers(0, len(fill), size=(T, B))]
    tokens[0] = np.where(y == 1, plur[rng.integers(0, len(plur), size=B)],
                         sing[rng.integers(0, len(sing), size=B)])
    if k > 0:
        # k distinct positions in 1..T-1 per sentence: the first k of a random permutation.
        pos = 1 + np.argsort(rng.random((T - 1, B)), axis=0)[:k]
        other_plural = rng.integers(0, len(plur), size=(k, B))
        other_singular = rng.integers(0, len(sing), size=(k, B))
        attractor = np.where(y == 1, sing[other_singular], plur[other_plural])
        tokens[pos, np.arange(B)] = attractor
    X = np.zeros((T, B, len(words)))
    np.put_along_axis(X, tokens[:, :, None], 1.0, axis=2)
    return X, y.astype(np.int64)


def agreement_words(X: np.ndarray, b: int = 0) -> list[str]:
    """Decode sentence `b` of an `agreement` batch back to words, for printing on a page.

    Args:
        X: (T, B, 16) one-hot inputs from `agreement`.
        b: which sentence, 0 <= b < B.

    Returns:
        The T words.
    """
    words, *_ = _vocab_lists()
    X = check_array("X", X, ("T", "B", len(words)))
    b = check_size("b", b, minimum=0)
    if b >= X.shape[1]:
        raise ValueError(f"b must be < B = {X.shape[1]}, got {b}")
    return [words[i] for i in X[:, b].argmax(axis=1)]


def delayed_recall(
    T: int, batch_size: int, rng: np.random.Generator, delays: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Recall the input from d steps ago, for several delays d at once (a memory-capacity task).

    Inputs are i.i.d. ``u_t ~ U[-1, 1]``. Output k at step t should be ``u_{t - d_k}``. For the
    first ``d_k`` steps there is nothing to recall yet and the target is 0; discard them (a washout
    of at least ``max(delays)`` steps) when scoring. This is the task behind the memory capacity of
    echo state networks (Jaeger 2002): the squared correlation between output k and ``u_{t - d_k}``,
    summed over k.

    Args:
        T: sequence length, at least 1.
        batch_size: B.
        rng: the random generator.
        delays: the K delays, integers with 0 <= d < T.

    Returns:
        ``(U, Y)``: inputs (T, B, 1) and targets (T, B, K), float64, with
        ``Y[t, :, k] = U[t - d_k, :, 0]`` for ``t >= d_k`` and 0 before.
    """
    T = check_size("T", T)
    B = check_size("batch_size", batch_size)
    rng = check_rng("rng", rng)
    if isinstance(delays, (str, bytes)) or not isinstance(delays, (Sequence, np.ndarray)):
        raise TypeError(f"delays must be a sequence of integers, got {type(delays).__name__}")
    if len(delays) == 0:
        raise ValueError("delays must contain at least one delay, got an empty sequence")
    ds = [check_size(f"delays[{i}]", d, minimum=0) for i, d in enumerate(delays)]
    for i, d in enumerate(ds):
        if d >= T:
            raise ValueError(f"delays[{i}] must be < T = {T}, got {d}")
    U = rng.uniform(-1.0, 1.0, size=(T, B, 1))
    Y = np.zeros((T, B, len(ds)))
    for k, d in enumerate(ds):
        Y[d:, :, k] = U[: T - d, :, 0]
    return U, Y
