# %% [markdown]
# # The cliff: a one-unit RNN whose loss surface has a wall
#
# This notebook reproduces and extends the cliff of Pascanu, Mikolov & Bengio (2013, section 2.3 and
# Fig. 6), shown on the page [Exploding gradients](../problem/exploding.md). The network has one unit
# and no input,
#
#     x_t = w σ(x_{t−1}) + b,    x_0 = 0.5,    t = 1, …, 50,
#
# and is trained to end at σ(x_50) = 0.7, with loss L(w, b) = (σ(x_50) − 0.7)². Here x_t is the unit's
# state: we keep the paper's notation for this one model, which has no input (everywhere else on the
# site x_t is an input and h_t the state). `vg.cliff` computes the loss on a grid (`surface`), the loss
# and its gradient by backpropagation through time (`loss_and_grad`), and gradient descent paths
# (`descend`). The explanation of the wall through basins of attraction is section 2.2 of the paper.
#
# Contents: the whole surface and where its wall lies; why the wall is there (the orbits on either side
# of it); how steep it is; and gradient descent started from several points.

# %%
import time

import matplotlib.colors as mcolors
import numpy as np

import vg

start = time.perf_counter()


def sigmoid(x):
    return vg.activations.sigmoid(np.asarray(x, dtype=float).reshape(-1))


print(f"x_0 = {vg.cliff.X0}, T = {vg.cliff.T_DEFAULT}, target σ(x_T) = {vg.cliff.TARGET}")


# %% [markdown]
# ## 1. The surface
#
# The map f(x) = w σ(x) + b has slope w σ′(x), whose size is at most |w|/4. For |w| < 4 it is a
# contraction: one fixed point, every orbit converges to it, and the loss varies smoothly. (For w ≤ −4
# there is still only one fixed point, but an orbit can jump back and forth around it forever: at
# w = −8, b = 4 it settles on a cycle of period 2. The surface below starts at w = −2.) For w > 4 there
# is a range of b in which f has three fixed points, two stable ones (low, σ ≈ 0, and high, σ ≈ 1) and
# an unstable one between them. That range is bounded by the two curves on which a stable fixed point
# merges with the unstable one (f(x) = x and f′(x) = 1, i.e. w = 1/σ′(x), b = x − w σ(x)); together
# they form a cusp, printed below.
#
# The stable fixed points are attractors, and the unstable one is the boundary between their basins
# of attraction: which stable point x_50 ends near depends on the side of it on which x_0 = 0.5 lies.
# That flips on the curve where 0.5 *is* the unstable fixed point, b = 0.5 − w σ(0.5) (for
# w σ′(0.5) > 1, i.e. w above the value printed below): that curve is the cliff.

# %%
ws, bs = np.linspace(-2.0, 12.0, 421), np.linspace(-8.0, 5.0, 391)
Z = vg.cliff.surface(ws, bs)

x = np.linspace(-6, 6, 601)
s = sigmoid(x)
w_sn = 1 / (s * (1 - s))          # saddle-node curves: f(x) = x and f'(x) = 1
b_sn = x - w_sn * s
w_wall = np.linspace(1 / (sigmoid(0.5)[0] * (1 - sigmoid(0.5)[0])), 12, 100)
b_wall = 0.5 - w_wall * sigmoid(0.5)[0]
cusp = np.argmin(w_sn)
print(f"cusp of the bistable region: (w, b) = ({w_sn[cusp]:.2f}, {b_sn[cusp]:.2f})")
print(f"the wall exists for w > {w_wall[0]:.2f}")
below, above = vg.cliff.loss(10.0, b_wall[-1] - 2), vg.cliff.loss(10.0, b_wall[-1] + 2)
print(f"plateaus at w = 10: L = {below:.2f} below the wall, {above:.2f} above it")
orbit = [0.5]
for _ in range(200):                  # w = -8, b = 4: one fixed point (0), but no convergence
    orbit.append(-8 * sigmoid(orbit[-1])[0] + 4)
print(f"w = -8, b = 4: the orbit ends alternating between {orbit[-2]:.2f} and {orbit[-1]:.2f}")

fig, ax = vg.plot.subplots(figsize=(7.0, 4.6))
mesh = ax.pcolormesh(ws, bs, Z, norm=mcolors.LogNorm(vmin=1e-4, vmax=0.5), shading="auto",
                     rasterized=True)
fig.colorbar(mesh, ax=ax, label="L(w, b), log scale")
keep = w_sn <= 12
ax.plot(w_sn[keep], b_sn[keep], color="white", linestyle="--", linewidth=1.0,
        label="edge of the bistable region")
