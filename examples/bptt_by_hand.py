# %% [markdown]
# # BPTT by hand
#
# This notebook belongs to the page [Backpropagation through time](../rnn/bptt.md). It takes the
# smallest example that shows everything, a recurrent network run for three steps with a loss E₃ at
# the third step only, and computes the gradient of E₃ with respect to the recurrent weights W_h and
# the input weights W_x exactly as the derivation writes it:
#
#     dE₃/dW = Σₖ (∂E₃/∂h₃) (∂h₃/∂hₖ) (∂⁺hₖ/∂W),    k = 0, 1, 2, 3,
#
# where ∂h₃/∂hₖ = J₃ ⋯ Jₖ₊₁ is a product of state-to-state Jacobians Jⱼ = ∂hⱼ/∂hⱼ₋₁ and ∂⁺hₖ/∂W is
# the *immediate* derivative of step k (the formula of step k alone, with hₖ₋₁ held fixed). Every term
# is computed separately and printed with its size. Then the sum is compared with `vg.rnn.backward`
# (the backward recurrence) and with finite differences (`vg.gradcheck`).
#
# The sizes are tiny on purpose (2 inputs, 3 hidden units, 2 classes) so that every matrix fits on the
# screen.

# %%
import itertools

import numpy as np

import vg

np.set_printoptions(precision=4, suppress=True)
rng = np.random.default_rng(1)
T, D, H, O = 3, 2, 3, 2
# W_h has entries N(0, 1/H), W_x entries N(0, 1/D), b = 0
params = vg.rnn.init(D, H, rng=rng)
out = vg.readout.init(H, O, rng=rng)
W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
W_y, b_y = out["W_y"], out["b_y"]
x = [None] + [rng.standard_normal(D) for _ in range(T)]  # x[1..3]; x[0] unused
y_3 = 1  # the target class at step 3
print("W_h =\n", W_h)
print("W_x =\n", W_x)

# %% [markdown]
# ## The forward pass, one equation per line
#
# Column vectors, numbered as in the maths: h[0] = h₀ = 0, then hₜ = tanh(W_h hₜ₋₁ + W_x xₜ + b) for
# t = 1, 2, 3, the readout z₃ = W_y h₃ + b_y, the softmax ŷ₃ and the loss E₃ = −log ŷ₃[y₃].

# %%
h = [np.zeros(H)]
for t in range(1, T + 1):
    h.append(np.tanh(W_h @ h[t - 1] + W_x @ x[t] + b))
z_3 = W_y @ h[3] + b_y
y_hat_3 = np.exp(z_3) / np.exp(z_3).sum()
E_3 = -np.log(y_hat_3[y_3])
for t in range(1, T + 1):
    print(f"h_{t} = {h[t]}")
print(f"y_hat_3 = {y_hat_3}, E_3 = {E_3:.4f}")

# The same states from vg, which stores one row per example in a (T, B, D) layout:
X = np.stack(x[1:])[:, None, :]                         # (T, 1, D)
H_all, cache = vg.rnn.forward(X, params)
print("vg.rnn.forward agrees:", np.allclose(H_all[:, 0], np.stack(h[1:])))

# %% [markdown]
# ## The factor in front: ∂E₃/∂h₃
#
# Three Jacobians of the readout, multiplied as a row vector from the left:
# ∂E₃/∂ŷ₃ (1 × O), ∂ŷ₃/∂z₃ = diag(ŷ₃) − ŷ₃ŷ₃ᵀ (O × O), ∂z₃/∂h₃ = W_y (O × H). Their product is
# (ŷ₃ − e_y)ᵀ W_y, the familiar "prediction minus target" sent back through the readout.

# %%
dE_dyhat = -np.eye(O)[y_3] / y_hat_3[y_3]
dyhat_dz = np.diag(y_hat_3) - np.outer(y_hat_3, y_hat_3)
dz_dh = W_y
dE_dh3 = dE_dyhat @ dyhat_dz @ dz_dh                     # a row, 1 x H
print("dE_3/dh_3 =", dE_dh3)
shortcut = (y_hat_3 - np.eye(O)[y_3]) @ W_y
print("equals (y_hat - e_y)^T W_y:", np.allclose(dE_dh3, shortcut))

# %% [markdown]
# ## The Jacobians between states, and their products
#
# Jⱼ = ∂hⱼ/∂hⱼ₋₁ = diag(1 − hⱼ²) W_h. A change of hₖ reaches h₃ only by passing through every state
# in between, so the chain rule turns ∂h₃/∂hₖ into a product of these one-step Jacobians, one per
# step crossed: ∂h₃/∂h₁ = J₃ J₂, ∂h₃/∂h₂ = J₃, and ∂h₃/∂h₃ is the identity.

# %%
# J[1], J[2], J[3]; J[0] unused
J = [None] + [np.diag(1 - h[j] ** 2) @ W_h for j in range(1, T + 1)]


def dh3_dhk(k):
    """∂h₃/∂hₖ = J₃ J₂ ⋯ Jₖ₊₁ (the identity for k = 3)."""
    P = np.eye(H)
    for j in range(T, k, -1):
        P = P @ J[j]
    return P


