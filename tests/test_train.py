"""vg.train: the loop learns, records what it promises, and reports non-finite values."""

import functools

import numpy as np
import pytest

import vg


def latch_task(rng):
    return vg.tasks.latch(5, 16, rng)


def small_model(cell=vg.rnn, D=2, H=8, O=2, seed=0, **init_kwargs):
    rng = np.random.default_rng(seed)
    return cell.init(D, H, rng, **init_kwargs), vg.readout.init(H, O, rng), rng


def test_fit_learns_the_latch():
    params, readout, rng = small_model()
    eval_data = vg.tasks.latch(5, 256, np.random.default_rng(99))
    before = vg.train.evaluate(vg.rnn, params, readout, *eval_data, loss="xent")
    p, r, h = vg.train.fit(
        vg.rnn, params, readout, latch_task, optimizer=vg.optim.Adam(lr=1e-2), steps=300,
        rng=rng, loss="xent", eval_data=eval_data, eval_every=100,
    )
    after = vg.train.evaluate(vg.rnn, p, r, *eval_data, loss="xent")
    assert h.loss.shape == (300,) and h.grad_norm.shape == (300,)
    assert h.loss[-20:].mean() < 0.2 * h.loss[:20].mean()
    assert after.loss < 0.1 < before.loss
    assert after.accuracy == 1.0
    np.testing.assert_array_equal(h.eval_steps, [100, 200, 300])
    assert h.eval_loss[-1] == pytest.approx(after.loss)
    assert not h.stopped_nonfinite and h.nonfinite_step is None
    # inputs untouched, outputs are new arrays
    assert p["W_h"] is not params["W_h"]
    assert not np.array_equal(p["W_h"], params["W_h"])


def test_fit_is_deterministic():
    runs = []
    for _ in range(2):
        params, readout, rng = small_model()
        runs.append(vg.train.fit(vg.rnn, params, readout, latch_task, optimizer=vg.optim.SGD(lr=0.1),
                                 steps=20, rng=rng, loss="xent"))
    np.testing.assert_array_equal(runs[0].history.loss, runs[1].history.loss)
    np.testing.assert_array_equal(runs[0].params["W_h"], runs[1].params["W_h"])


@pytest.mark.parametrize("cell", [vg.lstm, vg.gru])
def test_fit_works_for_gated_cells(cell):
    params, readout, rng = small_model(cell)
    _, _, h = vg.train.fit(cell, params, readout, latch_task, optimizer=vg.optim.Adam(lr=1e-2),
                           steps=150, rng=rng, loss="xent", record_dh_every=50)
    assert h.loss[-20:].mean() < 0.5 * h.loss[:20].mean()
    assert h.dh_norms.shape == (3, 5)
    assert np.all(np.isfinite(h.dh_norms)) and np.all(h.dh_norms > 0)


def test_fit_adding_problem_mse():
    rng = np.random.default_rng(1)
    params = vg.rnn.init(2, 16, rng)
    readout = vg.readout.init(16, 1, rng)
    task = functools.partial(vg.tasks.adding_problem, 10, 32)
    p, r, h = vg.train.fit(vg.rnn, params, readout, task, optimizer=vg.optim.Adam(3e-3),
                           steps=300, rng=rng, clip=1.0)
    assert h.loss.shape == h.grad_norm.shape == h.clipped.shape == (300,)
    X, Y = vg.tasks.adding_problem(10, 500, np.random.default_rng(5))
    ev = vg.train.evaluate(vg.rnn, p, r, X, Y)
    assert ev.accuracy is None
    assert ev.loss < 0.1  # below the constant predictor's 1/6
    Z = vg.train.predict(vg.rnn, p, r, X)
    assert Z.shape == (500, 1)
    assert ev.loss == pytest.approx(np.mean((Z - Y) ** 2))
    assert vg.train.predict(vg.rnn, p, r, X, per_step=True).shape == (10, 500, 1)


def test_clipping_is_recorded_and_applied():
    params, readout, rng = small_model()
    _, _, h = vg.train.fit(vg.rnn, params, readout, latch_task, optimizer=vg.optim.SGD(lr=0.1),
                           steps=30, rng=rng, loss="xent", clip=0.05)
    assert h.grad_norm.shape == (30,)
    np.testing.assert_array_equal(h.clipped, h.grad_norm > 0.05)
    assert h.clipped.any()
    # a clipping function works too (per-parameter clipping)
    params, readout, rng = small_model()
    clip_fn = functools.partial(vg.clip.clip_norm_per_parameter, max_norm=0.01)
    _, _, h2 = vg.train.fit(vg.rnn, params, readout, latch_task, optimizer=vg.optim.SGD(lr=0.1),
                            steps=5, rng=rng, loss="xent", clip=clip_fn)
    assert h2.clipped.all()


