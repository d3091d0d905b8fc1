# %% [markdown]
# # Head-to-head on the adding problem
#
# Five recurrent models learn the adding problem at several sequence lengths T: a tanh RNN with
# Gaussian recurrent weights, a tanh RNN with orthogonal recurrent weights, an IRNN (ReLU units
# with identity initialisation, Le, Jaitly & Hinton 2015), an LSTM and a GRU. Each model gets its own
# learning rate, tuned at the budget on which it is judged, and then trains on fresh seeds. We count
# how many runs solve the task, how many training steps that takes and how much CPU time, and we
# split the gap between the vanilla and the gated cells into the part that is there at the shortest
# length and the part that grows with T. Last, we look inside a trained LSTM, and at what a model
# stuck halfway has learned.
#
# The full sweep takes too long to run at every build, so it runs as a module of its own,
# `vg.experiments.head_to_head`, which writes its results file (shipped with `vg`) stamped with
# a hash of the code that produced it. This notebook refuses a file whose stamp does not match the
# current code, re-runs a random sample of its runs to check them, and draws every table and figure
# from it. The page "Head-to-head on the adding problem" explains the set-up and the method.

# %%
import time

import numpy as np
from IPython.display import Markdown, display

import vg
from vg.experiments import head_to_head as sweep

notebook_start = time.perf_counter()

# %% [markdown]
# ## The task
#
# Each input step is a pair (value, marker). Values are uniform on [0, 1]; the marker is 1 at exactly
# two steps, one in each half of the sequence, and 0 elsewhere. The target, due at the last step, is
# the sum of the two marked values. A model that ignores its input can do no better than always
# answering 1, the mean of the target, and its mean squared error is Var(U₁ + U₂) = 1/6; a model
# that uses one of the two values and not the other is left with the variance of the other, 1/12.
# A run is *solved* once its MSE on the fixed test sequences falls below the threshold printed below.

# %%
X, Y = vg.tasks.adding_problem(8, 1, np.random.default_rng(0))
print("values :", np.round(X[:, 0, 0], 2))
print("markers:", X[:, 0, 1])
print("target :", np.round(Y[0, 0], 2))
X_big, Y_big = vg.tasks.adding_problem(50, 100_000, np.random.default_rng(1))
print(f"MSE of always answering 1: {np.mean((Y_big - 1.0) ** 2):.4f} (exact: 1/6 = {1 / 6:.4f})")
print(f"solved: test MSE below {sweep.SOLVED}, {sweep.SOLVED / (1 / 6):.0%} of the constant "
      f"predictor's error, on {sweep.N_TEST} fixed test sequences")

# %% [markdown]
# ## The sweep and its stamp
#
# The results file holds, for every model and every length, the learning-rate tuning runs and the
# evaluation runs at the chosen rate. Its stamp is a `sha256` hash of the code of the sweep and of the `vg`
# modules it trains with; if any of them changed since the sweep ran, the numbers below would describe
# code that no longer exists, so the notebook stops with an error.

# %%
results = sweep.load()  # raises vg.experiments.StaleResultsError if the code changed since the sweep
cfg = results["config"]
cells = {(c["model"], c["T"]): c for c in results["cells"]}
MODELS, LENGTHS = cfg["models"], cfg["lengths"]
VANILLA, GATED = MODELS[:3], MODELS[3:]
print(f"stamp {results['stamp'][:12]} matches the code")
print(f"models: {', '.join(MODELS)}; H = {cfg['H']}, batch {cfg['batch']}, Adam, "
      f"global-norm clipping at {cfg['clip']}")
print(f"lengths T = {', '.join(map(str, LENGTHS))}; budget {cfg['budget']} steps "
      f"({cfg['budget'] * cfg['batch']} sequences) per run; evaluation every {cfg['eval_every']} steps")
print(f"learning rates tried: {', '.join(f'{lr:g}' for lr in cfg['rates'])}, on tuning seeds "
      f"{cfg['tune_seeds']}; then {len(cfg['eval_seeds'])} fresh seeds at the chosen rate")
m = results["machine"]
print(f"the sweep ran on {m['processor']}, Python {m['python']}, NumPy {m['numpy']}: "
      f"{m['cpu_seconds_all_runs']} s of CPU in all")

