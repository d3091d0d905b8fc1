# %% [markdown]
# # Long-range dependencies: the latch and agreement across attractors
#
# This notebook runs the two experiments of the page
# [Why it matters: long-term dependencies](../problem/long-term-dependencies.md) in full, over more
# distances than the page can afford, with 16 training runs (random seeds) per setting.
#
# 1. **The latch** (in the spirit of Bengio, Simard & Frasconi 1994): the first step shows one of two
#    symbols, the next T − 1 steps carry only Gaussian noise, and a vanilla tanh RNN must output the
#    symbol at the end. We count how many of the 16 runs solve the task, for T from 5 to 60, and ask
#    whether the learning signal at initialisation predicts which runs succeed.
# 2. **Agreement across attractors** (in the spirit of the number-prediction task of Linzen, Dupoux &
#    Goldberg 2016, who used LSTMs): toy sentences whose first token is a singular or plural subject;
#    the network must output the subject's number at the end. Training sentences contain 0–2 other
#    nouns, which agree with the subject with probability `p_agree`; test sentences contain 0, 1, 2 or
#    4 *attractors*, nouns of the other number. We measure accuracy against the distance and the number
#    of attractors for natural-looking training data (`p_agree = 0.9`, where "agree with the last noun"
#    is a good rule) and for a control (`p_agree = 0.5`, where the nouns between subject and verb say
#    nothing about the verb).
#
# Every number here comes from training runs made when this notebook is executed (at every build of
# the site); nothing is pasted in. Both experiments use `vg.train.fit` with Adam, through a small
# wrapper that rounds every parameter to a multiple of 2⁻²⁰ after each update. The rounding is far
# finer than an Adam step, so it does not change how the networks learn as a population (like any tiny
# difference, it can tip a single run that is on the edge, as section 1 shows); it removes the last-bit
# differences between processors (BLAS kernels) that a long training run would otherwise amplify, so
# that every computer trains exactly the same runs and prints the same table.

# %%
import time

import numpy as np

import vg

start = time.process_time()
SEEDS = range(16)


class GridAdam:
    """Adam, with every parameter rounded to a multiple of `grid` after each update."""

    def __init__(self, lr, grid=2.0**-20):
        self.adam, self.grid = vg.optim.Adam(lr=lr), grid

    def init(self, params):
        return self.adam.init(params)

    def update(self, params, grads, state):
        new, state = self.adam.update(params, grads, state)
        return {k: np.round(v / self.grid) * self.grid for k, v in new.items()}, state


def wilson(k, n, z=1.96):
    """95 % Wilson interval for a rate of k in n."""
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


# %% [markdown]
# ## 1. The latch
#
# A 16-unit tanh RNN with the default initialisation of `vg.rnn.init`, 200 Adam steps (learning rate
# 0.01) on batches of 32 sequences, noise standard deviation 0.5. The seed fixes both the initial
# weights and the order of the training batches. A run counts as solved when it classifies at least
# 90 % of 500 fresh test sequences correctly (chance is 50 %), as being at chance below 60 %, and as
# partial in between. With each run we record its learning signal at initialisation,
# |∂L/∂h₁| / |∂L/∂h_T| averaged over the test sequences.

# %%
LATCH_LENGTHS = [5, 10, 20, 30, 40, 60]


def latch_run(T, seed, steps=200, H=16, noise=0.5, grid=2.0**-20):
    """Train a tanh RNN on the latch task; return (test accuracy, learning signal at init)."""
    rng = np.random.default_rng(seed)
    params = vg.rnn.init(2, H, rng=rng)
    readout = vg.readout.init(H, 2, rng=rng)
    X_test, y_test = vg.tasks.latch(T, 500, np.random.default_rng(1000 + seed), noise=noise)
    H_all, cache = vg.rnn.forward(X_test, params)
    Z, rcache = vg.readout.forward(H_all[-1], readout)
    _, dh_T = vg.readout.backward(vg.losses.softmax_cross_entropy(Z, y_test)[1], rcache)
    norms = np.linalg.norm(vg.analysis.hidden_gradients(cache, dh_T), axis=2)

    def task(r):
        return vg.tasks.latch(T, 32, r, noise=noise)

    fit = vg.train.fit(vg.rnn, params, readout, task, optimizer=GridAdam(lr=0.01, grid=grid),
                       steps=steps, rng=rng, loss="xent")
    acc = vg.train.evaluate(vg.rnn, fit.params, fit.readout, X_test, y_test, loss="xent").accuracy
    return acc, float(np.mean(norms[1] / norms[T]))


