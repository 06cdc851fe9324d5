"""Bench figures for notebook 06 (issue 16), registered in ``bench/run.py`` as section ``notebook06``.

Notebook 06's cold and warm wall times are *not* measured here: ``series_s.per_notebook["06"]`` is
(section ``series_s``).  This section reads the models the reader gets from the cache of
``series_s``' cold run of 06 when that section ran first in the same bench run; otherwise it executes the
notebook once in full mode into a temporary cache (untimed):

* ``conv.val_bce``, ``vae.neg_elbo``: from the cache entries that run wrote (final validation
  cross-entropy of the conv autoencoder; final validation negative ELBO of the VAE as Keras estimates
  it, one sampled code per image), with the epochs they were trained for.
* ``conv.plain_val_bce``: the post's conv autoencoder trained the post's way (Adam 0.001, batch 128,
  50 epochs), for comparison with the notebook's short recipe; ``conv.plain_s`` its training time.
* ``vae.reference_neg_elbo``: keras.io's convolutional VAE recipe (latent size 2, Adam at its default
  rate, batch 128), trained for as many epochs as the notebook's VAE, same data, same NumPy estimate of
  the negative ELBO on the test set (one seed; kept for continuity).
* ``vae_seeds.*`` (issue 28.7; section ``vae_seeds`` of its own, losses only): the notebook's dense VAE (warm-up + cosine, batch 256) against the
  keras.io recipe (constant rate, batch 128), both in the same plain training loop, for the epochs
  notebook 06 gives its VAE in full mode.  Each
  side's learning rate is chosen among ``LR_CANDIDATES`` on a validation split carved from the
  training set (its last 10,000 digits; seed 0); then each side trains on all 60,000 training digits
  with ``cfg["vae_seeds"]`` seeds (≥ 3) and is scored on the test set: ``ours_mean``/``ours_spread``
  (mean and sample standard deviation over seeds), ``ours_per_seed``, ``ours_lr``, ``ours_val_by_lr``,
  the same ``reference_*``, and ``gap_mean`` (reference − ours) with ``gap_within_spread`` (True when
  |gap| is below the larger spread: the two recipes cannot be told apart at this many seeds).
* ``slider_ms.latent_median``: median milliseconds per move of the latent explorer (render + PNGs +
  widget update) over the reference VAE's decoder.
"""
from __future__ import annotations

import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_conv_denoising_vae.ipynb"


def post_conv_autoencoder():
    """The post's convolutional autoencoder (Conv2D 16-8-8, max-pooling, UpSampling2D decoder)."""
    import keras
    from keras import layers

    inp = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(inp)
    x = layers.MaxPooling2D(2, padding="same")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.UpSampling2D(2)(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.UpSampling2D(2)(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    x = layers.UpSampling2D(2)(x)
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inp, out)


def conv_plain_val_bce(data, epochs: int, seed: int) -> float:
    """Final validation BCE of the post's conv autoencoder after ``epochs`` plain Adam epochs, batch 128."""
    import aehelpers as ae

    x_train, x_test = data.x_train.reshape(-1, 28, 28, 1), data.x_test.reshape(-1, 28, 28, 1)
    ae.seed_everything(seed)
    model = post_conv_autoencoder()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    h = model.fit(x_train, x_train, epochs=epochs, batch_size=128, shuffle=True,
                  validation_data=(x_test, x_test), verbose=0)
    return float(h.history["val_loss"][-1])


def reference_vae(latent_dim: int = 2):
    """keras.io's VAE recipe: conv encoder (32, 64 filters, stride 2) → Dense 16 → (μ, log σ²); mirrored decoder.

    Returns ``(encoder, decoder)``; training is ``train_reference_vae``.  Written from the recipe's
    description (layer sizes, loss, optimizer), not copied.
    """
    import keras
    from keras import layers

    x = keras.Input(shape=(28, 28, 1))
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Dense(16, activation="relu")(layers.Flatten()(h))
    encoder = keras.Model(x, [layers.Dense(latent_dim)(h), layers.Dense(latent_dim)(h)])
    z = keras.Input(shape=(latent_dim,))
    g = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(z))
    g = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(g)
    g = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(g)
    decoder = keras.Model(z, layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid")(g))
    return encoder, decoder


def train_reference_vae(data, epochs: int, seed: int, latent_dim: int = 2):
    """Train ``reference_vae`` as keras.io does: Adam at its default rate (1e-3), batch 128, summed BCE + KL."""
    return train_vae("reference", data.x_train, epochs, lr=1e-3, seed=seed, latent_dim=latent_dim)


LR_CANDIDATES = {"ours": (3e-3, 1e-2), "reference": (1e-3, 3e-3)}


def dense_vae(latent_dim: int = 2, hidden: int = 512):
    """Notebook 06's VAE as ``(encoder, decoder)``: Dense(hidden) → (μ, log σ²); Dense(hidden) → Dense(784)."""
    import keras
    from keras import layers

    x = keras.Input(shape=(28, 28, 1))
    h = layers.Dense(hidden, activation="relu")(layers.Flatten()(x))
    encoder = keras.Model(x, [layers.Dense(latent_dim)(h), layers.Dense(latent_dim)(h)])
    z = keras.Input(shape=(latent_dim,))
    out = layers.Dense(784, activation="sigmoid")(layers.Dense(hidden, activation="relu")(z))
    decoder = keras.Model(z, layers.Reshape((28, 28, 1))(out))
    return encoder, decoder


def train_vae(side: str, x_train, epochs: int, lr: float, seed: int, latent_dim: int = 2):
    """Train one side (``"ours"``: dense VAE, batch 256, warm-up + cosine to ``lr``; ``"reference"``:
    keras.io's conv VAE, batch 128, constant ``lr``) with the same loop; returns ``(encoder, decoder)``."""
    import keras
    import tensorflow as tf

    import aehelpers as ae

    ae.seed_everything(seed)
    encoder, decoder = dense_vae(latent_dim) if side == "ours" else reference_vae(latent_dim)
    batch = 256 if side == "ours" else 128
    steps = -(-len(x_train) // batch)
    if side == "ours":
        recipe = ae.Recipe(epochs=epochs, batch_size=batch, learning_rate=lr, schedule="cosine",
                           warmup_epochs=min(1, epochs - 1))
        opt = recipe.optimizer(steps)
    else:
        opt = keras.optimizers.Adam(lr)
    params = encoder.trainable_variables + decoder.trainable_variables

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            mu, log_var = encoder(x, training=True)
            z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mu))
            rec = tf.reduce_sum(keras.losses.binary_crossentropy(x, decoder(z, training=True)), axis=(1, 2))
            kl = -0.5 * tf.reduce_sum(1 + log_var - tf.square(mu) - tf.exp(log_var), axis=1)
            loss = tf.reduce_mean(rec + kl)
        opt.apply_gradients(zip(tape.gradient(loss, params), params))

    x_train = np.asarray(x_train, dtype="float32").reshape(-1, 28, 28, 1)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for lo in range(0, len(order), batch):
            step(tf.constant(x_train[order[lo:lo + batch]]))
    return encoder, decoder