# %% [markdown]
# ## Re-running a random sample of the sweep
#
# Three evaluation runs, drawn with a generator seeded by the stamp (so the sample changes whenever
# the results do, and is the same at every build of the same results), are trained again here and
# compared with the file. To keep this notebook quick, the draw is among the runs that took under
# four seconds of CPU in the sweep. Training over hundreds or thousands of steps amplifies the last
# bits of floating-point arithmetic, which differ between CPUs, BLAS libraries and NumPy versions
# (a vanilla run can move by a few evaluations from one NumPy version to the
# next); so the check asks for the same verdict (solved or not) and for steps to solve within 100
# steps or a factor of 2 of the file's. That is loose enough for rounding and still catches a
# change in what the code computes.

# %%
pool = [r for c in results["cells"] for r in c["runs"] if r["cpu_train"] + r["cpu_eval"] < 4.0]
pick = np.random.default_rng(int(results["stamp"][:8], 16)).choice(len(pool), 3, replace=False)
rows = ["| model | T | lr | seed | file: solved at | re-run: solved at | agrees |", "|---|---|---|---|---|---|---|"]
for i in sorted(pick):
    stored = pool[i]
    again = sweep.run(stored["model"], stored["T"], stored["lr"], stored["seed"])
    a, b = stored["solved_at"], again["solved_at"]
    ok = (a is None) == (b is None) and (a is None or (abs(a - b) <= 100 or max(a, b) <= 2 * min(a, b)))
    rows.append(f"| {stored['model']} | {stored['T']} | {stored['lr']:g} | {stored['seed']} | {a} | {b} "
                f"| {'yes' if ok else 'NO'} |")
    assert ok, f"re-run of {stored} gave {again}"
display(Markdown("\n".join(rows)))

# %% [markdown]
# ## Tuning: each model's learning rate at the budget where it is judged
#
# For every model and length, each rate trains on the three tuning seeds with the full budget, and
# the rate with the smallest median steps to solve wins (a run that does not solve counts as
# infinitely slow). The rates are tried from the largest down; once one rate has a finite median, the
# runs of the later rates stop as soon as they can no longer beat it, which is why some entries read
# "> n": not solved within n steps. A dash means that seed was skipped because its rate had already
# lost.

# %%
def fmt_steps(s, limit):
    return str(s) if s is not None else f"> {limit}"


rows = ["| model | T | " + " | ".join(f"lr {lr:g}" for lr in cfg["rates"]) + " | chosen |",
        "|---|---|" + "---|" * len(cfg["rates"]) + "---|"]
for name in MODELS:
    for T in LENGTHS:
        c = cells[name, T]
        entries = []
        for lr in cfg["rates"]:
            recs = {r["seed"]: r for r in c["tuning"] if r["lr"] == lr}
            entries.append(", ".join(fmt_steps(recs[s]["solved_at"], recs[s]["budget"]) if s in recs
                                     else "–" for s in cfg["tune_seeds"]))
        rows.append(f"| {name} | {T} | " + " | ".join(entries) + f" | **{c['lr']:g}** |")
display(Markdown("\n".join(rows)))
chosen = {name: [cells[name, T]["lr"] for T in LENGTHS] for name in MODELS}
for name in MODELS:
    print(f"{name:20s} chosen rates at T = {', '.join(map(str, LENGTHS))}: "
          f"{', '.join(f'{lr:g}' for lr in chosen[name])}")

# %% [markdown]
# ## Results: success rates, steps and CPU time
#
# Each cell of the table summarises the evaluation seeds at the chosen rate. The success rate comes
# with a Wilson 95 % interval. "Median steps" and "median CPU s" are the medians over all evaluation
# seeds of the steps and of the CPU seconds of training until the run was solved, with an unsolved run
# counted as infinitely slow; so a median is finite only if more than half the seeds solved. The CPU
# seconds count training only (not the periodic test-set evaluations) and were measured on the machine
# that ran the sweep, one core per run: they are measurements of that machine, not re-checked here.

# %%
def wilson(k, n, z=1.96):
    """Wilson score interval for k successes in n trials."""
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def summary(name, T):
    runs = cells[name, T]["runs"]
    solved = [r for r in runs if r["solved_at"] is not None]
    steps = [r["solved_at"] if r["solved_at"] is not None else np.inf for r in runs]
    cpu = [r["cpu_train"] if r["solved_at"] is not None else np.inf for r in runs]
    return {"k": len(solved), "n": len(runs), "ci": wilson(len(solved), len(runs)),
            "steps": float(np.median(steps)), "cpu": float(np.median(cpu)),
            "lr": cells[name, T]["lr"], "budget": cfg["budget"]}


S = {(name, T): summary(name, T) for name in MODELS for T in LENGTHS}