ax.plot(w_wall, b_wall, color="#E69F00", linewidth=1.6, label="b = 0.5 − w σ(0.5): the wall")
ax.set(xlim=(ws[0], ws[-1]), ylim=(bs[0], bs[-1]), xlabel="w", ylabel="b",
       title="Loss surface of the one-unit RNN (T = 50, x_0 = 0.5)")
ax.legend(loc="upper left", fontsize=8)
vg.plot.show(fig, alt="The loss over w from -2 to 12 and b from -8 to 5 on a log colour scale. Left of "
             "w = 4 the loss changes smoothly and a dark valley of low loss crosses it diagonally. From "
             "the cusp at w = 4, b = -2 two dashed curves open to the right and bound the bistable "
             "region; inside it, an orange line, b = 0.5 - w sigma(0.5), marks the wall, where the loss "
             "jumps from about 0.49 (below the line) to about 0.09 (above it).")

# %% [markdown]
# ## 2. Why there is a wall: orbits on either side of it
#
# At w = 5 the wall is at b* = 0.5 − 5 σ(0.5) ≈ −2.61. Starting a hair above or below it, the orbit first
# lingers near the unstable fixed point 0.5, the boundary between the two basins (each step multiplies
# the distance from it by w σ′(0.5) ≈ 1.18), then leaves for one of the two stable points. After 50
# steps the two orbits are far apart, however close their b were.

# %%
w = 5.0
b_star = 0.5 - w * sigmoid(0.5)[0]
print(f"w = {w:g}: wall at b* = {b_star:.3f}, w σ'(0.5) = {w * sigmoid(0.5)[0] * (1 - sigmoid(0.5)[0]):.2f}")
for x_fp in [3.0, -3.0]:              # iterate the map at b* from either side of 0.5
    for _ in range(500):
        x_fp = w * sigmoid(x_fp)[0] + b_star
    print(f"stable fixed point at b*: {x_fp:.2f}")
fig, ax = vg.plot.subplots()
for i, delta in enumerate([1e-2, 1e-3, 1e-4, -1e-4, -1e-3, -1e-2]):
    xs = [0.5]
    for _ in range(50):
        xs.append(w * sigmoid(xs[-1])[0] + b_star + delta)
    ax.plot(xs, **{**vg.plot.STYLES[i], "markevery": 5}, label=f"b = b* {delta:+.0e}")
ax.set(xlabel="step t", ylabel="x_t", title=f"Orbits at w = {w:g} near the wall b* = {b_star:.3f}")
ax.legend(fontsize=8, ncol=2)
vg.plot.show(fig, alt="Six orbits x_t over 50 steps at w = 5, for b between 1e-4 and 1e-2 above and "
             "below the wall. All start at 0.5 and stay near it for a while, the longer the closer b is "
             "to the wall; then the three with b above the wall climb towards the high fixed point near "
             "1.39 and the three below fall towards the low fixed point near -2.03.")

# %% [markdown]
# ## 3. How steep the wall is
#
# Near the wall, x_50 moves from one fixed point to the other over a band of b whose width shrinks like
# (w σ′(0.5))^(−50), so the gradient inside the band is of order (w σ′(0.5))^50 (the middle column
# below). Outside the band the gradient is ordinary. We measure the gradient's norm at a distance δ
# above the wall, for δ from 1e-14 to 1.

# %%
deltas = np.logspace(-14, 0, 57)
fig, ax = vg.plot.subplots()
print("   w   (w σ'(0.5))^50   largest |grad| measured   largest δ with |grad| > 100")
far = {}
for i, w in enumerate([4.5, 5.0, 6.0, 8.0]):
    b_star = 0.5 - w * sigmoid(0.5)[0]
    norms = np.array([np.hypot(*vg.cliff.loss_and_grad(w, b_star + d)[1:]) for d in deltas])
    lam = w * sigmoid(0.5)[0] * (1 - sigmoid(0.5)[0])
    steep = deltas[norms > 100]
    print(f"{w:4.1f}   {lam**50:14.1e}   {norms.max():.1e} (δ = {deltas[np.argmax(norms)]:.0e})"
          f"       {f'{steep.max():.0e}' if steep.size else 'none'}")
    far[w] = norms[deltas >= 0.1]
    ax.loglog(deltas, norms, **vg.plot.STYLES[i], label=f"w = {w:g}")
ax.set(xlabel="distance δ above the wall (b = b* + δ)", ylabel="|∇L(w, b)|",
       title="The gradient near the wall")