runs = np.array([[latch_run(T, seed) for seed in SEEDS] for T in LATCH_LENGTHS])   # (L, 16, 2)
latch, signal = runs[..., 0], runs[..., 1]
solved = latch >= 0.9
partial = (latch >= 0.6) & ~solved
print("  T  solved  95 % interval  partial  mean signal  each run: + solved, . chance, ~ partial")
for T, acc, ok, part, sig in zip(LATCH_LENGTHS, latch, solved, partial, signal):
    lo, hi = wilson(ok.sum(), len(ok))
    marks = "".join("+" if a >= 0.9 else "." if a < 0.6 else "~" for a in acc)
    print(f"{T:3d}  {ok.sum():2d}/{len(ok)}   {lo:.2f} to {hi:.2f}   {part.sum():5d}     "
          f"{sig.mean():.1e}      {marks}")

# %% tags=["hide-input"]
# The claims of the text below, checked on every execution.
rates = solved.mean(axis=1)
assert rates[0] == 1 and rates[1] == 1                     # every run solves T = 5 and T = 10
assert all(rates[i + 1] <= rates[i] for i in range(4))     # the rate falls from 5 to 40 steps
assert rates[LATCH_LENGTHS.index(40)] <= 0.25 and rates[-1] <= 0.25
assert partial[:3].sum() == 0 and partial[-1].sum() >= 2   # partial runs only at the long lengths
assert np.all(np.diff(signal.mean(axis=1)) < 0)            # the signal falls with every length
print("checked")

# %% [markdown]
# Most runs either learn to latch (accuracy close to 1) or stay at chance; partial successes appear
# only at the longest distances. What changes with the distance is how often the first happens: every
# run at 5 and 10 steps, fewer and fewer beyond (from 40 to 60 steps the rate hardly changes, given
# the width of the intervals). The learning signal at initialisation, the gradient
# that reaches the symbol relative to the gradient at the end, falls geometrically with T.

# %%
fig, (ax1, ax2) = vg.plot.subplots(1, 2, figsize=(9.0, 3.4))
lo_hi = np.array([wilson(ok.sum(), len(ok)) for ok in solved])
ax1.errorbar(LATCH_LENGTHS, rates, yerr=[rates - lo_hi[:, 0], lo_hi[:, 1] - rates], capsize=3,
             **vg.plot.STYLES[0], label="fraction solved (95 % interval)")
for i, T in enumerate(LATCH_LENGTHS):
    ax1.plot(np.full(len(SEEDS), T + 1.2), latch[i], "o", color="0.45", markersize=3, alpha=0.6,
             label="accuracy of each run" if i == 0 else None)
ax1.axhline(0.5, color="0.5", linewidth=0.8, linestyle=":")
ax1.set(xlabel="sequence length T", ylabel="fraction of 16 runs / accuracy", ylim=(0, 1.05),
        title="Latch: success against distance")
ax1.legend(fontsize=8)
ax2.semilogy(LATCH_LENGTHS, signal.mean(axis=1), **vg.plot.STYLES[2])
ax2.set(xlabel="sequence length T", ylabel="|∂L/∂h_1| / |∂L/∂h_T|",
        title="Learning signal at initialisation")
vg.plot.show(fig, alt="Left: the fraction of 16 training runs that solve the latch task, with 95 % "
             "Wilson intervals, against the sequence length T from 5 to 60, and the test accuracy of "
             "every run as grey dots: the fraction is 1 at T = 5 and 10 and falls at longer lengths; "
             "the dots sit either near 1 or near chance (0.5), with a few partial successes at the "
             "longest lengths. Right: the mean ratio of the gradient norm at the first state to that "
             "at the last, at initialisation, on a log scale, falling geometrically with T.")

# %% [markdown]
# ### Does the initial signal predict which run succeeds?
#
# If the runs that succeed were those that start with the strongest learning signal, the solved runs
# would have the larger initial ratios. For each length where some runs succeed and some do not, we
# compare every solved run with every other run and count how often the solved one started with the
# larger signal: 1 would mean that the initial signal sorts the runs perfectly, 0.5 that it says
# nothing.

# %%
print("  T  solved: signal at init     others: signal at init    P(solved run has the larger signal)")
concordance = {}
for T, ok, sig in zip(LATCH_LENGTHS, solved, signal):
    if 0 < ok.sum() < len(ok):
        concordance[T] = np.mean([a > b for a in sig[ok] for b in sig[~ok]])
        print(f"{T:3d}  {sig[ok].min():.1e} to {sig[ok].max():.1e}     {sig[~ok].min():.1e} to "
              f"{sig[~ok].max():.1e}     {concordance[T]:.2f}")