def fmt_median(x, unit=""):
    return "not solved by most seeds" if not np.isfinite(x) else (f"{x:.0f}" if unit == "" else f"{x:.1f}")


rows = ["| model | T | lr | solved (95 % CI) | median steps | median CPU s |", "|---|---|---|---|---|---|"]
for name in MODELS:
    for T in LENGTHS:
        s = S[name, T]
        rows.append(f"| {name} | {T} | {s['lr']:g} | {s['k']}/{s['n']} ({s['ci'][0]:.2f}–{s['ci'][1]:.2f}) "
                    f"| {fmt_median(s['steps'])} | {fmt_median(s['cpu'], 's')} |")
display(Markdown("\n".join(rows)))

for name in MODELS:
    for T in LENGTHS:
        s = S[name, T]
        if s["k"] < s["n"]:
            left = ["diverged" if r["diverged"] or r["final_mse"] is None else f"{r['final_mse']:.3f}"
                    for r in cells[name, T]["runs"] if r["solved_at"] is None]
            print(f"{name} at T = {T}: {s['k']} of {s['n']} seeds solved within {s['budget']} steps "
                  f"at lr {s['lr']:g}; the unsolved runs ended at test MSE {', '.join(left)}")

# %% [markdown]
# Both gated cells solve every length on every seed, and the vanilla RNNs, at their own tuned rates,
# solve the shortest length on every seed too. The three cells listed under the table fall short in
# two ways. The IRNN at the middle length had a rate that won on the tuning seeds (the largest, which
# solved two of its three) and fails on most fresh seeds, whose runs stay at the level of the
# constant predictor, a test MSE near 1/6: tuning on three seeds is noisy. At the longest length a
# smaller rate won for the IRNN and all fresh seeds but one solve; that one also stays near 1/6. The
# Gaussian tanh RNN at the longest length solves most seeds, but late, with its median close to the
# budget, and both of its unsolved runs got below 1/12, one of them just short of the threshold: it
# runs into the budget rather than failing to learn. The table reports what the procedure chose, not
# the rate that looks best in hindsight.

# %% tags=["hide-input"]
assert all(S[g, T]["k"] == S[g, T]["n"] for g in GATED for T in LENGTHS)
assert all(S[name, LENGTHS[0]]["k"] == S[name, LENGTHS[0]]["n"] for name in MODELS)
failing = [(name, T) for name in MODELS for T in LENGTHS if S[name, T]["k"] < S[name, T]["n"]]
T_mid, T_last = LENGTHS[1], LENGTHS[-1]
assert failing == [(VANILLA[0], T_last), (VANILLA[2], T_mid), (VANILLA[2], T_last)]
unsolved = {c: [r["final_mse"] for r in cells[c]["runs"] if r["solved_at"] is None] for c in failing}
tuned = {c: [r for r in cells[c]["tuning"] if r["lr"] == cells[c]["lr"]] for c in failing}
irnn_mid, irnn_last, tanh_last = (VANILLA[2], T_mid), (VANILLA[2], T_last), (VANILLA[0], T_last)
assert S[irnn_mid]["lr"] == max(cfg["rates"]) and S[irnn_mid]["k"] < S[irnn_mid]["n"] / 2
assert sum(r["solved_at"] is not None for r in tuned[irnn_mid]) == len(tuned[irnn_mid]) - 1 == 2
assert S[irnn_last]["lr"] < max(cfg["rates"]) and S[irnn_last]["n"] - S[irnn_last]["k"] == 1
assert all(m is not None and abs(m - 1 / 6) < 0.02 for c in (irnn_mid, irnn_last) for m in unsolved[c])
assert S[tanh_last]["n"] / 2 < S[tanh_last]["k"] and S[tanh_last]["steps"] > 0.8 * cfg["budget"]
assert max(unsolved[tanh_last]) < 1 / 12 and min(unsolved[tanh_last]) < 1.1 * cfg["solved"]

# %% [markdown]
# ## Steps and CPU seconds against length
#
# Each point is the median over the evaluation seeds, the bar spans the middle half of the seeds
# (25th to 75th percentile, drawn only where it is finite).

# %%
def quartiles(name, T, key):
    """25th, 50th and 75th percentile over the evaluation seeds; unsolved runs count as infinite."""
    vals = [r[key] if r["solved_at"] is not None else 1e12 for r in cells[name, T]["runs"]]
    q = np.percentile(vals, [25, 50, 75])
    return np.where(q < 1e9, q, np.inf)  # a quartile that involves an unsolved run is infinite


