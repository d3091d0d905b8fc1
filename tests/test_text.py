"""vg.text: the corpus, the vocabulary, encoding, splitting and batches."""

import gzip
from pathlib import Path

import numpy as np
import pytest

import vg.text as vt

SAMPLE = "Call me Ishmael.\nSome years ago\u2014never mind how long\u2019 \u201cprecisely\u201d"


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


# --- locating and loading ---------------------------------------------------------------------


def test_corpus_path_explicit_argument_wins(corpus_file, monkeypatch, tmp_path):
    monkeypatch.setenv(vt.ENV_VAR, str(tmp_path / "elsewhere.txt"))
    assert vt.corpus_path(corpus_file) == corpus_file
    assert vt.corpus_path(str(corpus_file)) == corpus_file


def test_corpus_path_env_var(corpus_file, monkeypatch):
    monkeypatch.setenv(vt.ENV_VAR, str(corpus_file))
    assert vt.corpus_path() == corpus_file
    assert vt.load() == SAMPLE


def test_corpus_path_default_is_the_packaged_copy(monkeypatch):
    monkeypatch.delenv(vt.ENV_VAR, raising=False)
    assert vt.corpus_path() == vt.PACKAGED
    assert vt.PACKAGED.is_relative_to(Path(vt.__file__).resolve().parent)  # inside the package: in the wheel


def test_packaged_copy_is_the_npm_text_byte_for_byte(monkeypatch):
    # The clone gets the npm package from `npm ci` (./dev runs it); the packaged gzip must decompress
    # to exactly its data.txt, so the provenance stated in vg.text holds.
    npm = Path(__file__).resolve().parent.parent / "node_modules" / vt.PACKAGE / "data" / "data.txt"
    monkeypatch.delenv(vt.ENV_VAR, raising=False)
    assert vt.load().encode("utf-8") == npm.read_bytes()


def test_gzip_files_are_decompressed(tmp_path):
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(gzip.compress(SAMPLE.encode("utf-8")))
    assert vt.load(path) == SAMPLE


def test_missing_corpus_says_where_it_looked(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"nope\.txt") as err:
        vt.corpus_path(tmp_path / "nope.txt")
    assert "path argument" in str(err.value)
    monkeypatch.setenv(vt.ENV_VAR, str(tmp_path / "nope.txt"))
    with pytest.raises(FileNotFoundError, match="VG_CORPUS"):
        vt.load()


def test_corpus_path_bad_type():
    with pytest.raises(TypeError, match="path"):
        vt.corpus_path(3)


def test_load_reads_utf8(corpus_file):
    assert vt.load(corpus_file) == SAMPLE


# --- normalising, vocabulary, encoding ----------------------------------------------------------


def test_normalize():
    out = vt.normalize(SAMPLE)
    assert out == "call me ishmael. some years ago-never mind how long' \u201cprecisely\u201d"
    assert vt.normalize("  a\n\n b\t") == "a b"


def test_vocabulary_sorted_distinct():
    assert vt.vocabulary("banana") == "abn"


def test_encode_decode_round_trip():
    text = vt.normalize(SAMPLE)
    vocab = vt.vocabulary(text)
    ids = vt.encode(text, vocab)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert vt.decode(ids, vocab) == text
    assert vt.decode([1, 0], "ab") == "ba"


def test_encode_unknown_character():
    with pytest.raises(ValueError, match="not in vocab: 'z'"):
        vt.encode("abz", "ab")


@pytest.mark.parametrize("func", [vt.normalize, vt.vocabulary])
def test_text_functions_refuse_bad_text(func):
    with pytest.raises(TypeError, match="text must be a str"):
        func(b"bytes")
    with pytest.raises(ValueError, match="text must not be empty"):
        func("")


def test_encode_bad_arguments():
    with pytest.raises(TypeError, match="text"):
        vt.encode(["a"], "ab")
    with pytest.raises(TypeError, match="vocab"):
        vt.encode("a", None)
    with pytest.raises(ValueError, match="vocab must not repeat"):
        vt.encode("a", "aa")


