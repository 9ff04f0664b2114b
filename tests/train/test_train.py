"""The training loop (Chapter 04): determinism, history, callbacks, progress bar, learning on
digits and XOR, divergence as a result, bad input."""
import time

import numpy as np
import pytest

from lessons.data import digits, moons, xor_points
from lessons.kernels import binary_cross_entropy, half_sse, softmax_cross_entropy
from lessons.layers import Dense, Sequential, mlp
from lessons.optim import SGD, Adam, RMSprop
from lessons.train import (
    Callback, EarlyStopping, History, Snapshots, accuracy, evaluate, fit, predict,
)


@pytest.fixture(scope="module")
def digit_split():
    X, y = digits()
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1437], order[1437:]  # 80 / 20
    X = X / 16.0  # pixel values 0..16 -> 0..1
    return X[train], y[train], X[test], y[test]


@pytest.fixture(scope="module")
def xor():
    X, y = xor_points(200, seed=0)
    return X, y


def quiet_fit(*args, **kwargs):
    return fit(*args, progress=False, **kwargs)


# --- determinism -------------------------------------------------------------------------------

def test_same_seed_same_history_different_seed_different(xor):
    X, y = xor
    runs = []
    for fit_seed in (0, 0, 1):
        model = mlp([2, 4, 2], activation="tanh", seed=0)
        h = quiet_fit(model, softmax_cross_entropy, Adam(0.02), X, y, epochs=5, batch_size=16,
                      seed=fit_seed, validation=(X[:50], y[:50]))
        runs.append((h, model.params()))
    (h0, p0), (h1, p1), (h2, p2) = runs
    assert h0 == h1  # every recorded float identical
    assert all(np.array_equal(a, b) for a, b in zip(p0, p1))
    assert h0.loss != h2.loss
    assert not all(np.array_equal(a, b) for a, b in zip(p0, p2))


# --- what gets recorded ------------------------------------------------------------------------

def test_metrics_follow_the_kind_of_targets(xor):
    X, y = xor
    t = y.reshape(-1, 1).astype(float)
    onehot = np.eye(2)[y]
    cases = [
        (mlp([2, 3, 2], seed=0), softmax_cross_entropy, y, None,
         ("loss", "accuracy")),
        (mlp([2, 3, 2], seed=0), softmax_cross_entropy, y, (X, y),
         ("loss", "accuracy", "val_loss", "val_accuracy")),
        (mlp([2, 3, 1], output="sigmoid", seed=0), binary_cross_entropy, t, (X, t),
         ("loss", "accuracy", "val_loss", "val_accuracy")),
        (mlp([2, 3, 2], output="sigmoid", seed=0), half_sse, onehot, None,
         ("loss", "accuracy")),
        (mlp([2, 3, 1], seed=0), half_sse, X[:, :1] * X[:, 1:], (X, X[:, :1] * X[:, 1:]),
         ("loss", "val_loss")),  # regression: no accuracy
    ]
    for model, loss, targets, validation, metrics in cases:
        h = quiet_fit(model, loss, SGD(0.01), X, targets, epochs=2, batch_size=50, seed=0,
                      validation=validation)
        assert h.metrics == metrics
        assert len(h) == 2 and h.epoch == [1, 2]
        assert all(len(getattr(h, m)) == 2 for m in metrics)
        assert all(np.isfinite(getattr(h, m)).all() for m in metrics)


def test_epoch_loss_is_the_batch_size_weighted_mean(xor):
    """With a learning rate too small to matter, the epoch's training loss equals the loss of
    the whole set (softmax cross-entropy averages over its batch, the last batch is short)."""
    X, y = xor
    model = mlp([2, 3, 2], activation="tanh", seed=0)  # relu units all off would tie outputs
    before = evaluate(model, softmax_cross_entropy, X, y)
    h = quiet_fit(model, softmax_cross_entropy, SGD(1e-12), X, y, epochs=1, batch_size=64, seed=0)
    assert h.loss[0] == pytest.approx(before[0], rel=1e-9)
    assert h.accuracy[0] == pytest.approx(before[1], abs=1e-12)


