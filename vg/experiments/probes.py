"""The probes of the real-text sweep (`vg.experiments.real_text`): what a trained character model
predicts at the last step of a window, and whether it uses three kinds of long-range cue in Moby-Dick:
quotation marks, subject-verb agreement across a relative clause, and "France ... French"."""

from __future__ import annotations

import numpy as np

import vg.readout
import vg.text

__all__ = [
    "ATTRACTORS", "FRANCE_FILLERS", "MIDDLES", "QUOTE_BINS", "SUBJECTS",
    "agreement_probe", "france_probe", "last_step_loss", "log2_prob", "quote_probe",
]


def last_step_loss(cell, params, readout, X, Y):
    """Per-window loss (nats) of the prediction at the last step, and the forward cache."""
    H_all, cache = cell.forward(X, params)
    Z, rcache = vg.readout.forward(H_all[-1], readout)
    logp = Z - Z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(Y)), Y], (Z, cache, rcache)



def log2_prob(cell, params, readout, vocab, prefix: str, continuation: str) -> float:
    """log2 P(continuation | prefix) under the model (the state starts from zero at the prefix)."""
    ids = vg.text.encode(prefix + continuation, vocab)
    X = vg.text.one_hot(ids[:-1], len(vocab))[:, None, :]
    H_all, _ = cell.forward(X, params)
    Z, _ = vg.readout.forward(H_all[len(prefix) - 1 :, 0], readout)
    logp = Z - Z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    target = ids[len(prefix):]
    return float(logp[np.arange(len(target)), target].sum()) / np.log(2)


# The probes. Quotation marks: for each closing quote in the validation text whose opening quote is
# d characters back (d < T), the log2-ratio of the probability of the closing quote with the opening
# quote in place and with it replaced by a space, both from the last T characters.
QUOTE_BINS = ((1, 8), (9, 16), (17, 32), (33, 64))

# Agreement: "the <subject><middle> was/were"; the score is log2 P(was) - log2 P(were).
SUBJECTS = (("whale", "whales"), ("ship", "ships"), ("man", "men"), ("boat", "boats"),
            ("sailor", "sailors"))
MIDDLES = ("", " which we saw", " which we had seen long before",
           " which we had seen long before, and never again after that day")
ATTRACTORS = {"whale": "boats", "whales": "boat", "ship": "men", "ships": "man", "man": "ships",
              "men": "ship", "boat": "whales", "boats": "whale", "sailor": "ships", "sailors": "ship"}

# "France ... French": the cue country, then a filler, then "now i speak fluent "; the score is
# log2 P(french) - log2 P(english), compared between the cues "france" and "england".
FRANCE_FILLERS = ("", " in the spring", " in the spring and stayed for a long time")


def quote_probe(cell, params, readout, vocab, valid, T: int) -> dict:
    """Mean gain in log2 P(closing quote) from the opening quote, by its distance d < T (`QUOTE_BINS`)."""
    open_id, close_id, space = (vocab.index(c) for c in ("\u201c", "\u201d", " "))
    positions = np.nonzero(valid == close_id)[0]
    cases = []
    for p in positions:
        opens = np.nonzero(valid[max(0, p - T) : p] == open_id)[0]
        if opens.size == 0 or p < T:
            continue
        d = p - (max(0, p - T) + opens[-1])  # characters from the opening quote to the closing one
        window = valid[p - T : p]
        if np.any(window[T - d + 1 :] == close_id):
            continue  # another quotation closes in between
        cases.append((p, d))
    if not cases:
        return {"bins": [], "n": []}
    V = len(vocab)
    Xs = np.stack([valid[p - T : p] for p, _ in cases], axis=1)  # (T, n)
    Xs_without = Xs.copy()
    for j, (_, d) in enumerate(cases):
        Xs_without[T - d, j] = space
    Y = np.full(len(cases), close_id)
    with_q, _ = last_step_loss(cell, params, readout, vg.text.one_hot(Xs, V), Y)
    without_q, _ = last_step_loss(cell, params, readout, vg.text.one_hot(Xs_without, V), Y)
    gain = (without_q - with_q) / np.log(2)  # bits the opening quote adds to log2 P(closing quote)
    d = np.array([d for _, d in cases])
    bins, counts = [], []
    for lo, hi in QUOTE_BINS:
        sel = (d >= lo) & (d <= hi)
        bins.append(float(gain[sel].mean()) if sel.any() else None)
        counts.append(int(sel.sum()))
    return {"bins": bins, "n": counts}


def agreement_probe(cell, params, readout, vocab) -> dict:
    """For each middle, with and without an attractor: mean over subject pairs of
    [score(singular subject) - score(plural subject)], score = log2 P(was) - log2 P(were)."""
    out = {"plain": [], "attractor": []}
    for middle in MIDDLES:
        for kind in out:
            diffs = []
            for sing, plur in SUBJECTS:
                s = []
                for subj in (sing, plur):
                    m = middle + (f", near the {ATTRACTORS[subj]}," if kind == "attractor" else "")
                    prefix = f"the {subj}{m} "
                    s.append(log2_prob(cell, params, readout, vocab, prefix, "was ")
                             - log2_prob(cell, params, readout, vocab, prefix, "were "))
                diffs.append(s[0] - s[1])
            out[kind].append(float(np.mean(diffs)))
    return out


def france_probe(cell, params, readout, vocab) -> list:
    """For each filler: [score(france) - score(england)], score = log2 P(french) - log2 P(english)."""
    out = []
    for filler in FRANCE_FILLERS:
        s = []
        for country in ("france", "england"):
            prefix = f"i went to {country}{filler}. now i speak fluent "
            s.append(log2_prob(cell, params, readout, vocab, prefix, "french")
                     - log2_prob(cell, params, readout, vocab, prefix, "english"))
        out.append(s[0] - s[1])
    return out
