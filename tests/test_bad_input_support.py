"""Bad input to the support modules fails early, with a message naming the argument."""

import numpy as np
import pytest

import vg

RNG = np.random.default_rng(0)
H_ALL = np.zeros((3, 2, 4))
READOUT = {"W_y": np.zeros((1, 4)), "b_y": np.zeros(1)}
GRADS = {"W": np.ones((2, 2)), "b": np.ones(2)}
NAN_GRADS = {"W": np.array([[1.0, np.nan], [0.0, 0.0]]), "b": np.ones(2)}
X_ADD, Y_ADD = vg.tasks.adding_problem(5, 3, np.random.default_rng(0))
RNN = vg.rnn.init(2, 4, np.random.default_rng(0))


def task(rng):
    return vg.tasks.adding_problem(5, 3, rng)


def fit(**overrides):
    kwargs = dict(cell=vg.rnn, params=RNN, readout=READOUT, task=task,
                  optimizer=vg.optim.SGD(lr=0.1), steps=2, rng=np.random.default_rng(0))
    kwargs.update(overrides)
    return vg.train.fit(**kwargs)


def readout_cache():
    return vg.readout.forward(H_ALL, READOUT)[1]


CASES = {
    # readout
    "readout.init hidden_size": (lambda: vg.readout.init(0, 2, RNG), ValueError, "hidden_size"),
    "readout.init output_size type": (lambda: vg.readout.init(4, 2.0, RNG), TypeError,
                                      "output_size must be an integer"),
    "readout.init rng": (lambda: vg.readout.init(4, 2, 0), TypeError, "rng must be a numpy"),
    "readout.init scale": (lambda: vg.readout.init(4, 2, RNG, scale=-1.0), ValueError, "scale"),
    "readout.forward H_all rank": (lambda: vg.readout.forward(np.zeros(4), READOUT), ValueError,
                                   "H_all must have"),
    "readout.forward H_all size": (lambda: vg.readout.forward(np.zeros((2, 5)), READOUT),
                                   ValueError, r"H_all must have shape .*axis 1 \(H\) is 5"),
    "readout.forward H_all type": (lambda: vg.readout.forward("h", READOUT), TypeError, "H_all"),
    "readout.forward H_all nan": (lambda: vg.readout.forward(np.full((2, 4), np.nan), READOUT),
                                  ValueError, "H_all must be finite"),
    "readout.forward params keys": (lambda: vg.readout.forward(H_ALL, {"W_y": np.zeros((1, 4))}),
                                    ValueError, r"params must have exactly the keys.*b_y"),
    "readout.backward dZ shape": (lambda: vg.readout.backward(np.zeros((3, 2, 2)), readout_cache()),
                                  ValueError, "dZ must have shape"),
    "readout.backward cache": (lambda: vg.readout.backward(np.zeros((3, 2, 1)), None), TypeError,
                               "cache must be"),
    # losses
    "mse shapes": (lambda: vg.losses.mse(np.zeros((3, 1)), np.zeros(3)), ValueError,
                   r"Y must have 2 dimensions \(3, 1\)"),
    "mse nan": (lambda: vg.losses.mse(np.array([np.nan]), np.zeros(1)), ValueError,
                "Y_pred must be finite"),
    "mse type": (lambda: vg.losses.mse(None, np.zeros(1)), TypeError, "Y_pred"),
    "softmax type": (lambda: vg.losses.softmax("z"), TypeError, "Z"),
    "xent Z rank": (lambda: vg.losses.softmax_cross_entropy(np.zeros(3), np.zeros(3, int)),
                    ValueError, "Z must have 2 dimensions"),
    "xent Z inf": (lambda: vg.losses.softmax_cross_entropy(np.array([[np.inf, 0.0]]), [0]),
                   ValueError, "Z must be finite"),
    "xent targets shape": (lambda: vg.losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 1, 2]),
                           ValueError, r"targets must have shape \(2,\)"),
    "xent targets range": (lambda: vg.losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 3]),
                           ValueError, r"targets must be class indices in \[0, 2\]"),
    "xent targets dtype": (lambda: vg.losses.softmax_cross_entropy(np.zeros((2, 3)), [0.5, 1]),
                           TypeError, "targets must hold integer class indices"),
    # gradcheck
    "numerical_gradient f": (lambda: vg.gradcheck.numerical_gradient(3, GRADS), TypeError,
                             "f must be a callable"),
    "numerical_gradient eps": (lambda: vg.gradcheck.numerical_gradient(np.sum, np.ones(2), eps=0),
                               ValueError, "eps must be"),
    "numerical_gradient order": (lambda: vg.gradcheck.numerical_gradient(np.sum, np.ones(2),
                                                                          order=3),
                                 ValueError, "order must be 2 or 4"),
    "numerical_gradient params": (lambda: vg.gradcheck.numerical_gradient(np.sum, "x"),
                                  TypeError, "params"),
    "numerical_gradient nonscalar": (lambda: vg.gradcheck.numerical_gradient(lambda x: x,
                                                                              np.ones(2)),
                                     ValueError, "f must return a scalar"),
    "relative_error shapes": (lambda: vg.gradcheck.relative_error(np.ones(2), np.ones(3)),
                              ValueError, "b must have shape"),
    "relative_error keys": (lambda: vg.gradcheck.relative_error(GRADS, {"W": np.ones((2, 2))}),
                            ValueError, r"b must have the same keys as a"),
    "relative_error nan": (lambda: vg.gradcheck.relative_error(np.ones(2), np.array([1, np.nan])),
                           ValueError, "b must be finite"),
    "check grads keys": (lambda: vg.gradcheck.check(lambda p: 0.0, GRADS, {"W": np.ones((2, 2))}),
                         ValueError, "grads must have the same keys as params"),
    # clip
    "global_norm type": (lambda: vg.clip.global_norm([1.0, 2.0]), TypeError,
                         "grads must be a dict"),
    "global_norm nan": (lambda: vg.clip.global_norm(NAN_GRADS), ValueError,
                        r"grads\['W'\] must be finite"),
    "clip_global_norm max_norm": (lambda: vg.clip.clip_global_norm(GRADS, 0.0), ValueError,
                                  "max_norm must be a finite number > 0"),
    "clip_global_norm empty": (lambda: vg.clip.clip_global_norm({}, 1.0), ValueError,
                               "grads must not be empty"),
    "clip_per_parameter max_norm": (lambda: vg.clip.clip_norm_per_parameter(GRADS, "1"),
                                    TypeError, "max_norm must be a real number"),
    "clip_value max_value": (lambda: vg.clip.clip_value(GRADS, -1.0), ValueError,
                             "max_value must be a finite number > 0"),
    "clip_value array type": (lambda: vg.clip.clip_value({"W": "abc"}, 1.0), TypeError,
                              r"grads\['W'\]"),
    # optim
    "SGD momentum": (lambda: vg.optim.SGD(lr=0.1, momentum=1.0), ValueError, "momentum must be < 1"),
    "Adam beta1": (lambda: vg.optim.Adam(beta1=-0.1), ValueError, "beta1"),
    "Adam lr type": (lambda: vg.optim.Adam(lr="0.1"), TypeError, "lr must be a real number"),
    "Adam state": (lambda: vg.optim.Adam().update(GRADS, GRADS, None), TypeError,
                   "state must be an AdamState"),
    "SGD grads nan": (lambda: vg.optim.SGD(0.1).update(GRADS, NAN_GRADS,
                                                      vg.optim.SGD(0.1).init(GRADS)),
                      ValueError, r"grads\['W'\] must be finite"),
    # tasks
    "adding T": (lambda: vg.tasks.adding_problem(1, 3, RNG), ValueError, "T must be an integer >= 2"),
    "adding T hochreiter": (lambda: vg.tasks.adding_problem(10, 3, RNG, variant="hochreiter1997"),
                            ValueError, "T must be an integer >= 11"),
    "adding batch type": (lambda: vg.tasks.adding_problem(5, 3.0, RNG), TypeError, "batch_size"),
    "adding variant": (lambda: vg.tasks.adding_problem(5, 3, RNG, variant="x"), ValueError,
                       "variant must be one of"),
    "adding rng": (lambda: vg.tasks.adding_problem(5, 3, 42), TypeError, "rng must be a numpy"),
    "latch n_symbols": (lambda: vg.tasks.latch(5, 3, RNG, n_symbols=1), ValueError, "n_symbols"),
    "latch noise": (lambda: vg.tasks.latch(5, 3, RNG, noise=-0.1), ValueError, "noise"),
    "agreement attractors": (lambda: vg.tasks.agreement(4, 3, RNG, n_attractors=4), ValueError,
                             r"n_attractors must be <= T - 1 = 3"),
    "agreement T": (lambda: vg.tasks.agreement(1, 3, RNG), ValueError, "T must be"),
    "agreement_words X": (lambda: vg.tasks.agreement_words(np.zeros((3, 2, 5))), ValueError,
                          "X must have shape"),
    "agreement_words b": (lambda: vg.tasks.agreement_words(np.zeros((3, 2, 16)), 2), ValueError,
                          "b must be < B = 2"),
    "delayed_recall delays type": (lambda: vg.tasks.delayed_recall(5, 2, RNG, delays=3), TypeError,
                                   "delays must be a sequence"),
    "delayed_recall delays empty": (lambda: vg.tasks.delayed_recall(5, 2, RNG, delays=[]),
                                    ValueError, "delays must contain"),
    "delayed_recall delay too long": (lambda: vg.tasks.delayed_recall(5, 2, RNG, delays=[1, 5]),
                                      ValueError, r"delays\[1\] must be < T = 5"),
    "delayed_recall delay negative": (lambda: vg.tasks.delayed_recall(5, 2, RNG, delays=[-1]),
                                      ValueError, r"delays\[0\] must be an integer >= 0"),
    # train
    "fit cell": (lambda: fit(cell=np), TypeError, "cell must be a cell module"),
    "fit params": (lambda: fit(params=[1]), TypeError, "params must be a dict"),
    "fit readout": (lambda: fit(readout={"W_y": np.zeros((1, 4))}), ValueError,
                    "readout must have exactly the keys"),
    "fit readout size": (lambda: fit(readout={"W_y": np.zeros((1, 5)), "b_y": np.zeros(1)}),
                         ValueError, r"readout\['W_y'\] must have shape \(O, H\) = \(1, 4\)"),
    "fit task": (lambda: fit(task=None), TypeError, "task must be a callable"),
    "fit task output": (lambda: fit(task=lambda rng: X_ADD), TypeError,
                        r"task\(rng\) must be a tuple"),
    "fit task targets": (lambda: fit(task=lambda rng: (X_ADD, Y_ADD[:, 0])), ValueError,
                         r"task\(rng\)\[1\] \(Y\) must have"),
    "fit task xent targets": (lambda: fit(task=lambda rng: (X_ADD, Y_ADD), loss="xent"),
                              TypeError, r"task\(rng\)\[1\] \(Y\).*integer"),
    "fit optimizer": (lambda: fit(optimizer="adam"), TypeError, "optimizer must be a vg.optim"),
    "fit steps": (lambda: fit(steps=0), ValueError, "steps must be an integer >= 1"),
    "fit rng": (lambda: fit(rng=1), TypeError, "rng must be a numpy"),
    "fit loss": (lambda: fit(loss="l1"), ValueError, "loss must be one of"),
    "fit clip": (lambda: fit(clip=-1.0), ValueError, "clip must be a finite number > 0"),
    "fit forward_kwargs": (lambda: fit(forward_kwargs="tanh"), TypeError, "forward_kwargs"),
    "fit on_nonfinite": (lambda: fit(on_nonfinite="ignore"), ValueError, "on_nonfinite"),
    "fit eval_every without data": (lambda: fit(eval_every=1), ValueError, "eval_every needs"),
    "fit eval_data": (lambda: fit(eval_data=X_ADD), TypeError, "eval_data must be a tuple"),
    "fit record_dh_every": (lambda: fit(record_dh_every=0), ValueError, "record_dh_every"),
    "fit key clash": (lambda: fit(params={**RNN, "W_y": np.zeros((1, 4))}), ValueError,
                      "distinct keys"),
    "predict X": (lambda: vg.train.predict(vg.rnn, RNN, READOUT, np.zeros((3, 2))), ValueError,
                  "X must have 3 dimensions"),
    "predict per_step": (lambda: vg.train.predict(vg.rnn, RNN, READOUT, X_ADD, per_step=1),
                         TypeError, "per_step"),
    "evaluate Y": (lambda: vg.train.evaluate(vg.rnn, RNN, READOUT, X_ADD, Y_ADD[:2]), ValueError,
                   "Y must have shape"),
    "evaluate loss": (lambda: vg.train.evaluate(vg.rnn, RNN, READOUT, X_ADD, Y_ADD, loss="x"),
                      ValueError, "loss must be one of"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_with_a_clear_message(name):
    call, exc, match = CASES[name]
    with pytest.raises(exc, match=match):
        call()