def test_clipping_changes_the_update():
    results = []
    for clip in (None, 1e-3):
        params, readout, rng = small_model()
        results.append(vg.train.fit(vg.rnn, params, readout, latch_task,
                                     optimizer=vg.optim.SGD(lr=1.0), steps=1, rng=rng,
                                     loss="xent", clip=clip))
    params, _, _ = small_model()
    step_plain = results[0].params["W_h"] - params["W_h"]
    step_clipped = results[1].params["W_h"] - params["W_h"]
    # clipped update has the same direction, shorter
    ratio = step_clipped / step_plain
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-10)
    assert 0 < ratio.flat[0] < 1
    np.testing.assert_allclose(ratio.flat[0], 1e-3 / results[0].history.grad_norm[0])


@pytest.mark.parametrize("cell", [vg.rnn, vg.gru, vg.lstm])
def test_record_dh_norms_shape_and_values(cell):
    T = 6
    params, readout, rng = small_model(cell, H=5)
    task = functools.partial(vg.tasks.latch, T, 4)
    _, _, h = vg.train.fit(cell, params, readout, task, optimizer=vg.optim.SGD(lr=0.1),
                           steps=7, rng=rng, loss="xent", record_dh_every=3)
    assert h.dh_norms.shape == (3, T)
    np.testing.assert_array_equal(h.dh_steps, [0, 3, 6])
    # Check row 0 (the initial parameters) against an independent computation: dL/dh_t is the
    # dh0 of BPTT run on the suffix X[t+1:] started from h_t.
    params, readout, rng = small_model(cell, H=5)
    X, y = task(rng)
    H_all, cache = cell.forward(X, params)
    Z, rc = vg.readout.forward(H_all[-1], readout)
    _, dZ = vg.losses.softmax_cross_entropy(Z, y)
    _, dh_T = vg.readout.backward(dZ, rc)
    expected = np.empty(T)
    expected[-1] = np.linalg.norm(dh_T, axis=1).sum()
    for t in range(T - 1):
        start = {"h0": H_all[t]}
        if cell is vg.lstm:
            start["c0"] = cache.Cs[t + 1]  # the LSTM state is (h, c)
        H_s, c_s = cell.forward(X[t + 1 :], params, **start)
        dH = np.zeros_like(H_s)
        dH[-1] = dh_T
        _, _, dh_t = cell.backward(dH, c_s)
        if cell is vg.lstm:
            dh_t = dh_t[0]
        expected[t] = np.linalg.norm(dh_t, axis=1).sum()
    np.testing.assert_allclose(h.dh_norms[0], expected, rtol=1e-10)
    assert h.dh_norms.dtype == np.float64


def exploding_setup():
    # identity activation, all singular values of W_h = 1.2, and a big learning rate: the first
    # update blows W_h up and the second step's loss and gradients overflow.
    rng = np.random.default_rng(0)
    params = vg.rnn.init(2, 8, rng, init="orthogonal", sigma_max=1.2)
    readout = vg.readout.init(8, 1, rng)
    kwargs = dict(optimizer=vg.optim.SGD(lr=0.5), steps=50, rng=rng,
                  forward_kwargs={"activation": "identity"})
    return params, readout, (lambda g: vg.tasks.adding_problem(30, 8, g)), kwargs


def test_nonfinite_error_names_step_and_parameter():
    params, readout, task, kwargs = exploding_setup()
    with pytest.raises(vg.train.NonFiniteError, match=r"training step 1: .*dW_h has \d+ NaN/Inf") as e:
        vg.train.fit(vg.rnn, params, readout, task, **kwargs)
    err = e.value
    assert isinstance(err, FloatingPointError)
    assert err.step == 1
    assert "W_h" in err.names and "loss" in err.names
    assert not np.isfinite(err.loss)
    assert err.history.steps == 1 and err.history.stopped_nonfinite
    assert np.isfinite(err.history.loss).all()
    # the checkpoint is the (finite) parameters the failing step started from: the result of
    # training for exactly err.step steps
    assert all(np.all(np.isfinite(v)) for v in {**err.params, **err.readout}.values())
    params, readout, task, kwargs = exploding_setup()
    kwargs["steps"] = err.step
    p, r, _ = vg.train.fit(vg.rnn, params, readout, task, **kwargs)
    np.testing.assert_array_equal(p["W_h"], err.params["W_h"])
    np.testing.assert_array_equal(r["W_y"], err.readout["W_y"])


def test_nonfinite_stop_returns_flagged_history():
    params, readout, task, kwargs = exploding_setup()
    p, r, h = vg.train.fit(vg.rnn, params, readout, task, on_nonfinite="stop", **kwargs)
    assert h.stopped_nonfinite
    assert h.nonfinite_step == 1
    assert "W_h" in h.nonfinite_names
    assert "training step 1" in h.message
    assert h.loss.shape == (1,)
    assert all(np.all(np.isfinite(v)) for v in {**p, **r}.values())


