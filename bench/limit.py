"""What this machine can do for the blog's 784-32-784 model, without Keras: the bench's "limit".

``NumpyAutoencoder`` trains the same model with the same arithmetic as Keras does it: float32,
Dense(32, relu) → Dense(784, sigmoid), binary cross-entropy taken from the logits (as Keras does
for a sigmoid output), its gradient through the five GEMMs of forward and backward, and Keras'
Adam (lr 1e-3, β = 0.9 / 0.999, ε = 1e-7), on shuffled batches of 256 (the last one short), with
the validation loss after every epoch as ``fit(validation_data=...)`` computes it.
``gemm_epoch`` is the floor under any implementation: the five GEMMs of one epoch alone, through
NumPy's BLAS, on preallocated arrays.  ``framework_gemm_epoch`` runs the same five GEMMs through
TensorFlow, 16 batches per call as the series' compile does, with XLA or without: the floor under a
Keras epoch on that path, which says how much of the gap to NumPy is the framework's matrix products.
``XlaLoopAutoencoder`` trains the model as ``NumpyAutoencoder`` does, in TensorFlow with each call's loop
over 16 batches compiled by XLA: how much of the rest is Keras' per-step machinery.
Used by ``bench/run.py``, section ``recipes``.
"""
from __future__ import annotations

import time