fig, axes = vg.plot.subplots(1, 2, figsize=(10, 3.8))
for ax, key, label in ((axes[0], "solved_at", "steps to solve"),
                       (axes[1], "cpu_train", "CPU seconds to solve")):
    for n, name in enumerate(MODELS):
        q = np.array([quartiles(name, T, key) for T in LENGTHS])
        ok = np.isfinite(q[:, 1])
        x = np.array(LENGTHS)[ok]
        hi = np.where(np.isfinite(q[ok, 2]), q[ok, 2], q[ok, 1])
        ax.errorbar(x, q[ok, 1], yerr=[q[ok, 1] - q[ok, 0], hi - q[ok, 1]], label=name,
                    capsize=3, **vg.plot.STYLES[n])
    ax.set(xscale="log", yscale="log", xlabel="sequence length T", ylabel=f"median {label}")
    ax.set_xticks(LENGTHS, [str(T) for T in LENGTHS])
axes[0].legend(fontsize=8)
vg.plot.show(fig, alt="Two log-log panels against the sequence length T: the median number of "
             "training steps to solve (left) and the median CPU seconds of training to solve (right) "
             "for the five models, with bars over the middle half of the seeds; a point is missing "
             "where most seeds did not solve. The three vanilla RNNs lie well above the LSTM and the "
             "GRU in steps at every length; in CPU seconds the curves lie closer together, because a "
             "gated step costs several vanilla steps.")

# %% [markdown]
# ## The gap: the part there at the shortest length, and the part that grows
#
# If vanishing gradients were the whole reason the gated cells win, the gap would be small at short
# lengths, where the far mark is only a few steps from the end, and grow with T. We compare each
# vanilla RNN with the faster of the two gated cells at each T: the ratio of their median steps (and
# of their median CPU seconds) at the shortest length is the part of the gap that does not come from
# length; the factor by which the ratio grows from the shortest to the longest length is the part that
# does. The exponent b of a fit steps ∝ T^b over the lengths says the same per model.

# %%
def best_gated(T, key):
    return min(S[g, T][key] for g in GATED)


def exponent(name, key):
    y = np.array([S[name, T][key] for T in LENGTHS])
    if not np.all(np.isfinite(y)):
        return np.nan
    return float(np.polyfit(np.log(LENGTHS), np.log(y), 1)[0])


T0, T1 = LENGTHS[0], LENGTHS[-1]
rows = ["| model | " + " | ".join(f"steps ratio, T = {T}" for T in LENGTHS) + " | "
        + " | ".join(f"CPU ratio, T = {T}" for T in LENGTHS) + " | exponent b (steps) |",
        "|---|" + "---|" * (2 * len(LENGTHS) + 1)]
for name in MODELS:
    r_steps = [S[name, T]["steps"] / best_gated(T, "steps") for T in LENGTHS]
    r_cpu = [S[name, T]["cpu"] / best_gated(T, "cpu") for T in LENGTHS]
    fmt = lambda x: f"{x:.1f}" if np.isfinite(x) else "–"  # noqa: E731
    rows.append(f"| {name} | " + " | ".join(fmt(x) for x in r_steps) + " | "
                + " | ".join(fmt(x) for x in r_cpu) + f" | {fmt(exponent(name, 'steps'))} |")
display(Markdown("\n".join(rows)))

for name in VANILLA:
    r0 = S[name, T0]["steps"] / best_gated(T0, "steps")
    r1 = S[name, T1]["steps"] / best_gated(T1, "steps")
    if np.isfinite(r1):
        print(f"{name}: {r0:.1f}x the steps of the faster gated cell at T = {T0}, {r1:.1f}x at T = {T1};"
              f" the ratio grows {r1 / r0:.1f}-fold, so {np.log(r0) / np.log(r1):.0%} of the log-gap at "
              f"T = {T1} is already there at T = {T0}")
    else:
        print(f"{name}: {r0:.1f}x the steps of the faster gated cell at T = {T0}; most seeds do not "
              f"solve T = {T1} within the budget")
finite = [(n, T) for n in VANILLA for T in LENGTHS if np.isfinite(S[n, T]["steps"])]
shrink = [(S[n, T]["steps"] / best_gated(T, "steps")) / (S[n, T]["cpu"] / best_gated(T, "cpu"))
          for n, T in finite]
print(f"in CPU seconds each ratio is {min(shrink):.1f} to {max(shrink):.1f} times smaller than in steps")