def test_nonfinite_parameters_after_update_are_reported():
    rng = np.random.default_rng(0)
    params = vg.rnn.init(2, 8, rng, init="orthogonal", sigma_max=3.0)
    readout = vg.readout.init(8, 1, rng)
    with pytest.raises(vg.train.NonFiniteError,
                       match=r"non-finite parameter after the update at training step 0: W_x has"):
        vg.train.fit(vg.rnn, params, readout, lambda g: vg.tasks.adding_problem(30, 8, g),
                     optimizer=vg.optim.SGD(lr=1e300), steps=3, rng=rng,
                     forward_kwargs={"activation": "identity"})


def test_progress_bar_runs():
    params, readout, rng = small_model()
    _, _, h = vg.train.fit(vg.rnn, params, readout, latch_task, optimizer=vg.optim.Adam(),
                           steps=3, rng=rng, loss="xent", progress=True)
    assert h.steps == 3


def test_per_step_targets():
    def task(rng):
        U, Y = vg.tasks.delayed_recall(8, 4, rng, delays=[1])
        return U, Y

    rng = np.random.default_rng(0)
    params = vg.rnn.init(1, 8, rng)
    readout = vg.readout.init(8, 1, rng)
    _, _, h = vg.train.fit(vg.rnn, params, readout, task, optimizer=vg.optim.Adam(1e-2),
                           steps=200, rng=rng)
    assert h.loss[-20:].mean() < 0.3 * h.loss[:20].mean()


def test_nonfinite_hidden_states_are_located():
    # relu RNN, large learning rate: the weights grow until the forward pass itself overflows
    rng = np.random.default_rng(0)
    params = vg.rnn.init(2, 8, rng, init="orthogonal", sigma_max=1.5)
    readout = vg.readout.init(8, 1, rng)
    _, _, h = vg.train.fit(vg.rnn, params, readout, lambda g: vg.tasks.adding_problem(30, 8, g),
                           optimizer=vg.optim.SGD(lr=10.0), steps=20, rng=rng,
                           forward_kwargs={"activation": "relu"}, on_nonfinite="stop")
    assert h.stopped_nonfinite
    assert "H_all" in h.nonfinite_names
    assert f"training step {h.nonfinite_step}:" in h.message
    assert "the hidden states are NaN/Inf from time step" in h.message
    assert h.steps == h.nonfinite_step


def test_fit_stops_once_the_evaluation_loss_is_below_the_threshold():
    rng = np.random.default_rng(0)
    params = vg.rnn.init(2, 8, rng=rng)  # latch inputs are one-hot symbols, D = 2
    readout = vg.readout.init(8, 2, rng=rng)
    eval_data = vg.tasks.latch(5, 200, np.random.default_rng(1))
    kwargs = dict(optimizer=vg.optim.Adam(lr=0.05), loss="xent", eval_data=eval_data, eval_every=10)
    full = vg.train.fit(vg.rnn, params, readout, lambda r: vg.tasks.latch(5, 32, r),
                        steps=300, rng=np.random.default_rng(2), **kwargs).history
    threshold = float(full.eval_loss[len(full.eval_loss) // 2])  # reached for sure, half-way through
    first = int(full.eval_steps[np.argmax(full.eval_loss < threshold)])
    early = vg.train.fit(vg.rnn, params, readout, lambda r: vg.tasks.latch(5, 32, r),
                         steps=300, rng=np.random.default_rng(2), stop_below=threshold, **kwargs).history
    assert full.solved_at is None
    assert early.solved_at == first == early.steps < 300
    np.testing.assert_array_equal(early.loss, full.loss[:first])


def test_stop_below_needs_evaluations():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="stop_below needs eval_every"):
        vg.train.fit(vg.rnn, vg.rnn.init(2, 4, rng=rng), vg.readout.init(4, 2, rng=rng),
                     lambda r: vg.tasks.latch(5, 8, r), optimizer=vg.optim.Adam(lr=0.01), steps=5,
                     rng=rng, loss="xent", stop_below=0.1)


def test_history_splits_cpu_time_between_training_and_evaluations():
    # The sweeps compare models by the CPU seconds of training: evaluations are counted apart.
    params, readout, rng = small_model(vg.rnn)
    X_eval, Y_eval = latch_task(np.random.default_rng(99))
    _, _, h = vg.train.fit(vg.rnn, params, readout, latch_task, optimizer=vg.optim.SGD(lr=0.1),
                           steps=20, rng=rng, loss="xent", eval_data=(X_eval, Y_eval), eval_every=1)
    assert h.eval_steps.size == 20 and h.eval_cpu_seconds > 0 and h.cpu_seconds > 0
    _, _, h = vg.train.fit(vg.rnn, params, readout, latch_task, optimizer=vg.optim.SGD(lr=0.1),
                           steps=5, rng=rng, loss="xent")
    assert h.eval_cpu_seconds == 0 and h.cpu_seconds > 0