import numpy as np

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def _bce_from_logits(a: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of targets ``y`` and sigmoid(``a``), computed stably from the logits."""
    return float(np.mean(np.maximum(a, 0) - a * y + np.log1p(np.exp(-np.abs(a)))))


class NumpyAutoencoder:
    """784 → 32 (relu) → 784 (sigmoid) trained by Adam on the BCE, in plain float32 NumPy."""

    def __init__(self, weights, learning_rate: float = 1e-3):
        self.params = [np.array(w, dtype=np.float32) for w in weights]  # W1, b1, W2, b2 (Keras' order)
        self.m = [np.zeros_like(w) for w in self.params]
        self.v = [np.zeros_like(w) for w in self.params]
        self.lr, self.t = np.float32(learning_rate), 0

    def _step(self, xb: np.ndarray) -> None:
        W1, b1, W2, b2 = self.params
        h = xb @ W1                                   # GEMM 1
        h += b1
        np.maximum(h, 0, out=h)
        a = h @ W2                                    # GEMM 2
        a += b2
        with np.errstate(over="ignore"):
            g = 1 / (1 + np.exp(-a))                  # sigmoid
        g -= xb
        g *= np.float32(1.0 / g.size)                 # d(mean BCE)/d logits = (sigmoid(a) - x) / (B · 784)
        dW2 = h.T @ g                                 # GEMM 3
        db2 = g.sum(axis=0)
        dh = g @ W2.T                                 # GEMM 4
        dh *= h > 0
        dW1 = xb.T @ dh                               # GEMM 5
        db1 = dh.sum(axis=0)
        self.t += 1
        alpha = self.lr * np.float32(np.sqrt(1 - BETA_2 ** self.t) / (1 - BETA_1 ** self.t))
        for w, grad, m, v in zip(self.params, (dW1, db1, dW2, db2), self.m, self.v):
            m += (grad - m) * np.float32(1 - BETA_1)
            v += (grad * grad - v) * np.float32(1 - BETA_2)
            w -= alpha * m / (np.sqrt(v) + np.float32(EPSILON))

    def loss(self, x: np.ndarray, chunk: int = 2048) -> float:
        """Mean BCE of the reconstruction of ``x`` (as Keras' ``evaluate``/``val_loss``)."""
        W1, b1, W2, b2 = self.params
        total = 0.0
        for i in range(0, len(x), chunk):
            xb = x[i:i + chunk]
            a = np.maximum(xb @ W1 + b1, 0) @ W2 + b2
            total += _bce_from_logits(a, xb) * len(xb)
        return total / len(x)

    def fit_epoch(self, x: np.ndarray, rng: np.random.Generator, batch_size: int = 256, x_val=None) -> dict:
        """One shuffled epoch over ``x`` (and the validation loss on ``x_val``); returns seconds and val_loss."""
        t = time.perf_counter()
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch_size):
            self._step(x[order[i:i + batch_size]])
        val = self.loss(x_val) if x_val is not None else None
        return {"seconds": time.perf_counter() - t, "val_loss": val}



class XlaLoopAutoencoder:
    """The same model, arithmetic and batches as ``NumpyAutoencoder``, in TensorFlow with the loop over each
    call's batches compiled by XLA too: a call runs up to ``steps_per_call`` steps as one XLA program.

    Keras' ``fit`` with ``steps_per_execution`` and ``jit_compile=True`` compiles one step and runs it once per
    batch from an uncompiled loop (a ``tf.while_loop`` fetching each batch from its dataset); this row measures
    what the same framework does without that per-step machinery.  Batch shapes met for the first time
    (a call's full 16, the epoch's remaining full batches, the short last batch) each compile once.
    """

    def __init__(self, weights, learning_rate: float = 1e-3, steps_per_call: int = 16):
        import tensorflow as tf

        self.tf, self.k, self.lr = tf, steps_per_call, learning_rate
        self.params = [tf.Variable(np.array(w, dtype=np.float32)) for w in weights]  # W1, b1, W2, b2
        self.m = [tf.Variable(tf.zeros_like(w)) for w in self.params]
        self.v = [tf.Variable(tf.zeros_like(w)) for w in self.params]
        self.t = tf.Variable(0.0)
        self._steps = tf.function(self._run_steps, jit_compile=True)
        self._bce_sum = tf.function(self._bce_sum_of, jit_compile=True)

    def _run_steps(self, xs):  # xs: (steps, batch, 784); the loop is unrolled into one XLA program
        tf = self.tf
        for i in range(xs.shape[0]):
            W1, b1, W2, b2 = self.params
            xb = xs[i]
            h = tf.nn.relu(xb @ W1 + b1)
            g = (tf.sigmoid(h @ W2 + b2) - xb) / float(xb.shape[0] * xb.shape[1])
            dh = tf.matmul(g, W2, transpose_b=True) * tf.cast(h > 0, tf.float32)
            grads = (tf.matmul(xb, dh, transpose_a=True), tf.reduce_sum(dh, 0),
                     tf.matmul(h, g, transpose_a=True), tf.reduce_sum(g, 0))
            self.t.assign_add(1.0)
            alpha = self.lr * tf.sqrt(1 - BETA_2 ** self.t) / (1 - BETA_1 ** self.t)
            for w, grad, m, v in zip(self.params, grads, self.m, self.v):
                m.assign_add((grad - m) * (1 - BETA_1))
                v.assign_add((grad * grad - v) * (1 - BETA_2))
                w.assign_sub(alpha * m / (tf.sqrt(v) + EPSILON))

    def _bce_sum_of(self, xb):
        tf = self.tf
        W1, b1, W2, b2 = self.params
        a = tf.nn.relu(xb @ W1 + b1) @ W2 + b2
        return tf.reduce_sum(tf.maximum(a, 0) - a * xb + tf.math.log1p(tf.exp(-tf.abs(a))))

    def loss(self, x: np.ndarray, chunk: int = 2000) -> float:
        """Mean BCE of the reconstruction of ``x``, as ``NumpyAutoencoder.loss``."""
        return sum(float(self._bce_sum(x[i:i + chunk])) for i in range(0, len(x), chunk)) / x.size

    def fit_epoch(self, x: np.ndarray, rng: np.random.Generator, batch_size: int = 256, x_val=None) -> dict:
        """One shuffled epoch over ``x`` (and the validation loss on ``x_val``); returns seconds and val_loss."""
        t = time.perf_counter()
        order = rng.permutation(len(x))
        full = len(x) // batch_size
        for start in range(0, full, self.k):  # calls of k full batches, then the rest, then the short batch
            steps = min(self.k, full - start)
            self._steps(x[order[start * batch_size:(start + steps) * batch_size]].reshape(steps, batch_size, -1))
        if len(x) % batch_size:
            self._steps(x[order[full * batch_size:]][None])
        val = self.loss(x_val) if x_val is not None else None
        return {"seconds": time.perf_counter() - t, "val_loss": val}

def gemm_epoch(m: int, n: int = 784, p: int = 32, batch_size: int = 256, seed: int = 0) -> float:
    """Seconds for the five GEMMs of forward + backward over one epoch of ``m`` examples, nothing else."""
    rng = np.random.default_rng(seed)
    x = rng.random((batch_size, n), dtype=np.float32)
    W1, W2 = rng.standard_normal((n, p), dtype=np.float32), rng.standard_normal((p, n), dtype=np.float32)
    h, a, dW2 = np.empty((batch_size, p), np.float32), np.empty((batch_size, n), np.float32), np.empty((p, n), np.float32)
    dh, dW1 = np.empty((batch_size, p), np.float32), np.empty((n, p), np.float32)
    t = time.perf_counter()
    for i in range(0, m, batch_size):
        b = min(batch_size, m - i)
        np.matmul(x[:b], W1, out=h[:b])
        np.matmul(h[:b], W2, out=a[:b])
        np.matmul(h[:b].T, a[:b], out=dW2)
        np.matmul(a[:b], W2.T, out=dh[:b])
        np.matmul(x[:b].T, dh[:b], out=dW1)
    return time.perf_counter() - t


_FRAMEWORK_STEPS = {}


def framework_gemm_epoch(m: int, *, jit_compile: bool, n: int = 784, p: int = 32, batch_size: int = 256,
                         steps_per_call: int = 16, seed: int = 0) -> float:
    """Seconds for the five GEMMs of ``m // batch_size`` full batches through a TensorFlow function that runs
    ``steps_per_call`` batches per call (XLA-compiled if ``jit_compile``); the first call, which traces and
    compiles, is made before timing, once per setting."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    W1, W2 = (tf.constant(rng.standard_normal(s, dtype=np.float32)) for s in ((n, p), (p, n)))
    xs = tf.constant(rng.random((steps_per_call, batch_size, n), dtype=np.float32))
    key = (jit_compile, n, p, batch_size, steps_per_call)
    if key not in _FRAMEWORK_STEPS:
        @tf.function(jit_compile=jit_compile)
        def chunk(xs, W1, W2):
            total = tf.zeros(())
            for k in range(steps_per_call):  # unrolled, as steps_per_execution unrolls the train step
                x = xs[k]
                h = x @ W1
                a = h @ W2
                dW2 = tf.matmul(h, a, transpose_a=True)
                dh = tf.matmul(a, W2, transpose_b=True)
                dW1 = tf.matmul(x, dh, transpose_a=True)
                total += dW2[0, 0] + dW1[0, 0]  # keeps every product alive
            return total
        chunk(xs, W1, W2).numpy()
        _FRAMEWORK_STEPS[key] = chunk
    chunk = _FRAMEWORK_STEPS[key]
    calls = max(1, round(m / batch_size / steps_per_call))
    t = time.perf_counter()
    for _ in range(calls):
        chunk(xs, W1, W2).numpy()
    return (time.perf_counter() - t) * (m / batch_size) / (calls * steps_per_call)  # scaled to the epoch's batches