def test_accuracy_helper():
    out = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(out, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(out, np.eye(2)[[1, 1, 1]]) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.7], [0.2], [0.5]]), np.array([1, 0, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="not classes"):
        accuracy(np.array([[0.7], [0.2]]), np.array([0.3, 2.0]))


def test_history_best_and_table():
    h = History(metrics=("loss", "val_loss", "val_accuracy"))
    for epoch, (a, b, c) in enumerate([(0.9, 0.8, 0.5), (0.5, 0.3, 0.75), (0.2, 0.3, 0.75),
                                       (0.1, 0.45, 0.7)], start=1):
        h.record(epoch, {"loss": a, "val_loss": b, "val_accuracy": c})
    assert h.best("val_loss") == (2, 0.3)  # earliest of a tie
    assert h.best("val_accuracy") == (2, 0.75)
    assert h.best("loss") == (4, 0.1)
    assert h.as_table() == "\n".join([
        " epoch    loss  val_loss  val_accuracy",
        "     1  0.9000    0.8000        0.5000",
        "     2  0.5000    0.3000        0.7500",
        "     3  0.2000    0.3000        0.7500",
        "     4  0.1000    0.4500        0.7000",
    ])
    assert h.as_table(every=3).splitlines()[1:] == ["     3  0.2000    0.3000        0.7500",
                                                    "     4  0.1000    0.4500        0.7000"]
    with pytest.raises(ValueError, match="'accuracy' was not recorded"):
        h.best("accuracy")
    with pytest.raises(ValueError, match="no epochs recorded"):
        History().best("loss")


# --- callbacks ---------------------------------------------------------------------------------

def overfitting_line():
    """A one-weight model w x: trained towards y = 2x, validated against y = 1x. Starting at
    w = 0, w climbs steadily to 2, so the validation loss falls until w passes 1 and then
    rises: a textbook early-stopping curve, with the best epoch known in advance."""
    X = np.linspace(-1.0, 1.0, 20)[:, None]
    model = Sequential([Dense(1, 1, init=lambda rng, i, o: np.zeros((i, o)), seed=0)])
    return model, X, 2.0 * X, X.copy()


def test_early_stopping_stops_and_restores_the_best_weights():
    model, X, y, y_val = overfitting_line()
    stop, snaps = EarlyStopping(patience=3), Snapshots()
    h = quiet_fit(model, half_sse, SGD(0.01), X, y, epochs=100, batch_size=20, seed=0,
                  validation=(X, y_val), callbacks=[stop, snaps])
    best = int(np.argmin(h.val_loss)) + 1
    assert 3 < best < 20
    assert np.all(np.diff(h.val_loss[:best]) < 0) and np.all(np.diff(h.val_loss[best - 1:]) > 0)
    assert np.all(np.diff(h.loss) < 0)  # training loss falls throughout
    assert (stop.best_epoch, stop.best) == h.best("val_loss") == (best, h.val_loss[best - 1])
    assert stop.stopped_epoch == best + 3 == len(h)
    assert snaps.epochs[-1] == len(h)
    np.testing.assert_array_equal(model.layers[0].W, snaps.params[best][0])  # restored
    assert evaluate(model, half_sse, X, y_val)[0] == h.val_loss[best - 1]


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, X, y, y_val = overfitting_line()
    stop, snaps = EarlyStopping(patience=2, restore_best=False), Snapshots()
    h = quiet_fit(model, half_sse, SGD(0.01), X, y, epochs=100, batch_size=20, seed=0,
                  validation=(X, y_val), callbacks=[stop, snaps])
    assert stop.stopped_epoch == stop.best_epoch + 2 == len(h)
    np.testing.assert_array_equal(model.layers[0].W, snaps.params[-1][0])


def test_early_stopping_on_accuracy_and_missing_metrics(xor):
    X, y = xor
    stop = EarlyStopping(monitor="val_accuracy", patience=2)
    h = quiet_fit(mlp([2, 4, 2], activation="tanh", seed=0), softmax_cross_entropy, Adam(0.05),
                  X, y, epochs=60, batch_size=16, seed=0, validation=(X, y), callbacks=[stop])
    assert stop.best == max(h.val_accuracy) and stop.stopped_epoch == len(h) < 60
    model, X1, y1, _ = overfitting_line()
    with pytest.raises(ValueError, match=r"needs validation=\(X_val, y_val\)"):
        quiet_fit(model, half_sse, SGD(0.01), X1, y1, epochs=2, batch_size=4, seed=0,
                  callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="'val_accuracy' is not recorded"):
        quiet_fit(model, half_sse, SGD(0.01), X1, y1, epochs=2, batch_size=4, seed=0,
                  validation=(X1, y1), callbacks=[EarlyStopping(monitor="val_accuracy")])
    with pytest.raises(ValueError, match="monitor must be"):
        EarlyStopping(monitor="val_mae")
    with pytest.raises(ValueError, match="patience must be >= 1"):
        EarlyStopping(patience=0)


@pytest.mark.parametrize("epochs, every, expected", [(7, 1, [0, 1, 2, 3, 4, 5, 6, 7]),
                                                     (7, 3, [0, 3, 6]), (0, 2, [0])])
def test_snapshots(xor, epochs, every, expected):
    X, y = xor
    model = mlp([2, 3, 2], seed=0)
    initial = [p.copy() for p in model.params()]
    snaps = Snapshots(every=every)
    quiet_fit(model, softmax_cross_entropy, Adam(0.01), X, y, epochs=epochs, batch_size=32,
              seed=0, callbacks=[snaps])
    assert snaps.epochs == expected and len(snaps.params) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(snaps.params[0], initial))
    assert all(s is not p for s in snaps.params[-1] for p in model.params())  # copies
    snaps.restore(model, 0)
    assert all(np.array_equal(a, b) for a, b in zip(model.params(), initial))
    with pytest.raises(ValueError, match="no snapshot of epoch 99"):
        snaps.restore(model, 99)