# %% [markdown]
# At the shortest length, where the marks are only a few steps from the end and nothing has vanished,
# the vanilla RNNs already need several times the steps of the faster gated cell. On a log scale that
# is just under half of the gap at the longest length for the Gaussian tanh RNN, and more than half
# for the orthogonal tanh RNN and the IRNN. That part comes from what gating does (and from the larger
# rate the gated cells train well with), not from vanishing gradients; the part that grows with T,
# at most about half here, is the share vanishing gradients can explain. In CPU seconds every ratio
# is smaller than in steps, by the factor printed last, because a gated step costs more.

# %% tags=["hide-input"]
share = {}
for name in VANILLA:
    r0 = S[name, T0]["steps"] / best_gated(T0, "steps")
    r1 = S[name, T1]["steps"] / best_gated(T1, "steps")
    assert r0 > 5 and np.isfinite(r1) and r1 > r0
    share[name] = np.log(r0) / np.log(r1)
assert 0.45 < share[VANILLA[0]] < 0.5 and all(share[n] > 0.5 for n in VANILLA[1:])
assert 2 < min(shrink) and max(shrink) < 4.5  # the page says "roughly two to four times"

# %% [markdown]
# ## What a model halfway there has learned
#
# Learning curves on this task often pass through the level 1/12 on their way down. The usual
# reading is that such a model has learned to use one of the two values and not yet the other, most
# likely the second one, whose mark is closer to the end, so that its gradient travels fewer steps.
# We test that reading on eight runs of the Gaussian tanh RNN at the longest length and its tuned
# rate, each stopped at its first evaluation with a test MSE below 0.1, by regressing the model's
# predictions on the two marked values U₁ (first half) and U₂ (second half). A model that uses only
# U₂ has coefficients near (0, 1); one that uses both halfway has coefficients near (½, ½), and its
# MSE can be near 1/12 too.

# %%
T_half = LENGTHS[-1]
X_half, Y_half = sweep.test_set(T_half)
marked = X_half[:, :, 1] == 1
U = X_half[:, :, 0].T[marked.T].reshape(-1, 2)  # columns U1, U2
design = np.column_stack([np.ones(len(U)), U])
name = VANILLA[0]
cell, init, fkw = sweep.MODELS[name]
coefs = []
for seed in range(1000, 1008):
    rng = np.random.default_rng(seed)
    params, readout = init(rng), vg.readout.init(sweep.H, 1, rng=rng)
    params, readout, hist = vg.train.fit(
        cell, params, readout, lambda r: vg.tasks.adding_problem(T_half, sweep.BATCH, r),
        optimizer=vg.optim.Adam(lr=cells[name, T_half]["lr"]), steps=cfg["budget"], rng=rng,
        clip=cfg["clip"], forward_kwargs=fkw, eval_data=(X_half, Y_half),
        eval_every=cfg["eval_every"], stop_below=0.1, on_nonfinite="stop")
    if hist.solved_at is None:
        print(f"seed {seed}: never below 0.1")
        continue
    pred = vg.train.predict(cell, params, readout, X_half, forward_kwargs=fkw)[:, 0]
    c = np.linalg.lstsq(design, pred, rcond=None)[0]
    coefs.append(c[1:])
    print(f"seed {seed}: stopped at step {hist.solved_at} (test MSE {hist.eval_loss[-1]:.3f}); "
          f"prediction = {c[0]:.2f} + {c[1]:.2f} U1 + {c[2]:.2f} U2 + residual")
coefs = np.array(coefs)
n_second = int(np.sum(coefs[:, 1] > coefs[:, 0] + 0.3))
n_first = int(np.sum(coefs[:, 0] > coefs[:, 1] + 0.3))
both = len(coefs) - n_second - n_first
print(f"of {len(coefs)} runs: {n_second} weigh U2 (the near value) clearly more than U1 (by more than 0.3), "
      f"{n_first} weigh U1 clearly more, {both} weigh the two about equally")

# %% [markdown]
# No run weighs the far value U₁ clearly more than the near one, as the gradient argument predicts.
# But several, on their way through the level 1/12, weigh the two values about equally: a curve
# passing 1/12 is often not a model that has learned one value and not yet the other. The remaining
# runs, if any, weigh the near value U₂ clearly more. How the runs split between these two groups
# changes a lot with the CPU and BLAS library, since each run is stopped at a noisy moment; what does
# not change is that no run leans clearly towards U₁ and that several weigh both about equally.

# %% tags=["hide-input"]
assert n_first == 0 and both >= 2