for k in range(T, -1, -1):
    print(f"dh_3/dh_{k}: spectral norm {np.linalg.norm(dh3_dhk(k), 2):.4f}")

# %% tags=["hide-input"]
# The text below says the norms fall as k moves away from 3: check it.
jac_norms = [np.linalg.norm(dh3_dhk(k), 2) for k in range(T, -1, -1)]  # k = 3, 2, 1, 0
assert all(a > b for a, b in itertools.pairwise(jac_norms)), jac_norms

# %% [markdown]
# Here the norms fall as k moves away from 3: each extra Jacobian multiplies by diag(1 − h²), whose
# entries are below 1, and by W_h. (Over two or three steps this is typical rather than guaranteed: a
# product of matrices can be larger than one of its factors. Over many steps the decay, or the growth,
# becomes systematic.)
#
# ## The immediate derivatives ∂⁺hₖ/∂W
#
# The derivative of the vector hₖ with respect to the matrix W_h has three indices:
# ∂⁺hₖ[a]/∂W_h[i, j]. Holding hₖ₋₁ fixed, only row i of W_h reaches unit i, so it is
# (1 − hₖ[i]²) hₖ₋₁[j] when a = i and 0 otherwise. For W_x, replace hₖ₋₁ by xₖ. We build these
# arrays literally, shape (H, H, H) and (H, H, D). For k = 0 there is nothing: h₀ is given, not
# computed with W, so ∂⁺h₀/∂W = 0 and the k = 0 term of the sum vanishes.


# %%
def immediate(k, inputs):
    """∂⁺hₖ/∂W as an array [a, i, j], for the W that multiplies `inputs`."""
    n = inputs.shape[0]
    if k == 0:
        return np.zeros((H, H, n))
    d = np.zeros((H, H, n))
    for i in range(H):
        d[i, i, :] = (1 - h[k][i] ** 2) * inputs
    return d


# %% [markdown]
# ## The sum, term by term
#
# Term k is the row (∂E₃/∂h₃)(∂h₃/∂hₖ) contracted with the immediate derivative ∂⁺hₖ/∂W over the
# hidden index: the contribution of "W acting at step k" to the gradient of E₃.

# %%
terms = {"W_h": {}, "W_x": {}}
for k in range(0, T + 1):
    row = dE_dh3 @ dh3_dhk(k)  # ∂E₃/∂hₖ through the chain
    h_prev = h[k - 1] if k >= 1 else np.zeros(H)
    x_k = x[k] if k >= 1 else np.zeros(D)
    terms["W_h"][k] = np.einsum("a,aij->ij", row, immediate(k, h_prev))
    terms["W_x"][k] = np.einsum("a,aij->ij", row, immediate(k, x_k))

for name in ("W_h", "W_x"):
    print(f"--- dE_3/d{name}, term by term")
    for k in range(T, -1, -1):
        print(f"k = {k}: |term| = {np.linalg.norm(terms[name][k]):.3e}")
        if k in (1, 2, 3):
            print(terms[name][k])
dW_h_by_hand = sum(terms["W_h"].values())
dW_x_by_hand = sum(terms["W_x"].values())

# %% tags=["hide-input"]
# What the text below (and the bar chart's description) says about these terms.
size = {name: {k: np.linalg.norm(terms[name][k]) for k in terms[name]} for name in terms}
assert size["W_h"][0] == 0 and size["W_h"][1] == 0  # h_0 = 0: exactly zero
assert size["W_x"][0] == 0 and size["W_x"][1] > 0
for name in ("W_h", "W_x"):
    assert size[name][3] == max(size[name].values())  # step 3 is the largest
    assert size[name][3] > size[name][2] >= size[name][1] >= size[name][0]  # and they shrink
assert size["W_x"][2] > size["W_x"][1]

# %% [markdown]
# Two terms are exactly zero for W_h: k = 0 (h₀ is not computed with W_h) and k = 1, because the
# immediate derivative of step 1 with respect to W_h is proportional to h₀ = 0. For W_x the k = 1
# term is not zero: x₁ is not. In both sums the term of step 3, with no Jacobian in it, is the
# largest, and each step further back contributes less. The size of a term also depends on the input
# or state it multiplies (xₖ or hₖ₋₁), so over a few steps the order can occasionally differ; over
# long distances the product of Jacobians dominates, as the last section shows.
#
# ## Check 1: the backward recurrence in vg
#
# `vg.rnn.backward` never forms a Jacobian: it runs gₖ = ḡₖ + Jₖ₊₁ᵀ gₖ₊₁ backwards from step 3 with
# vector-Jacobian products. Here the only immediate gradient is at step 3 (E₃ reads h₃ only), so
# dH_all is zero except at the last step, where the readout's backward pass puts (∂E₃/∂h₃)ᵀ.
# `vg.losses.softmax_cross_entropy` averages over the batch, which has one example, so its loss is E₃.

