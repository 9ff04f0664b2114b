"""Chapter 10, RNNs: predicting time sequences with recurrent networks (Ekman, Chapter 9),
the book-store forecast, its baselines, and the recurrent model that beats them.

Ekman's pipeline (Code Snippets 9-1 to 9-6): the oldest 80% of the months train, the newest
20% test (a split by time: shuffling first would leak the future); both are standardized with
the *training* mean and standard deviation; from each part, every month after the first
MIN = 12 is the target of one example whose input is all the months before it, *in that part*
(the test examples never see the training months). 339 months -> 271 + 68 -> 259 + 56 examples.

The book zero-pads every input to the longest one (270 steps) so that they fit one tensor. We
run each part as one sequence instead: the example "months 0..k -> month k+1" is then simply
the state after step k, so one pass over 271 months serves all 259 training examples, and a
minibatch is a set of steps whose errors count. The book mentions the variable-length option
beside padding; it changes the start state of short examples, not the model.
"""
import functools

import numpy as np

from lessons.kernels import (
    clip_by_global_norm, rnn_backward, rnn_forward, time_dense_backward, time_dense_forward,
)
from lessons.kernels import checks
from lessons.optim import Adam

MIN_HISTORY = 12  # Ekman's MIN: an example sees at least a year
TRAIN_FRACTION = 0.8


def book_split(sales, train_fraction=TRAIN_FRACTION):
    """(train, test): the oldest int(len * fraction) months, and the rest (271 and 68)."""
    sales = checks.array("book_split", "sales", sales, ndim=1, shape="[months]")
    split = int(len(sales) * train_fraction)
    return sales[:split].copy(), sales[split:].copy()


def standardize(train, *others):
    """(train_std, *others_std, mean, std), all scaled with the training mean and (population)
    standard deviation, as Ekman's Code Snippet 9-3 does."""
    mean, std = float(np.mean(train)), float(np.std(train))
    return ((train - mean) / std, *((o - mean) / std for o in others), mean, std)


def _series(func, series, min_history):
    """(series as a 1-D float array, min_history): months enough for at least one example,
    min_history of them and a target."""
    series = checks.array(func, "series", series, ndim=1, shape="[months]")
    min_history = checks.number(func, "min_history", min_history, low=1, integer=True)
    if len(series) <= min_history:
        raise ValueError(f"{func}: series has {len(series)} months but min_history is "
                         f"{min_history}: an example needs {min_history} months and a target "
                         f"month, so at least {min_history + 1}")
    return series, min_history


def padded_examples(series, min_history=MIN_HISTORY):
    """The book's tensors: X[N, len - 1, 1] with each history zero-padded at the front, and
    y[N], for N = len - min_history examples."""
    series, min_history = _series("padded_examples", series, min_history)
    n = len(series)
    X, y = np.zeros((n - min_history, n - 1, 1)), np.zeros(n - min_history)
    for i in range(n - min_history):
        X[i, -(i + min_history):, 0] = series[:i + min_history]
        y[i] = series[i + min_history]
    return X, y


def naive_errors(series, min_history=MIN_HISTORY, lag=1):
    """(MSE, MAE) of predicting each target month with the month `lag` before it, over the
    same targets as the examples: lag 1 is Ekman's naive predictor ("next month = this
    month"), lag 12 the seasonal-naive one ("= the same month last year"). 1 <= lag <=
    min_history: every target's guess lies inside the series."""
    f = "naive_errors"
    series, min_history = _series(f, series, min_history)
    lag = checks.number(f, "lag", lag, low=1, high=min_history, integer=True)
    target = series[min_history:]
    guess = series[min_history - lag:len(series) - lag]
    error = guess - target  # both 1-D: no (N, 1) - (N,) broadcast to (N, N) (Ekman, L5223)
    return float(np.mean(error ** 2)), float(np.mean(np.abs(error)))