def vae_seeds(data, epochs: int, seeds: int, n_val: int = 10_000) -> dict:
    """``vae_seeds.*`` (module docstring): rate chosen on a validation split, then ``seeds`` seeds per side."""
    if seeds < 1:
        raise ValueError(f"seeds must be ≥ 1; got {seeds}")
    x_all = data.x_train.reshape(-1, 28, 28, 1).astype("float32")
    n_val = min(n_val, len(x_all) // 6)
    x_fit, x_val = x_all[:-n_val], x_all[-n_val:]
    x_test = data.x_test.reshape(-1, 28, 28, 1).astype("float32")
    out = {}
    for side, candidates in LR_CANDIDATES.items():
        by_lr = {lr: neg_elbo(*train_vae(side, x_fit, epochs, lr, 0), x_val, 0) for lr in candidates}
        lr = min(by_lr, key=by_lr.get)
        per_seed = [neg_elbo(*train_vae(side, x_all, epochs, lr, s), x_test, s) for s in range(seeds)]
        out.update({f"{side}_lr": lr, f"{side}_val_by_lr": ", ".join(f"{k:g}: {v:.2f}" for k, v in by_lr.items()),
                    f"{side}_per_seed": ", ".join(f"{v:.2f}" for v in per_seed),
                    f"{side}_mean": round(float(np.mean(per_seed)), 2),
                    f"{side}_spread": round(float(np.std(per_seed, ddof=1)) if seeds > 1 else 0.0, 2)})
        print(f"  notebook06: {side} VAE lr {lr:g} (validation {out[f'{side}_val_by_lr']}), test "
              f"{out[f'{side}_mean']:.2f} ± {out[f'{side}_spread']:.2f} over {seeds} seeds", flush=True)
    out["epochs"], out["seeds"] = epochs, seeds
    out["gap_mean"] = round(out["reference_mean"] - out["ours_mean"], 2)
    out["gap_within_spread"] = bool(abs(out["gap_mean"]) <= max(out["ours_spread"], out["reference_spread"]))
    return out


def notebook_vae_epochs(path: Path = NOTEBOOK) -> int:
    """The VAE's full-mode epochs as notebook 06 sets them (``vae_epochs = ae.by_mode(full=N, ...)``)."""
    text = "".join("".join(c["source"]) for c in json.loads(Path(path).read_text())["cells"])
    found = re.findall(r"vae_epochs\s*=\s*ae\.by_mode\(full=(\d+)", text)
    if len(found) != 1:
        raise ValueError(f"expected one 'vae_epochs = ae.by_mode(full=N, ...)' line in {path}; found {len(found)}")
    return int(found[0])


def bench_vae_seeds(cfg, data):
    """Section ``vae_seeds`` (module docstring): losses only, so it runs apart from notebook06's timings."""
    if cfg["smoke"]:  # tiny data, 1 epoch, 2 seeds: the code path only
        small = type("Small", (), {"x_train": data.x_train[:1200], "x_test": data.x_test[:300]})
        return {"vae_seeds": vae_seeds(small, 1, 2, n_val=200)}
    return {"vae_seeds": vae_seeds(data, notebook_vae_epochs(), cfg.get("vae_seeds", 3))}


def neg_elbo(encoder, decoder, x, seed: int) -> float:
    """Mean negative ELBO on ``x`` in nats per image (one sampled code per image), via ``ae.neg_elbo_parts``."""
    import aehelpers as ae

    mu, log_var = encoder.predict(x, batch_size=1000, verbose=0)
    eps = np.random.default_rng(seed).standard_normal(mu.shape).astype("float32")
    x_hat = decoder.predict(mu + np.exp(0.5 * log_var) * eps, batch_size=1000, verbose=0)
    rec, kl = ae.neg_elbo_parts(x.reshape(len(x), -1), x_hat.reshape(len(x), -1), mu, log_var)
    return float(np.mean(rec + kl))


def latent_median_ms(decoder, moves: int, seed: int) -> float:
    """Median ms per latent-explorer move (render, PNG encoding, widget update) over ``decoder``."""
    import aehelpers as ae

    view = ae.prepare_latent_view(decoder, np.round(np.linspace(-3, 3, 21), 2),
                                      codes=np.random.default_rng(seed).normal(size=(2000, 2)),
                                      labels=np.arange(2000) % 10)
    slider = ae.latent_slider(view)
    rng = np.random.default_rng(seed)
    times = []
    for _ in range(moves):
        z1, z2 = (float(view.z1[i]) for i in rng.integers(0, len(view.z1), size=2))
        t = time.perf_counter()
        slider.update(z1=z1, z2=z2)
        times.append((time.perf_counter() - t) * 1000)
    return float(statistics.median(times))


def run_notebook(cache: str, figures: str, out: str) -> None:
    """Execute notebook 06 in full mode with the given cache folder (not timed: see ``series_s``)."""
    env = dict(os.environ, AEHELPERS_CACHE=cache, AEHELPERS_FIGURES=figures, MPLBACKEND="Agg", AEHELPERS_QUICK="0")
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", out,
           "--ExecutePreprocessor.timeout=-1", str(NOTEBOOK)]
    subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=ROOT)
    kept = ROOT / "build" / "bench-executed" / NOTEBOOK.name  # what it printed, for reading
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes((Path(out) / NOTEBOOK.name).read_bytes())