def test_decode_bad_arguments():
    with pytest.raises(ValueError, match="ids must hold ids >= 0, below 2"):
        vt.decode([2], "ab")
    with pytest.raises(TypeError, match="ids must be a 1-D integer array"):
        vt.decode([0.5], "ab")
    with pytest.raises(TypeError, match="ids"):
        vt.decode("ab", "ab")
    with pytest.raises(ValueError, match="ids must be a non-empty 1-D array"):
        vt.decode(np.zeros((2, 2), dtype=int), "ab")


# --- one-hot, split, batches -------------------------------------------------------------------


def test_one_hot():
    out = vt.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out.argmax(axis=-1), [[0, 2], [1, 1]])
    np.testing.assert_array_equal(out.sum(axis=-1), np.ones((2, 2)))
    assert vt.one_hot([1], 2, dtype=np.float32).dtype == np.float32


def test_one_hot_bad_arguments():
    with pytest.raises(ValueError, match=r"ids must be in \[0, 2\]"):
        vt.one_hot([3], 3)
    with pytest.raises(TypeError, match="ids must be an integer array"):
        vt.one_hot([1.0], 3)
    with pytest.raises(TypeError, match="ids"):
        vt.one_hot(None, 3)
    with pytest.raises(ValueError, match="vocab_size"):
        vt.one_hot([0], 0)
    with pytest.raises(TypeError, match="vocab_size"):
        vt.one_hot([0], 2.0)
    with pytest.raises(TypeError, match="dtype"):
        vt.one_hot([0], 2, dtype=int)


def test_split_contiguous():
    ids = np.arange(100)
    train, valid = vt.split(ids, 0.1)
    np.testing.assert_array_equal(train, np.arange(90))
    np.testing.assert_array_equal(valid, np.arange(90, 100))
    assert len(vt.split(ids)[1]) == 10


def test_split_bad_arguments():
    with pytest.raises(ValueError, match="valid_fraction must be in"):
        vt.split(np.arange(10), 1.0)
    with pytest.raises(TypeError, match="valid_fraction"):
        vt.split(np.arange(10), "0.1")
    with pytest.raises(ValueError, match=r"valid_fraction=0\.01 leaves an empty part"):
        vt.split(np.arange(10), 0.01)
    with pytest.raises(ValueError, match="ids must hold ids >= 0"):
        vt.split(np.array([-1, 2]), 0.5)


def test_sample_batch_shapes_targets_and_determinism():
    ids = np.arange(50) % 7
    X, Y = vt.sample_batch(ids, 5, 4, np.random.default_rng(0), 7)
    assert X.shape == (5, 4, 7) and Y.shape == (5, 4)
    # the target at step t is the input at step t + 1 (the next character)
    np.testing.assert_array_equal(X.argmax(axis=2)[1:], Y[:-1])
    np.testing.assert_array_equal(Y, (X.argmax(axis=2) + 1) % 7)
    X2, Y2 = vt.sample_batch(ids, 5, 4, np.random.default_rng(0), 7)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)


def test_sample_batch_reaches_the_last_character():
    ids = np.arange(6)
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(50):
        _, Y = vt.sample_batch(ids, 3, 2, rng, 6)
        seen |= set(Y[-1].tolist())
    assert seen == {3, 4, 5}


def test_sample_batch_bad_arguments():
    ids = np.arange(10)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least T \\+ 1 = 11"):
        vt.sample_batch(ids, 10, 2, rng, 10)
    with pytest.raises(TypeError, match="rng"):
        vt.sample_batch(ids, 3, 2, 0, 10)
    with pytest.raises(TypeError, match="T must be an integer"):
        vt.sample_batch(ids, 3.0, 2, rng, 10)
    with pytest.raises(ValueError, match="B must be an integer >= 1"):
        vt.sample_batch(ids, 3, 0, rng, 10)
    with pytest.raises(ValueError, match="ids must hold ids >= 0, below 5"):
        vt.sample_batch(ids, 3, 2, rng, 5)


def test_fixed_windows_cover_the_text():
    ids = np.arange(30)
    X, Y = vt.fixed_windows(ids, 4, 3, 30)
    assert X.shape == (4, 3, 30) and Y.shape == (4, 3)
    np.testing.assert_array_equal(X.argmax(axis=2)[0], [0, 12, 25])
    np.testing.assert_array_equal(Y[-1], [4, 16, 29])  # the last window ends at the last id
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        vt.fixed_windows(ids, 4, 0, 30)