# %% tags=["hide-input"]
for ok, sig in zip(solved, signal):
    if 0 < ok.sum() < len(ok):   # the ranges overlap at every such length
        assert sig[ok].max() > sig[~ok].min() and sig[~ok].max() > sig[ok].min()
assert all(0.25 < c < 0.85 for c in concordance.values())
print("checked")

# %% [markdown]
# At every length the solved and the failed runs started from overlapping ranges of learning signal,
# and the solved run has the larger initial signal in a fraction of the pairs that is never close to
# 1. With 16 runs this is a weak test, but it gives no support to the story that the successful runs
# were simply the ones that started with a stronger signal. The seed also fixes the order of the
# training batches, and a run near the edge can be tipped either way by very small differences along
# the way. To see this, we retrain the 30-step runs with the rounding grid moved from 2⁻²⁰ to 2⁻²⁴,
# which changes nothing but the last stored digits of the parameters:

# %%
T = 30
fine = np.array([latch_run(T, seed, grid=2.0**-24)[0] for seed in SEEDS]) >= 0.9
coarse = solved[LATCH_LENGTHS.index(T)]
print(f"T = {T}: solved with grid 2^-20: {coarse.sum()}/16, with grid 2^-24: {fine.sum()}/16; "
      f"runs whose verdict changed: {np.sum(fine != coarse)}")

# %% tags=["hide-input"]
assert 1 <= np.sum(fine != coarse) <= 3
print("checked")

# %% [markdown]
# Most verdicts stay, but not all (the count is printed above): which of the runs near the edge
# succeed is not a fixed property of the seed. What is reproducible is the population's rate, and how it falls with the
# distance.
#
# ## 2. Agreement across attractors
#
# An 8-unit tanh RNN, 120 Adam steps (learning rate 0.01) on batches of 32 training sentences.
# `vg.tasks.agreement` makes sentences whose other nouns all disagree with the subject (attractors);
# `natural_sentences` turns each of them into an agreeing noun with probability `p_agree` ("dogs" →
# "dog"). The test sets come straight from `vg.tasks.agreement` with 0, 1, 2 or 4 attractors, 500
# sentences each. A run counts as having learned to carry the subject if it gets at least 90 % of the
# sentences without attractors right.

# %%
AGREE_LENGTHS = [5, 10, 20, 30, 40]
ATTRACTORS = (0, 1, 2, 4)
P_AGREE = (0.9, 0.5)


def natural_sentences(T, B, rng, p_agree=0.9):
    """Subject at token 1, then 0-2 other nouns that agree with it with probability p_agree."""
    X, y = vg.tasks.agreement(T, B, rng, n_attractors=int(rng.integers(0, 3)))
    tokens = X.argmax(axis=2)                            # (T, B); 0-3 singular nouns, 4-7 plural
    agree = (tokens < 8) & (rng.random(tokens.shape) < p_agree)
    agree[0] = False                                     # the subject keeps its number
    tokens = np.where(agree, (tokens + 4) % 8, tokens)   # "dogs" <-> "dog": now it agrees
    return np.eye(16)[tokens], y


def agreement_accuracy(T, seed, p_agree, attractors=ATTRACTORS, steps=120, H=8):
    """Train on natural sentences of length T; accuracy on 500 test sentences per attractor count."""
    rng = np.random.default_rng(seed)
    params = vg.rnn.init(16, H, rng=rng)
    readout = vg.readout.init(H, 2, rng=rng)
    fit = vg.train.fit(vg.rnn, params, readout, lambda r: natural_sentences(T, 32, r, p_agree),
                       optimizer=GridAdam(lr=0.01), steps=steps, rng=rng, loss="xent")
    accs = []
    for k in attractors:
        X, y = vg.tasks.agreement(T, 500, np.random.default_rng(1000 + seed), n_attractors=k)
        accs.append(vg.train.evaluate(vg.rnn, fit.params, fit.readout, X, y, loss="xent").accuracy)
    return accs


# agree[p][i, s, j]: p_agree p, length AGREE_LENGTHS[i], seed s, ATTRACTORS[j] attractors
agree = {p: np.array([[agreement_accuracy(T, seed, p) for seed in SEEDS] for T in AGREE_LENGTHS])
         for p in P_AGREE}
