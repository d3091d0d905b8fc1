# %% [markdown]
# # Clipping on the cliff
#
# The one-unit recurrent network of Pascanu, Mikolov & Bengio (2013), x_t = w σ(x_{t-1}) + b run for
# 50 steps and scored by L(w, b) = (σ(x_50) − 0.7)², has a wall across the (w, b) plane: on it the
# gradient is enormous, and a step of gradient descent taken from it can throw the parameters far away.
# This notebook runs gradient descent from the same start with the same learning rate three times:
# unclipped, with the gradient's norm clipped (Pascanu et al.'s Algorithm 1), and with each component
# clipped to a ceiling. It belongs to the page [Gradient clipping](../remedies/clipping.md); the cliff
# itself is explained on [Exploding gradients](../problem/exploding.md).

# %%
import numpy as np

import vg

W0, B0, LR, STEPS, TAU = 4.5, -2.6, 0.5, 40, 0.5
print(f"the cliff: T = {vg.cliff.T_DEFAULT} steps, target {vg.cliff.TARGET}")


def descend_value_clipped(w, b, lr, steps, c):
    """Gradient descent on the cliff with every gradient component clamped to [-c, c]."""
    path, losses = [(w, b)], []
    for _ in range(steps):
        loss, dw, db = vg.cliff.loss_and_grad(w, b)
        losses.append(loss)
        g = vg.clip.clip_value({"w": np.array([dw]), "b": np.array([db])}, c)
        w, b = w - lr * g["w"][0], b - lr * g["b"][0]
        path.append((w, b))
    losses.append(vg.cliff.loss(w, b))
    return np.array(path), np.array(losses)


runs = {
    "no clipping": vg.cliff.descend(W0, B0, LR, STEPS),
    f"norm clipped at {TAU}": vg.cliff.descend(W0, B0, LR, STEPS, clip=TAU),
    f"values clipped at {TAU}": descend_value_clipped(W0, B0, LR, STEPS, TAU),
}
longest = {}
for name, (path, losses) in runs.items():
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    longest[name] = steps
    print(f"{name:>22}: longest step {steps.max():5.2f} (update {steps.argmax()}), "
          f"final loss {losses[-1]:.4f}, ends at w={path[-1, 0]:.2f}, b={path[-1, 1]:.2f}")
end = runs["no clipping"][0][-1]
_, dw_end, db_end = vg.cliff.loss_and_grad(*end)
print(f"gradient norm where the unclipped run ends: {np.hypot(dw_end, db_end):.1e}")
print(f"bounds on one step: lr*tau = {LR * TAU:.2f} (norm), lr*tau*sqrt(2) = {LR * TAU * np.sqrt(2):.2f} (value)")

# %% tags=["hide-input"]
# The claims of the next paragraph, checked.
assert longest["no clipping"].argmax() == 5 and longest["no clipping"].max() > 10 * LR * TAU
assert np.hypot(dw_end, db_end) < 1e-4
assert longest[f"norm clipped at {TAU}"].max() <= LR * TAU * (1 + 1e-12)
assert longest[f"values clipped at {TAU}"].max() <= LR * TAU * np.sqrt(2) * (1 + 1e-12)
for name in (f"norm clipped at {TAU}", f"values clipped at {TAU}"):
    path, losses = runs[name]
    # "survive the wall": they stay near it (never thrown past w = 5 or above b = 0) ...
    assert path[:, 0].max() < 5 and path[:, 1].max() < 0, name
    # ... and "neither settles": over the last ten updates the loss still swings by a factor above 10,
    # and some late step is still as long as the clipped bound allows
    assert losses[-10:].max() > 10 * losses[-10:].min(), name
    assert longest[name][-10:].max() > 0.9 * LR * TAU, name

# %% [markdown]
# All three start on the plateau below the wall. The unclipped run reaches the valley, steps onto the
# wall at update 5 and is thrown onto a flat plateau where the gradient norm is the 7.3e-06 printed
# above: it never comes back. Both clipped runs survive the wall. Their steps have length at most
# lr·τ = 0.25 for norm clipping and lr·τ·√2 = 0.35 for value clipping (both components cut).
#
# The gradient on the wall: its direction, and what each clipping makes of it.

