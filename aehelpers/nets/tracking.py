"""Watching a linear autoencoder find the PCA subspace while Keras trains it: a callback.

``track_subspace(x_test, U_ref)`` is a Keras callback that, after every epoch, reads the model's
two kernels as Baldi's A and B and writes into the epoch's logs the test MSE, the principal
cosines between col(A) and the reference basis (u₁ … u_p) and the seconds since training began.
Because it writes into the logs, the numbers land in ``history`` and a cached fit
(``ae.cached_fit``) remembers them with the weights; ``subspace_history(history)`` reads them back
as arrays.  The first epoch's seconds include Keras' tracing (and XLA's compilation when it is on).

Introduced in notebook 02.
"""
from __future__ import annotations

import time

import numpy as np

from aehelpers.checks import as_matrix
from aehelpers.theory import linear as lin

_COSINE_KEY = "cosine_{:03d}"  # one history entry per principal cosine, largest first


def track_subspace(x_test, U_ref):
    """A Keras callback logging ``test_mse``, ``cosine_001`` … and ``seconds`` after every epoch.

    ``x_test`` (m × n, centred like the training data) and ``U_ref`` (n × k, the basis col(A)
    should reach) are fixed when the callback is made; the model needs layers named ``"encoding"``
    and ``"decoding"`` without biases (the linear autoencoder of notebook 02).
    """
    x_test = as_matrix(x_test, "x_test", dtype=np.float64)
    U_ref = as_matrix(U_ref, "U_ref", dtype=np.float64)
    if U_ref.shape[0] != x_test.shape[1]:
        raise ValueError(f"U_ref must have one row per pixel of x_test ({x_test.shape[1]}); got shape {U_ref.shape}")
    import keras

    from aehelpers.nets.training import weights_AB

    class SubspaceTracker(keras.callbacks.Callback):
        """Test MSE, principal cosines with ``U_ref`` and elapsed seconds, written into each epoch's logs."""

        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if logs is None:
                return
            A, B = weights_AB(self.model)
            logs["test_mse"] = lin.reconstruction_mse(x_test, A, B)
            for k, c in enumerate(lin.principal_cosines(A, U_ref)):
                logs[_COSINE_KEY.format(k + 1)] = float(c)
            logs["seconds"] = time.perf_counter() - self.start

    return SubspaceTracker()


def subspace_history(history) -> dict:
    """What :func:`track_subspace` logged, as arrays: ``test_mse`` and ``seconds`` (epochs,), ``cosines`` (epochs × k)."""
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or "test_mse" not in history:
        got = sorted(history) if isinstance(history, dict) else type(history).__name__
        raise ValueError(f"expected the history of a fit with ae.track_subspace(...) among its callbacks "
                         f"(keys 'test_mse', 'cosine_001', ...); got {got}")
    k = sum(1 for name in history if name.startswith("cosine_"))
    cosines = np.array([history[_COSINE_KEY.format(i + 1)] for i in range(k)], dtype=np.float64).T
    return {"test_mse": np.asarray(history["test_mse"], dtype=np.float64),
            "seconds": np.asarray(history["seconds"], dtype=np.float64), "cosines": cosines}