for p in P_AGREE:
    print(f"p_agree = {p}: mean accuracy over 16 runs")
    print("length  " + "  ".join(f"{k} attractor{'s' if k != 1 else ' '}" for k in ATTRACTORS)
          + "  worst run, 4  learned (95 % interval)")
    for T, acc in zip(AGREE_LENGTHS, agree[p]):
        k = int(np.sum(acc[:, 0] >= 0.9))
        lo, hi = wilson(k, len(acc))
        print(f"{T:6d}  " + "  ".join(f"{a:12.3f}" for a in acc.mean(axis=0))
              + f"  {acc[:, 3].min():11.2f}  {k:4d}/16 ({lo:.2f} to {hi:.2f})")
    print()

# %% tags=["hide-input"]
natural, control = agree[0.9].mean(axis=1), agree[0.5].mean(axis=1)   # (lengths, attractors)
long = [AGREE_LENGTHS.index(T) for T in (20, 30, 40)]
# natural data: at 20 tokens and beyond, every further attractor lowers the mean accuracy
assert np.all(np.diff(natural[long], axis=1) < 0)
# control: at 20 tokens and beyond, the attractor columns agree within 0.02
assert np.all(np.ptp(control[long], axis=1) < 0.02)
# both: without attractors, accuracy at 40 tokens is far below that at 10
for acc in (natural, control):
    assert acc[AGREE_LENGTHS.index(10), 0] - acc[AGREE_LENGTHS.index(40), 0] > 0.3
# natural data: some run far below chance with 4 attractors; control: none at 20 tokens and beyond
assert agree[0.9][AGREE_LENGTHS.index(30), :, 3].min() < 0.35
assert agree[0.5][long, :, 3].min() > 0.4
# at 10 tokens four attractors cost about as much under both distributions (the text quotes both means)
ten = AGREE_LENGTHS.index(10)
assert abs(natural[ten, 3] - control[ten, 3]) < 0.02 and min(natural[ten, 3], control[ten, 3]) < natural[ten, 0]
print("checked")

# %%
fig, axes = vg.plot.subplots(1, 2, figsize=(9.0, 3.4), sharey=True)
for ax, p in zip(axes, P_AGREE):
    for j, k in enumerate(ATTRACTORS):
        ax.plot(AGREE_LENGTHS, agree[p][:, :, j].mean(axis=1), **vg.plot.STYLES[j],
                label=f"{k} attractor{'s' if k != 1 else ''}")
    ax.axhline(0.5, color="0.5", linewidth=0.8, linestyle=":")
    ax.set(xlabel="sentence length T (subject at token 1)", ylim=(0.4, 1.02),
           title=f"training data: p_agree = {p}")
axes[0].set(ylabel="accuracy (mean of 16 runs)")
axes[0].legend(fontsize=8)
vg.plot.show(fig, alt="Mean accuracy of 16 vanilla RNNs on the agreement task against the sentence "
             "length from 5 to 40, one line per number of test attractors (0, 1, 2, 4), in two panels. "
             "Left, trained with p_agree = 0.9: all lines fall with the length, and at 20 tokens and "
             "beyond more attractors mean lower accuracy. Right, trained with p_agree = 0.5: the lines "
             "fall with the length too, but at 20 tokens and beyond they lie on top of each other.")

# %% [markdown]
# Two effects, and the control tells them apart. **Along the length axis** accuracy falls, even with
# no attractors, for both training distributions: the subject's number has to be carried, and learned,
# across T − 1 steps, and fewer runs manage it as T grows. That is what a vanishing long-range gradient
# predicts, whatever the data. **Along the attractor axis**, at 20 tokens and beyond, accuracy falls
# only when the training data reward recency (`p_agree = 0.9`): the runs that did not learn to carry
# the subject rely on the nouns close to the verb, which in those training sentences mostly agree with
# the subject and in the test sentences never do, so with four attractors some of them score far
# *below* chance. When the nearby nouns carry no information (`p_agree = 0.5`), the attractor lines
# coincide at 20 tokens and beyond, and the failed runs sit at chance instead. (At 10 tokens, where
# every run carries the subject, four attractors cost a little accuracy under both distributions,
# 0.960 and 0.967: that small drop does not come from the recency cue.) The attractor effect is thus a
# property of the training data as much as of the gradient, and the experiment as a whole is
# consistent with the vanishing-gradient explanation without proving it. Per run, at length 30:

# %%
T_index = AGREE_LENGTHS.index(30)
for p in P_AGREE:
    print(f"p_agree = {p}, length 30, accuracy with 0 / 1 / 2 / 4 attractors:")
    for s, acc in zip(SEEDS, agree[p][T_index]):
        print(f"  seed {s:2d}: " + "  ".join(f"{a:.2f}" for a in acc))
print(f"\nnotebook executed in {time.process_time() - start:.0f} s of CPU time")