# %%
path, _ = runs["no clipping"]
_, dw, db = vg.cliff.loss_and_grad(*path[5])
g = np.array([dw, db])
by_norm = g * min(1.0, TAU / np.linalg.norm(g))
by_value = np.clip(g, -TAU, TAU)
for name, v in (("true gradient", g), ("norm clipped", by_norm), ("value clipped", by_value)):
    deg = np.degrees(np.arctan2(v[1], v[0]))
    step_deg = np.degrees(np.arctan2(-v[1], -v[0]))  # the step is -lr times the (clipped) gradient
    print(f"{name:>14}: ({v[0]:8.3f}, {v[1]:8.3f})  direction {deg:6.1f}°  length {np.linalg.norm(v):.3f}"
          f"  step direction {step_deg:6.1f}°")
turn = np.degrees(np.arccos(g @ by_value / (np.linalg.norm(g) * np.linalg.norm(by_value))))
print(f"value clipping turns the step by {turn:.1f}°")

# %% tags=["hide-input"]
# The claims of the next paragraph, checked.
assert np.all(np.abs(g) > TAU) and np.allclose(by_value, [-TAU, -TAU])
assert np.isclose(np.degrees(np.arctan2(by_value[1], by_value[0])), -135.0)
assert np.isclose(np.degrees(np.arctan2(-by_value[1], -by_value[0])), 45.0)
assert np.isclose(by_norm @ g, np.linalg.norm(by_norm) * np.linalg.norm(g))

# %% [markdown]
# On the wall both components are far above the ceiling, so value clipping returns (−0.5, −0.5): the
# clipped gradient points along the diagonal at −135°, and the step, which goes against it, at +45°,
# whatever the wall's actual orientation. It is turned away from the direction of the unclipped step by
# the angle printed above. Norm clipping keeps the direction and only shortens the step.
#
# The surface, the three paths (whole and close to the wall) and the loss along each path:

# %%
fig, axes = vg.plot.subplots(1, 3, figsize=(11.0, 3.8))
views = [((2.0, 9.0), (-4.0, 4.5)), ((3.6, 5.0), (-2.8, -1.6))]
for ax, (wlim, blim) in zip(axes[:2], views):
    ws, bs = np.linspace(*wlim, 200), np.linspace(*blim, 200)
    ax.pcolormesh(ws, bs, vg.cliff.surface(ws, bs), shading="auto", rasterized=True)
    for i, (name, (path, _)) in enumerate(runs.items()):
        style = {**vg.plot.STYLES[i + 1], "markevery": 1, "markersize": 3, "linewidth": 1.2}
        ax.plot(path[:, 0], path[:, 1], label=name, **style)
    ax.plot([W0], [B0], "w*", markersize=12)
    ax.set(xlim=wlim, ylim=blim, xlabel="w", ylabel="b")
axes[0].set_title("the whole paths")
axes[1].set_title("close to the wall")
for i, (name, (_, losses)) in enumerate(runs.items()):
    axes[2].plot(losses, label=name, **vg.plot.STYLES[i + 1])
axes[2].set(yscale="log", xlabel="update", ylabel="loss", title="loss along each path")
axes[2].legend(fontsize=8)
vg.plot.show(fig, alt="Loss surface of the one-unit network with three gradient-descent paths from "
             "(4.5, -2.6): the unclipped path is thrown from the wall to (7.9, 3.7); the norm-clipped "
             "and value-clipped paths stay at the wall's edge and zigzag across it. Right: the loss "
             "along each path, stuck at 0.09 without clipping, oscillating with either clipping.")

# %% [markdown]
# Neither clipped run settles: at this learning rate each keeps stepping over the edge and being sent
# back. Clipping bounds the damage of one step; it does not choose the learning rate for you, and it does
# not remove the wall.
#
# **Try it.** Halve the learning rate (LR = 0.25) and rerun. Does the unclipped run still fall off the
# wall? Then try thresholds τ = 0.05 and τ = 5: which one changes nothing, and why?
# <!-- hand-typed: 0.05 = input: a threshold the reader is invited to try -->