def test_custom_callback_stops_and_every_callback_sees_every_epoch(xor):
    X, y = xor

    class StopAt(Callback):
        def __init__(self, epoch):
            self.epoch, self.seen, self.ended = epoch, [], 0

        def on_epoch_end(self, state):
            self.seen.append(state.epoch)
            return state.epoch == self.epoch

        def on_train_end(self, state):
            self.ended += 1

    first, second = StopAt(2), StopAt(99)
    h = quiet_fit(mlp([2, 3, 2], seed=0), softmax_cross_entropy, SGD(0.1), X, y, epochs=10,
                  batch_size=32, seed=0, callbacks=[first, second])
    assert len(h) == 2 and first.seen == second.seen == [1, 2]
    assert first.ended == second.ended == 1


def test_train_end_runs_after_an_exception():
    """An error (or a KeyboardInterrupt) mid-training still closes the bar and restores the
    best weights seen so far."""

    class FailAt(Callback):
        def on_epoch_end(self, state):
            if state.epoch == 15:
                raise RuntimeError("boom")
            return False

    model, X, y, y_val = overfitting_line()
    stop, snaps = EarlyStopping(patience=100), Snapshots()
    with pytest.raises(RuntimeError, match="boom"):
        quiet_fit(model, half_sse, SGD(0.01), X, y, epochs=100, batch_size=20, seed=0,
                  validation=(X, y_val), callbacks=[stop, snaps, FailAt()])
    assert snaps.epochs[-1] == 15 and stop.best_epoch < 15
    np.testing.assert_array_equal(model.layers[0].W, snaps.params[stop.best_epoch][0])