class SalesRNN:
    """SimpleRNN(n, tanh) over the months -> Dense(1) on each state: n(n + 2) + n + 1
    parameters, 16,769 for Ekman's n = 128. Float64, with the recurrent kernels' fixed-order
    sums, so the chapter's training prints the same digits on every CPU.

    Initialisation as Keras': input weights Glorot-uniform, recurrent weights orthogonal,
    biases zero; the read-out Glorot-uniform.
    """

    def __init__(self, n=128, *, seed):
        rng = np.random.default_rng(checks.number("SalesRNN", "seed", seed, low=0, integer=True))
        self.n = n = checks.number("SalesRNN", "n", n, low=1, integer=True)
        a = np.sqrt(6.0 / (1 + n))
        self.U = rng.uniform(-a, a, size=(1, n))
        q, r = np.linalg.qr(rng.normal(size=(n, n)))
        self.W = np.ascontiguousarray(q * np.sign(np.diag(r)))
        self.b = np.zeros(n)
        a = np.sqrt(6.0 / (n + 1))
        self.V = rng.uniform(-a, a, size=(n, 1))
        self.c = np.zeros(1)

    def params(self):
        return [self.U, self.W, self.b, self.V, self.c]

    @property
    def n_params(self):
        return sum(p.size for p in self.params())

    def states(self, series):
        """H[T, 1, n]: the hidden state after each month of the 1-D series."""
        return rnn_forward(np.asarray(series, dtype=np.float64)[:, None, None],
                           np.zeros((1, self.n)), self.U, self.W, self.b)

    def predict(self, series):
        """Forecasts[T]: entry k is the forecast for month k + 1 from months 0..k."""
        H = self.states(series)
        return time_dense_forward(H, self.V, self.c)[:, 0, 0]

    def gradients(self, series, steps):
        """(loss, grads): the MSE of the forecasts made after `steps` (the examples of one
        minibatch) and its gradient for each of params(), by BPTT over the whole series."""
        X = np.asarray(series, dtype=np.float64)[:, None, None]
        h0 = np.zeros((1, self.n))
        H = rnn_forward(X, h0, self.U, self.W, self.b)
        Y = time_dense_forward(H, self.V, self.c)
        dY = np.zeros_like(Y)
        error = Y[steps, 0, 0] - X[steps + 1, 0, 0]
        dY[steps, 0, 0] = 2.0 * error / len(steps)
        dH, dV, dc = time_dense_backward(H, self.V, dY)
        _, _, dU, dW, db = rnn_backward(X, h0, self.U, self.W, H, dH)
        return float(np.mean(error ** 2)), [dU, dW, db, dV, dc]


def example_steps(series, min_history=MIN_HISTORY):
    """The steps whose state forecasts an example's target: min_history - 1 .. len - 2."""
    return np.arange(min_history - 1, len(series) - 1)


def mse(model, series, min_history=MIN_HISTORY):
    """(MSE, MAE) of the model's forecasts over the examples of one part."""
    steps = example_steps(series, min_history)
    error = model.predict(series)[steps] - np.asarray(series)[steps + 1]
    return float(np.mean(error ** 2)), float(np.mean(np.abs(error)))


def train_sales_rnn(train, test, *, n=128, epochs=100, batch_size=16, lr=1e-3, max_norm=1.0,
                    seed=0, every=0, on_snapshot=None):
    """Train SalesRNN(n) as Ekman does (Adam, MSE, batch 16, shuffled examples, 100 epochs),
    with global-norm clipping. Returns (model, history) where history rows are
    (epoch, train MSE, test MSE). on_snapshot(epoch, model), if given, runs every `every`
    epochs (and after the last), e.g. to keep forecasts for a plot."""
    model = SalesRNN(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    optimizer = Adam(lr)
    steps = example_steps(train)
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(steps)
        for start in range(0, len(order), batch_size):
            _, grads = model.gradients(train, np.sort(order[start:start + batch_size]))
            clip_by_global_norm(grads, max_norm)  # in place
            optimizer.step(model.params(), grads)
        if every and (epoch % every == 0 or epoch == epochs):
            history.append((epoch, mse(model, train)[0], mse(model, test)[0]))
            if on_snapshot is not None:
                on_snapshot(epoch, model)
    return model, history


def the_book_data():
    """Ekman's set-up on the shipped series: a dict with the month labels, the raw sales,
    the standardized train and test parts (271 and 68 months) and the training mean and std."""
    from lessons.data import load_book_sales
    labels, sales = load_book_sales()
    train, test = book_split(sales)
    train_std, test_std, mean, std = standardize(train, test)
    return dict(labels=labels, sales=sales, train=train_std, test=test_std, mean=mean, std=std)


@functools.lru_cache(maxsize=4)
def sales_run(n=128, epochs=30, seed=0, every=5):
    """The chapter's training run, kept once per process: the data, the trained model, its
    history rows (epoch, train MSE, test MSE) and `snapshots`, {epoch: (train forecasts,
    test forecasts)} every `every` epochs (standardized units). A second call with the same
    arguments returns the kept run, whatever kernels `use` swaps in since: to train on
    another rnn_backward, call train_sales_rnn."""
    data = the_book_data()
    snapshots = {}

    def keep(epoch, model):
        snapshots[epoch] = (model.predict(data["train"]), model.predict(data["test"]))

    model, history = train_sales_rnn(data["train"], data["test"], n=n, epochs=epochs,
                                     seed=seed, every=every, on_snapshot=keep)
    return dict(data, model=model, history=history, snapshots=snapshots)