def _final_val(cache: str, name: str) -> tuple[float, int]:
    """Final validation loss and epochs of the first ``cached_fit`` entry of model ``name`` in ``cache``: the
    main line's model (an exercise may train another model of the same name later in the run)."""
    found = sorted(glob.glob(f"{cache}/fit_{name}-*/meta.json"), key=os.path.getmtime)
    if not found:
        raise FileNotFoundError(f"no cached fit of model {name!r} in {cache}")
    meta_path = found[0]
    meta = json.loads(Path(meta_path).read_text())
    return float(meta["history"]["val_loss"][-1]), int(meta["key"]["arguments"]["epochs"])


def read_models(cache: str) -> dict:
    """``{"conv": (val BCE, epochs), "vae": (val negative ELBO, epochs)}`` from a full-mode run's cache folder."""
    return {"conv": _final_val(cache, "conv_autoencoder"), "vae": _final_val(cache, "vae")}


def bench_notebook06(cfg, data, out):
    """Fill conv.*, vae.* and slider_ms.latent_median (see the module docstring)."""
    seed, smoke = cfg["seed"], cfg["smoke"]
    conv, vae = {}, {}
    vae_epochs = 1
    if not smoke:
        models = cfg.get("nb06_models")  # left by section series_s when it ran in this bench run
        if models is None:
            with tempfile.TemporaryDirectory() as tmp:
                run_notebook(f"{tmp}/cache", f"{tmp}/figures", f"{tmp}/out")
                models = read_models(f"{tmp}/cache")
        (conv["val_bce"], conv["epochs"]), (vae["neg_elbo"], vae_epochs) = models["conv"], models["vae"]
        print(f"  notebook06: conv {conv['val_bce']:.4f} after {conv['epochs']} epochs, "
              f"VAE {vae['neg_elbo']:.1f} nats after {vae_epochs}", flush=True)
    encoder, decoder = train_reference_vae(data, vae_epochs, seed)
    vae["reference_neg_elbo"] = round(neg_elbo(encoder, decoder, data.x_test.reshape(-1, 28, 28, 1), seed), 2)
    vae["epochs"] = vae_epochs
    out.setdefault("slider_ms", {})["latent_median"] = round(latent_median_ms(decoder, cfg["moves"], seed), 2)
    plain_epochs = 1 if smoke else 50
    t = time.perf_counter()
    conv["plain_val_bce"] = round(conv_plain_val_bce(data, plain_epochs, seed), 5)
    conv["plain_s"] = round(time.perf_counter() - t, 1)
    conv["plain_epochs"] = plain_epochs
    out["conv"] = {k: round(v, 5) if isinstance(v, float) else v for k, v in conv.items()}
    out["vae"] = {k: round(v, 2) if isinstance(v, float) else v for k, v in vae.items()}
    return out