# --- progress bar ------------------------------------------------------------------------------

def tiny_fit(progress):
    model = mlp([2, 1], seed=0)
    return fit(model, half_sse, SGD(0.1), np.ones((4, 2)), np.ones((4, 1)), epochs=3,
               batch_size=2, seed=0, progress=progress)


def test_progress_bar_counts_batches_and_shows_the_epoch_and_loss(capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    tiny_fit(progress=True)  # 3 epochs of 2 batches
    err = capsys.readouterr().err
    assert "epoch 3/3: 100%" in err and "6/6" in err and "loss=" in err


def test_batch_callbacks_see_every_step_and_the_batch_count(xor):
    X, y = xor
    X, y = X[:4], y[:4]

    class Count(Callback):
        def __init__(self):
            self.steps, self.batches = [], None

        def on_train_begin(self, state):
            self.batches = state.batches

        def on_batch_end(self, state):
            self.steps.append(state.epoch)

    count = Count()
    quiet_fit(mlp([2, 3, 2], seed=0), softmax_cross_entropy, SGD(0.1), X, y, epochs=2,
              batch_size=3, seed=0, callbacks=[count])
    assert count.batches == 2 and count.steps == [1, 1, 2, 2]  # batches of 3, then 1


def test_progress_bar_quiet_with_tqdm_disable_and_progress_false(capsys, monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert len(tiny_fit(progress=True)) == 3
    assert capsys.readouterr() == ("", "")
    monkeypatch.delenv("TQDM_DISABLE")
    assert len(tiny_fit(progress=False)) == 3
    assert capsys.readouterr() == ("", "")


def test_notebook_progress_bar_quiet_with_tqdm_disable(capsys, monkeypatch):
    """In Jupyter, tqdm.auto is tqdm.notebook, which ignores TQDM_DISABLE by itself (tqdm
    4.70): nbval would see a bar whose text changes from run to run."""
    import tqdm.auto
    import tqdm.notebook

    created = []

    class Recording(tqdm.notebook.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    tiny_fit(progress=True)
    assert len(created) == 1 and created[0].disable
    assert capsys.readouterr() == ("", "")


# --- learning ----------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", [RMSprop(1e-3), Adam(3e-3)], ids=["rmsprop", "adam"])
def test_digits_learned_to_95_percent(digit_split, optimizer):
    X, y, X_test, y_test = digit_split
    model = mlp([64, 64, 10], seed=0)
    start = time.perf_counter()
    h = quiet_fit(model, softmax_cross_entropy, optimizer, X, y, epochs=20, batch_size=32,
                  seed=0, validation=(X_test, y_test))
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = evaluate(model, softmax_cross_entropy, X_test, y_test)
    print(f"digits {optimizer}: test accuracy {test_accuracy:.4f} in {seconds:.2f} s")
    assert test_accuracy >= 0.95
    assert test_accuracy == h.val_accuracy[-1] and test_loss == pytest.approx(h.val_loss[-1])
    assert h.loss[-1] < h.loss[0] / 5


def test_xor_solved_by_a_small_tanh_network(xor):
    X, y = xor
    targets = y.reshape(-1, 1).astype(float)
    model = mlp([2, 4, 1], activation="tanh", output="sigmoid", seed=0)
    h = quiet_fit(model, binary_cross_entropy, SGD(0.5, momentum=0.9), X, targets, epochs=30,
                  batch_size=16, seed=0)
    assert h.accuracy[-1] == 1.0 and h.loss[-1] < 0.01
    X_new, y_new = xor_points(200, seed=1)
    assert evaluate(model, binary_cross_entropy, X_new, y_new.reshape(-1, 1))[1] == 1.0


def test_float32_model_trains_in_float32(xor):
    X, y = xor
    model = mlp([2, 4, 2], activation="tanh", seed=0, dtype=np.float32)
    h = quiet_fit(model, softmax_cross_entropy, Adam(0.05), X, y, epochs=20, batch_size=16,
                  seed=0)
    assert all(p.dtype == np.float32 for p in model.params())
    assert predict(model, X).dtype == np.float32
    assert h.accuracy[-1] >= 0.95


def test_divergence_is_a_result_not_an_error():
    model, X, y, _ = overfitting_line()
    stop = EarlyStopping(monitor="loss", patience=1000)
    h = quiet_fit(model, half_sse, SGD(10.0), X, y, epochs=1000, batch_size=20, seed=0,
                  callbacks=[stop])
    assert h.diverged and len(h) < 1000
    assert np.all(np.isfinite(h.loss))
    assert h.as_table().splitlines()[-1] == \
        f"diverged in epoch {len(h) + 1} (loss or weights not finite)"
    assert np.all(np.isfinite(model.layers[0].W))  # the best (first) weights are back
    assert stop.best_epoch == 1


def test_evaluate_and_predict(digit_split):
    X, y, _, _ = digit_split
    model = mlp([64, 16, 10], seed=1)
    out = predict(model, X)
    assert out.shape == (len(X), 10)
    np.testing.assert_allclose(predict(model, X, batch_size=7), out, rtol=1e-12, atol=1e-12)
    loss, acc = evaluate(model, softmax_cross_entropy, X, y)
    assert loss == softmax_cross_entropy(out, y)[0]
    assert acc == accuracy(out, y)
    batched = evaluate(model, softmax_cross_entropy, X, y, batch_size=100)
    assert batched[0] == pytest.approx(loss, rel=1e-12) and batched[1] == acc
    assert evaluate(model, half_sse, X, np.eye(10)[y])[1] == acc  # one-hot targets
    assert evaluate(mlp([64, 1], seed=0), half_sse, X, X.sum(axis=1, keepdims=True))[1] is None


# --- bad input ---------------------------------------------------------------------------------

def bad_fit(**changes):
    X, y = xor_points(40, seed=0)
    args = dict(model=mlp([2, 3, 2], seed=0), loss=softmax_cross_entropy, optimizer=SGD(0.1),
                X=X, y=y, epochs=2, batch_size=8, seed=0)
    args.update(changes)
    return quiet_fit(**args)


@pytest.mark.parametrize("changes, error, match", [
    ({"y": np.zeros(39, dtype=int)}, ValueError, "fit: X has 40 rows but y has 39"),
    ({"batch_size": 0}, ValueError, "fit: batch_size must be >= 1, got 0"),
    ({"epochs": -1}, ValueError, "fit: epochs must be >= 0, got -1"),
    ({"epochs": 2.5}, TypeError, "fit: epochs must be an integer"),
    ({"seed": None}, TypeError, "fit: seed must be an integer"),
    ({"y": np.arange(40) % 11}, ValueError,
     r"fit: y holds class labels in \[0, 10\] but the model's output has 2 columns, so "
     r"labels must be 0..1"),
    ({"y": np.arange(40) % 2 - 1}, ValueError, r"labels in \[-1, 0\]"),
    ({"validation": (np.zeros((5, 2)), np.full(5, 7))}, ValueError, r"y_val holds class labels"),
    ({"validation": (np.zeros((5, 2)), np.zeros(4, dtype=int))}, ValueError,
     "X_val has 5 rows but y_val has 4"),
    ({"validation": np.zeros((5, 2))}, TypeError, r"validation must be a pair"),
    ({"X": np.zeros((40, 3))}, ValueError,
     r"Dense 'dense_1': expects input \[B, 2\] \(n_in = 2\), got shape \(1, 3\)"),
    ({"X": np.zeros(40)}, ValueError, r"X must be \[n, features...\]"),
    ({"X": np.full((40, 2), np.nan)}, ValueError, "fit: X contains NaN or inf"),
    ({"X": np.zeros((0, 2)), "y": np.zeros(0, dtype=int)}, ValueError, "X is empty"),
    ({"y": np.full(40, np.inf)}, ValueError, "fit: y contains NaN or inf"),
    ({"loss": "mse"}, TypeError, "loss must be a function"),
    ({"optimizer": "adam"}, TypeError, r"optimizer must have step"),
    ({"model": [Dense(2, 2, seed=0)]}, TypeError, "model must be a layer or Sequential"),
    ({"callbacks": [print]}, TypeError, "is not a Callback"),
])
def test_fit_bad_input(changes, error, match):
    with pytest.raises(error, match=match):
        bad_fit(**changes)


def test_zero_epochs_is_an_empty_history():
    h = bad_fit(epochs=0)
    assert len(h) == 0 and h.loss == [] and not h.diverged


def test_evaluate_and_predict_bad_input():
    model = mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="evaluate: X has 3 rows but y has 2"):
        evaluate(model, softmax_cross_entropy, np.zeros((3, 2)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="evaluate: batch_size must be >= 1"):
        evaluate(model, softmax_cross_entropy, np.zeros((3, 2)), np.zeros(3, dtype=int),
                 batch_size=0)
    with pytest.raises(ValueError, match="predict: batch_size must be >= 1"):
        predict(model, np.zeros((3, 2)), batch_size=0)
    with pytest.raises(ValueError, match=r"Dense 'dense_1'.*got shape \(3, 5\)"):
        predict(model, np.zeros((3, 5)))


# --- issue 8: hardened entry points ------------------------------------------------------------

def test_fit_reports_a_huge_learning_rate_as_divergence_not_as_a_loss_error():
    # SGD(1e6) sends the logits to inf within an epoch; softmax_cross_entropy refuses them,
    # which fit must report as history.diverged (its docstring's promise), not raise
    X, y = moons(200, seed=0)
    model = mlp([2, 16, 3], seed=0)
    h = quiet_fit(model, softmax_cross_entropy, SGD(1e6), X, y, epochs=30, batch_size=32,
                  seed=0)
    assert h.diverged and len(h) < 30
    assert all(np.all(np.isfinite(p)) for p in model.params())


def test_accuracy_refuses_labels_outside_the_output_columns():
    with pytest.raises(ValueError, match=r"accuracy: targets holds class labels in "
                                         r"\[-7, 1000000\] but output has 2 columns"):
        accuracy(np.zeros((3, 2)), [5, -7, 10**6])
    with pytest.raises(ValueError, match="accuracy: output has 3 rows but targets has 2"):
        accuracy(np.zeros((3, 2)), [0, 1])


def test_a_single_layer_is_a_model_fit_can_train(xor):
    # fit's docstring allows a layer as the model; its backward has no input_grad
    X, y = xor
    h = quiet_fit(Dense(2, 2, seed=0), softmax_cross_entropy, SGD(0.1), X, y, epochs=3, seed=0)
    assert len(h) == 3 and h.loss[-1] < h.loss[0]


@pytest.mark.parametrize("X, error, match", [
    ([[1.0, 2.0], [3.0]], ValueError, "fit: X must be a numeric array"),
    (np.full((40, 2), 1j), TypeError, "fit: X must be real"),
    (None, TypeError, "fit: X must be a numeric array"),
])
def test_fit_names_unusable_data(X, error, match):
    with pytest.raises(error, match=match):
        bad_fit(X=X)


def test_fit_checks_the_data_once_not_every_batch(xor, monkeypatch):
    from lessons.kernels import checks

    calls = []
    real = checks.array
    monkeypatch.setattr(checks, "array", lambda *a, **k: calls.append(a[:2]) or real(*a, **k))
    X, y = xor
    quiet_fit(mlp([2, 4, 2], seed=0), softmax_cross_entropy, SGD(0.1), X, y, epochs=2,
              batch_size=20, seed=0)
    assert ("Sequential", "X") not in calls and ("fit", "X") in calls
