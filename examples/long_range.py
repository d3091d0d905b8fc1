# %% [markdown]
# # Long-range dependencies: the latch and agreement across attractors
#
# This notebook runs the two experiments of the page
# [Why it matters: long-term dependencies](../problem/long-term-dependencies.md) in full, over more
# distances and more random seeds than the page can afford.
#
# 1. **The latch** (in the spirit of Bengio, Simard & Frasconi 1994): the first step shows one of two
#    symbols, the next T − 1 steps carry only Gaussian noise, and a vanilla tanh RNN must output the
#    symbol at the end. We count how many of 8 training runs (different random initialisations) solve
#    the task, for T from 5 to 60.
# 2. **Agreement across attractors** (in the spirit of Linzen, Dupoux & Goldberg 2016): toy sentences
#    whose first token is a singular or plural subject; the network must output the subject's number at
#    the end. Training sentences contain 0–2 other nouns that agree with the subject 90 % of the time;
#    test sentences contain 0, 1, 2 or 4 *attractors*, nouns of the other number. We measure accuracy
#    against the distance and the number of attractors, averaged over 8 seeds.
#
# Every number here comes from training runs made when this notebook is executed (at every build of
# the site); nothing is pasted in. Both experiments use `vg.train.fit` with Adam.

# %%
import time

import numpy as np

import vg

start = time.perf_counter()
SEEDS = range(8)

# %% [markdown]
# ## 1. The latch
#
# A 16-unit tanh RNN with the default initialisation of `vg.rnn.init`, 200 Adam steps (learning rate
# 0.01) on batches of 32 sequences, noise standard deviation 0.5. A run counts as solved when it
# classifies at least 90 % of 500 fresh test sequences correctly (chance is 50 %).

# %%
LATCH_LENGTHS = [5, 10, 20, 30, 40, 60]


def latch_accuracy(T, seed, steps=200, H=16, noise=0.5):
    """Train a tanh RNN on the latch task; return its accuracy on 500 fresh sequences."""
    rng = np.random.default_rng(seed)
    params = vg.rnn.init(2, H, rng=rng)
    readout = vg.readout.init(H, 2, rng=rng)
    test = vg.tasks.latch(T, 500, np.random.default_rng(1000 + seed), noise=noise)

    def task(r):
        return vg.tasks.latch(T, 32, r, noise=noise)

    fit = vg.train.fit(vg.rnn, params, readout, task, optimizer=vg.optim.Adam(lr=0.01),
                       steps=steps, rng=rng, loss="xent")
    return vg.train.evaluate(vg.rnn, fit.params, fit.readout, *test, loss="xent").accuracy


latch = np.array([[latch_accuracy(T, seed) for seed in SEEDS] for T in LATCH_LENGTHS])
print("   T  solved  accuracy per seed")
for T, acc in zip(LATCH_LENGTHS, latch):
    print(f"{T:4d}  {np.sum(acc >= 0.9)}/{len(acc)}    " + " ".join(f"{a:.2f}" for a in acc))

# %% [markdown]
# The failures are mostly not near misses: a run either learns to latch (accuracy close to 1) or stays
# at chance (about 0.5), with a few partial successes at the longest distance. What changes with the
# distance is how often the first happens. The gradient that would
# teach the network to use the symbol has to travel back T − 1 steps, and at initialisation it is
# smaller than the gradient from the last step by a factor that falls geometrically with T (measured
# below for the same initialisations).

# %%
def learning_signal(T, seed, H=16, noise=0.5):
    """|dL/dh_1| / |dL/dh_T| at initialisation, averaged over a batch of 32 sequences."""
    rng = np.random.default_rng(seed)
    params = vg.rnn.init(2, H, rng=rng)
    readout = vg.readout.init(H, 2, rng=rng)
    X, y = vg.tasks.latch(T, 32, rng, noise=noise)
    H_all, cache = vg.rnn.forward(X, params)
    Z, rcache = vg.readout.forward(H_all[-1], readout)
    _, dZ = vg.losses.softmax_cross_entropy(Z, y)
    _, dh_T = vg.readout.backward(dZ, rcache)
    norms = np.linalg.norm(vg.analysis.hidden_gradients(cache, dh_T), axis=2)
    return float(np.mean(norms[1] / norms[T]))


signal = np.array([[learning_signal(T, seed) for seed in SEEDS] for T in LATCH_LENGTHS])

fig, (ax1, ax2) = vg.plot.subplots(1, 2, figsize=(9.0, 3.4))
ax1.plot(LATCH_LENGTHS, (latch >= 0.9).mean(axis=1), **vg.plot.STYLES[0], label="solved (≥ 0.9)")
ax1.plot(LATCH_LENGTHS, latch.mean(axis=1), **vg.plot.STYLES[1], label="mean accuracy")
ax1.axhline(0.5, color="0.5", linewidth=0.8, linestyle=":")
ax1.set(xlabel="sequence length T", ylabel="fraction of 8 runs / accuracy", ylim=(0, 1.05),
        title="Latch: success against distance")