# %% [markdown]
# ## Inside a trained LSTM
#
# On the LSTM page, freshly initialised LSTMs lose most of their gradient over long distances unless
# the forget gates start wide open. Here an LSTM is trained again at the longest length with its
# tuned rate (the first evaluation seed, so the run is also a check against the file), and compared
# with its own initialisation: the mean norm of ∂L/∂c_k against the distance T − k, and, per unit,
# the mean of its forget gate over the steps and test sequences it reads.

# %%
def lstm_grad_norms(X, params, H):
    """Mean over the batch of ||dL/dc_k|| for distances 0 .. T (dL/dh_T a unit vector), and the gates."""
    T, B, _ = X.shape
    h, c = np.zeros((B, H)), np.zeros((B, H))
    caches = []
    for t in range(T):
        (h, c), cache = vg.lstm.step(X[t], h, c, params)
        caches.append(cache)
    dh, dc = np.full((B, H), 1 / np.sqrt(H)), np.zeros((B, H))
    norms = [np.zeros(B)]
    for t in reversed(range(T)):
        _, _, (dh, dc) = vg.lstm.step_backward(dh, dc, caches[t])
        norms.append(np.linalg.norm(dc, axis=1))
    return np.mean(norms, axis=1), np.array([cache.f for cache in caches])


lstm_cell = cells["LSTM", T_half]
seed = cfg["eval_seeds"][0]
stored = next(r for r in lstm_cell["runs"] if r["seed"] == seed)
record, trained, _ = sweep.run("LSTM", T_half, lstm_cell["lr"], seed, return_model=True)
assert (record["solved_at"] is None) == (stored["solved_at"] is None)
print(f"LSTM, T = {T_half}, seed {seed}: solved at {record['solved_at']} (file: {stored['solved_at']})")
X_probe, _ = vg.tasks.adding_problem(T_half, 64, np.random.default_rng(3))
init_params = sweep.MODELS["LSTM"][1](np.random.default_rng(seed))
norms_init, f_init = lstm_grad_norms(X_probe, init_params, sweep.H)
norms_trained, f_trained = lstm_grad_norms(X_probe, trained, sweep.H)
far = T_half - 1
for label, norms, f in (("at initialisation", norms_init, f_init),
                        ("after training", norms_trained, f_trained)):
    unit_mean = f.mean(axis=(0, 1))
    print(f"{label:18s}: ||dL/dc_k|| at distance {far}: {norms[far]:.1e}; units whose mean forget "
          f"gate is above 0.95: {np.sum(unit_mean > 0.95)} of {unit_mean.size}; "
          f"above 0.9: {np.sum(unit_mean > 0.9)}")
n_open = int(np.sum(f_trained.mean(axis=(0, 1)) > 0.95))
assert norms_trained[far] > 10 * norms_init[far] and 1 <= n_open <= sweep.H // 4

fig, (ax1, ax2) = vg.plot.subplots(1, 2, figsize=(10, 3.6))
d = np.arange(1, T_half + 1)
ax1.semilogy(d, norms_init[1:], label="at initialisation", **vg.plot.STYLES[0])
ax1.semilogy(d, norms_trained[1:], label="after training (solved)", **vg.plot.STYLES[1])
ax1.set(xlabel="distance T − k", ylabel="mean ||∂L/∂c_k||", title="gradient along the cell")
ax1.legend()
order = np.argsort(f_trained.mean(axis=(0, 1)))
ax2.plot(f_init.mean(axis=(0, 1))[order], "o", label="at initialisation", color=vg.plot.COLORS[0])
ax2.plot(f_trained.mean(axis=(0, 1))[order], "s", label="after training", color=vg.plot.COLORS[1])
ax2.axhline(0.95, color="grey", linewidth=1, linestyle=":")
ax2.set(xlabel="unit (sorted by its trained mean)", ylabel="mean forget gate",
        title="forget gate of each unit while reading", ylim=(0, 1.02))
ax2.legend()
vg.plot.show(fig, alt="Left: mean norm of dL/dc_k against distance for the LSTM at initialisation "
             "and after it solved the task; right: each unit's mean forget gate while reading test "
             "sequences, before and after training, sorted by the trained value, with a dotted line "
             "at 0.95.")

# %% [markdown]
# Training made the gradient that reaches the start of the sequence along the cell state far larger
# than at initialisation, and it did so with only a small minority of units whose forget gate stays
# near 1 on average: the trained LSTM keeps its memory in a few units, not in the whole cell.

# %%
print(f"whole notebook: {time.perf_counter() - notebook_start:.0f} s")