ax.legend(fontsize=8)
vg.plot.show(fig, alt="Gradient norm against the distance above the wall, log-log, for w = 4.5, 5, 6 "
             "and 8. Far from the wall all are below 1; approaching it each rises steeply, and the "
             "larger w, the higher and narrower the peak: about 11 for w = 4.5, 8e2 for w = 5, 3e6 for "
             "w = 6, and for w = 8 it is above 100 only within 1e-10 of the wall and reaches 1.5e12 at "
             "2e-14.")

# %% tags=["hide-input"]
# The prose below and the alt text above describe these measurements.
assert all(f.max() < 1 for f in far.values()), "far from the wall (δ >= 0.1) every gradient is below 1"

# %% [markdown]
# For w = 8 the gradient exceeds 100 only within 1e-10 of the wall (last column): no grid and
# essentially no gradient step will ever land in it, and to gradient descent the wall there is a
# discontinuity with a harmless gradient on both sides.
# The dangerous part of the cliff is at moderate w, near 4.5 to 5, where the band is wide enough to be
# hit and the gradient inside it is far larger than elsewhere (the table). That is also where the
# valley of low loss runs along the wall's upper edge, so gradient descent heading for the valley is
# led right to it.
#
# ## 4. Gradient descent from several starts
#
# Plain gradient descent with learning rate 0.5 for 60 updates from six starting points. A step longer
# than 1 is marked as "thrown".

# %%
starts = [(4.5, -2.6), (4.5, -2.0), (4.5, -3.5), (4.0, -4.0), (3.0, -3.0), (2.0, 0.5)]
paths = {}
print("start          final (w, b)      final loss  longest step  (update)")
for w0, b0 in starts:
    path, losses = vg.cliff.descend(w0, b0, lr=0.5, steps=60)
    lengths = np.hypot(*np.diff(path, axis=0).T)
    k = int(np.argmax(lengths))
    paths[(w0, b0)] = path
    flag = "thrown" if lengths[k] > 1 else ""
    print(f"({w0:4.1f}, {b0:4.1f})   ({path[-1, 0]:5.2f}, {path[-1, 1]:5.2f})    {losses[-1]:.4f}"
          f"      {lengths[k]:6.2f}  ({k:2d})  {flag}")
thrown = [p0 for p0, path in paths.items() if np.hypot(*np.diff(path, axis=0).T).max() > 1]
print(f"thrown: {len(thrown)} of {len(starts)} starts")

# %% tags=["hide-input"]
# The alt text of the next figure and the prose after it describe these runs.
assert thrown == starts[:4], "the four starts with w >= 4 are thrown"
assert all(paths[p0][-1, 0] > 6.5 and paths[p0][-1, 1] > 2 for p0 in thrown), "thrown onto the upper plateau"
assert all(vg.cliff.loss(*paths[p0][-1]) < 1e-3 for p0 in starts[4:]), "the other two reach the valley"

# %%
ws2, bs2 = np.linspace(0.0, 11.0, 441), np.linspace(-5.0, 8.0, 391)
fig, ax = vg.plot.subplots(figsize=(7.0, 4.6))
mesh = ax.pcolormesh(ws2, bs2, vg.cliff.surface(ws2, bs2), norm=mcolors.LogNorm(vmin=1e-4, vmax=0.5),
                     shading="auto", rasterized=True)
fig.colorbar(mesh, ax=ax, label="L(w, b), log scale")
for i, ((w0, b0), path) in enumerate(paths.items()):
    style = {**vg.plot.STYLES[i], "markevery": 1, "markersize": 3, "linewidth": 1.2}
    ax.plot(path[:, 0], path[:, 1], **style, label=f"start ({w0:g}, {b0:g})")
    ax.plot([w0], [b0], "w*", markersize=10)
ax.set(xlim=(ws2[0], ws2[-1]), ylim=(bs2[0], bs2[-1]), xlabel="w", ylabel="b",
       title="Gradient descent paths, learning rate 0.5")
ax.legend(fontsize=7, loc="lower right")
vg.plot.show(fig, alt="Six gradient descent paths on the loss surface, each starting at a white star. "
             "The four paths that start near or below the wall for w between 4 and 4.5 creep towards "
             "the valley at the wall's edge, step onto the wall and are thrown several units up and to "
             "the right, onto the flat upper plateau where they stay. The two paths starting left of "
             "w = 4 slide smoothly into the valley of low loss.")

# %% [markdown]
# Each thrown path was following the gradient correctly; it was thrown because near the wall the
# gradient is large and gradient descent takes a step proportional to it. Clipping the step's length
# keeps such paths near the valley: see the notebook
# [Clipping on the cliff](clipping_cliff.ipynb) and the page [Gradient clipping](../remedies/clipping.md).

# %%
print(f"notebook executed in {time.perf_counter() - start:.1f} s")