# %%
# the readout at the last step only
Z, out_cache = vg.readout.forward(H_all[-1], out)
loss, dZ = vg.losses.softmax_cross_entropy(Z, np.array([y_3]))
grads_out, dh_3 = vg.readout.backward(dZ, out_cache)
dH_all = np.zeros_like(H_all)
dH_all[-1] = dh_3
grads, dX, dh0 = vg.rnn.backward(dH_all, cache)
print(f"loss from vg = {loss:.4f} (E_3 by hand = {E_3:.4f})")
print("dE_3/dW_h agrees with vg.rnn.backward:",
      vg.gradcheck.relative_error(dW_h_by_hand, grads["W_h"]) < 1e-12)
print("dE_3/dW_x agrees with vg.rnn.backward:",
      vg.gradcheck.relative_error(dW_x_by_hand, grads["W_x"]) < 1e-12)


# %% [markdown]
# ## Check 2: finite differences
#
# Two implementations of one formula can agree and share a mistake in the formula. The independent
# test uses nothing but the forward pass and the definition of the derivative: `vg.gradcheck.check`
# perturbs every entry of W_h and W_x by ±ε and compares the central differences of E₃ with the sum
# computed above. (Strong evidence at this point, not a proof; the page shows a case that such a
# check misses: [What a gradient check cannot see](../rnn/bptt.md#what-a-gradient-check-cannot-see).)


# %%
def E3(p):
    H_all, _ = vg.rnn.forward(X, {**params, **p})
    Z, _ = vg.readout.forward(H_all[-1], out)
    return vg.losses.softmax_cross_entropy(Z, np.array([y_3]))[0]


errors = vg.gradcheck.check(
    E3, {"W_h": W_h, "W_x": W_x}, {"W_h": dW_h_by_hand, "W_x": dW_x_by_hand}
)
for name, err in errors.items():
    print(f"{name}: relative error below 1e-7: {err < 1e-7}")

# %% [markdown]
# ## The sizes of the terms
#
# The bar chart shows |term k| for both weight matrices. Three steps are too few for anything
# dramatic, but the pattern of the whole site is already there: the further back the step, the more
# Jacobians stand between it and the loss, and the smaller its say in the gradient.

# %%
fig, ax = vg.plot.subplots()
ks = np.arange(1, T + 1)
width = 0.38
for i, name in enumerate(("W_h", "W_x")):
    sizes = [np.linalg.norm(terms[name][k]) for k in ks]
    ax.bar(ks + (i - 0.5) * width, sizes, width, color=vg.plot.COLORS[i],
           hatch=["", "//"][i], edgecolor="black", label=f"d E_3 / d {name}")
ax.set_xticks(ks, [f"k = {k}" for k in ks])
ax.set_ylabel("|term k|")
ax.set_title("Contribution of step k to the gradient of E_3")
ax.legend()
vg.plot.show(
    fig,
    alt="Bar chart of the norm of each term k = 1, 2, 3 of dE_3/dW_h and "
    "dE_3/dW_x. The W_h term for k = 1 is zero; for both matrices the k = 3 "
    "term is the largest and the terms shrink as k moves back.",
)

# %% [markdown]
# ## Longer sequences
#
# The same term-by-term sum for a loss at step T = 12 of a network with the same kind of weights
# (the sequence is longer, everything else is as above). The term of step k now passes through
# T − k Jacobians, up to the number printed on the first line below, and the printout shows the early
# terms far smaller than the late ones (the last line gives the factor between the first and the last
# term): this is the vanishing gradient problem, seen from inside the sum. The page
# [Vanishing gradients](../problem/vanishing.md) takes it from here.

# %%
T_long = 12
X_long = rng.standard_normal((T_long, 1, D))
H_long, cache_long = vg.rnn.forward(X_long, params)
hs = [np.zeros(H)] + list(H_long[:, 0])
y_hat_T = vg.losses.softmax(W_y @ hs[-1] + b_y)
row = (y_hat_T - np.eye(O)[y_3]) @ W_y  # ∂E_T/∂h_T
sizes = {}
for k in range(T_long, 0, -1):
    # ∂E_T/∂aₖ = (∂E_T/∂hₖ) diag(1 − hₖ²)
    delta = row * (1 - hs[k] ** 2)
    # term k of dE_T/dW_x
    sizes[k] = np.linalg.norm(np.outer(delta, X_long[k - 1, 0]))
    row = delta @ W_h  # ∂E_T/∂hₖ₋₁ = (∂E_T/∂hₖ) Jₖ
print(f"Jacobians between step 1 and step T = {T_long}: {T_long - 1}")
for k in (12, 9, 6, 3, 1):
    print(f"k = {k:2d}: |term k of dE_T/dW_x| = {sizes[k]:.2e}")
print(f"term {T_long} / term 1 = {sizes[T_long] / sizes[1]:.0e}")

# %% tags=["hide-input"]
# The text says the early terms are far smaller than the late ones.
assert sizes[12] > sizes[9] > sizes[6] > sizes[3] > sizes[1]
assert sizes[T_long] / sizes[1] > 1e6