ax1.legend(fontsize=8)
ax2.semilogy(LATCH_LENGTHS, signal.mean(axis=1), **vg.plot.STYLES[2])
ax2.set(xlabel="sequence length T", ylabel="|∂L/∂h_1| / |∂L/∂h_T|",
        title="Learning signal at initialisation")
vg.plot.show(fig, alt="Left: fraction of 8 training runs that solve the latch task, and their mean "
             "accuracy, against the sequence length T from 5 to 60; both fall from 1 at short lengths "
             "towards chance. Right: the ratio of the gradient norm at the first state to that at the "
             "last, at initialisation, on a log scale, falling geometrically with T.")

# %% [markdown]
# ## 2. Agreement across attractors
#
# An 8-unit tanh RNN, 120 Adam steps (learning rate 0.01) on batches of 32 training sentences. The
# training distribution mimics natural text: 0, 1 or 2 other nouns between subject and verb, each of
# which agrees with the subject with probability 0.9. `vg.tasks.agreement` makes sentences whose other
# nouns all disagree (attractors); `natural_sentences` turns each of them into an agreeing noun with
# probability 0.9 ("dogs" → "dog"). The test sets come straight from `vg.tasks.agreement` with 0, 1, 2
# or 4 attractors, 500 sentences each.

# %%
AGREE_LENGTHS = [5, 10, 20, 30, 40]
ATTRACTORS = (0, 1, 2, 4)


def natural_sentences(T, B, rng, p_agree=0.9):
    """Subject at token 1, then 0-2 other nouns that agree with it with probability p_agree."""
    X, y = vg.tasks.agreement(T, B, rng, n_attractors=int(rng.integers(0, 3)))
    tokens = X.argmax(axis=2)                            # (T, B); 0-3 singular nouns, 4-7 plural
    agree = (tokens < 8) & (rng.random(tokens.shape) < p_agree)
    agree[0] = False                                     # the subject keeps its number
    tokens = np.where(agree, (tokens + 4) % 8, tokens)   # "dogs" <-> "dog": now it agrees
    return np.eye(16)[tokens], y


def agreement_accuracy(T, seed, attractors=ATTRACTORS, steps=120, H=8):
    """Train on natural sentences of length T; accuracy on 500 test sentences per attractor count."""
    rng = np.random.default_rng(seed)
    params = vg.rnn.init(16, H, rng=rng)
    readout = vg.readout.init(H, 2, rng=rng)
    fit = vg.train.fit(vg.rnn, params, readout, lambda r: natural_sentences(T, 32, r),
                       optimizer=vg.optim.Adam(lr=0.01), steps=steps, rng=rng, loss="xent")
    accs = []
    for k in attractors:
        X, y = vg.tasks.agreement(T, 500, np.random.default_rng(1000 + seed), n_attractors=k)
        accs.append(vg.train.evaluate(vg.rnn, fit.params, fit.readout, X, y, loss="xent").accuracy)
    return accs


agree = np.array([[agreement_accuracy(T, seed) for seed in SEEDS] for T in AGREE_LENGTHS])
# agree[i, s, j]: length AGREE_LENGTHS[i], seed s, ATTRACTORS[j] attractors
print("length  " + "  ".join(f"{k} attractor{'s' if k != 1 else ' '}" for k in ATTRACTORS)
      + "   (mean over 8 seeds)")
for T, acc in zip(AGREE_LENGTHS, agree.mean(axis=1)):
    print(f"{T:6d}  " + "  ".join(f"{a:12.3f}" for a in acc))

# %%
fig, ax = vg.plot.subplots()
for j, k in enumerate(ATTRACTORS):
    ax.plot(AGREE_LENGTHS, agree[:, :, j].mean(axis=1), **vg.plot.STYLES[j],
            label=f"{k} attractor{'s' if k != 1 else ''}")
ax.axhline(0.5, color="0.5", linewidth=0.8, linestyle=":")
ax.set(xlabel="sentence length T (subject at token 1, verb after token T)",
       ylabel="accuracy (mean of 8 runs)", ylim=(0.4, 1.02),
       title="Agreement: accuracy against distance and attractors")
ax.legend(fontsize=8)
vg.plot.show(fig, alt="Mean accuracy of 8 vanilla RNNs on the agreement task against the sentence "
             "length, one line per number of attractors (0, 1, 2, 4): all lines start near 1 at length "
             "5 and fall with the length, and at every length beyond 5 more attractors mean lower "
             "accuracy.")

# %% [markdown]
# Two effects, both predicted by vanishing gradients. Along the length axis, accuracy falls even with
# no attractors: the subject's number has to be carried, and learned, across T − 1 steps. Along the
# attractor axis, accuracy falls at every length where learning is incomplete: the runs that did not
# learn to carry the subject rely on the nouns close to the verb, which in the training sentences agree
# 90 % of the time and in the test sentences never do. Such runs score *below* chance with four
# attractors:

# %%
T_index = AGREE_LENGTHS.index(30)
for s, acc in zip(SEEDS, agree[T_index]):
    print(f"seed {s}, length 30: " + "  ".join(f"{k} att. {a:.2f}" for k, a in zip(ATTRACTORS, acc)))
print(f"\nnotebook executed in {time.perf_counter() - start:.0f} s")
