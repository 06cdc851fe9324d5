"""Faults of issue 25, classes 3 and 4: images that notebook 06's helpers trusted, and sliders not all equally careful.

Class 3 is fixed by one boundary check of images (``checks.check_images``) that every public
function taking images calls; class 4 by one check of a slider value (``checks.check_stop``)
that the slider shell (start, ``update``, a control's value set by hand) and every pure
``render_*`` use.  Each fault below must give a plain error whose message names what was
expected and what was received, as in ``tests/test_fault_battery.py``: a silent answer or an
obscure error fails the test.  The table of outcomes is written to
``test-output/faults_images_sliders.md``.
"""
from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import checks
from aehelpers.theory import pca as pca_lib
from aehelpers.views import latent, robustness, sliders
from aehelpers.views.pictures import to_png
from aehelpers.views.slider import Frame, Slider

RNG = np.random.default_rng(0)
DIGITS = RNG.random((3, 28, 28)).astype(np.float32)  # three "digits" in [0, 1]
RAW = (DIGITS * 255).round()  # the same, not divided by 255
WITH_NAN = DIGITS.copy()
WITH_NAN[0, 3, 3] = np.nan
FLAT = DIGITS.reshape(3, 784)
RESULTS: list[tuple[str, str, str, str]] = []


class FakeDecoder:
    """Just enough of a Keras decoder of 2 numbers to 28 × 28 images for the latent view (no Keras)."""

    inputs = [types.SimpleNamespace(shape=(None, 2))]
    outputs = [types.SimpleNamespace(shape=(None, 28, 28, 1))]

    def __init__(self, value=0.5):
        self.value = value

    def predict(self, z, batch_size=None, verbose=0):
        return np.full((len(z), 28, 28, 1), self.value, np.float32)


def noise_view():
    return robustness.prepare_noise_view(lambda x: x * 0.5, DIGITS, [0.0, 0.5, 1.0])


def threshold_view():
    normal, far = RNG.lognormal(-2.3, 0.2, 200), RNG.lognormal(-0.5, 0.2, 50)
    return robustness.prepare_threshold_view(normal, {"far": far}, n_stops=6)


def latent_view():
    return latent.prepare_latent_view(FakeDecoder(), np.linspace(-3, 3, 7))


def pca_view():
    x = RNG.random((100, 784))
    xc, mean = pca_lib.centre(x)
    return sliders.prepare_pca_view(pca_lib.fit_pca(xc, cache=False), x[:20], mean, n_digits=2)


def fake_sweep():
    """A two-model sweep (p = 2, 4) as ``render_bottleneck`` reads it, with its pictures."""
    png = to_png(np.zeros((4, 4)))
    sweep = types.SimpleNamespace(p_values=(2, 4), x_show=FLAT[:2], x_hat={2: FLAT[:2], 4: FLAT[:2]},
                                  val_loss={2: 0.2, 4: 0.1}, mse={2: 0.05, 4: 0.03}, dead={2: 0, 4: 1})
    return sweep, {2: (png, png), 4: (png, png)}


def predict_wrong_shape(after_a_first_call: bool):
    """``ae.cached(model.predict, x)`` with flattened digits for a model of (28, 28, 1) images."""
    import keras

    inputs = keras.Input(shape=(28, 28, 1))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs)), name="conv_like")
    if after_a_first_call:
        ae.cached(model.predict, DIGITS[..., None], verbose=0)
    return ae.cached(model.predict, FLAT, verbose=0)


def simple_slider():
    return Slider(lambda a: Frame(to_png(np.full((2, 2), a / 4)), f"a = {a}"), {"a": [1, 2, 3]})


def set_control(slider, name, value):
    slider.controls[name].value = value  # as code (or a user's cell) would set it


# (class, fault, call, words the message must hold)
FAULTS = [
    # --- class 3: notebook 06's helpers trust their images -----------------------------------------
    ("images", "noise view: raw 0..255 digits", lambda: ae.prepare_noise_view(lambda x: x, RAW, [0.0, 0.5]),
     ["x_clean", "[0, 1]", "255"]),
    ("images", "noise view: a NaN pixel", lambda: ae.prepare_noise_view(lambda x: x, WITH_NAN, [0.0, 0.5]),
     ["x_clean", "finite", "1 NaN"]),
    ("images", "noise view: the denoiser returns NaN",
     lambda: ae.prepare_noise_view(lambda x: x * np.nan, DIGITS, [0.0, 0.5]), ["denoise", "finite", "NaN"]),
    ("images", "noise view: the denoiser returns flattened halves",
     lambda: ae.prepare_noise_view(lambda x: x.reshape(len(x), -1)[:, :392], DIGITS, [0.0, 0.5]),
     ["denoise", "(28, 28, 1)", "(6, 392)"]),
    ("images", "anomaly score: reconstruction error against raw 0..255 digits",
     lambda: ae.mean_cross_entropy(DIGITS, RAW, per_image=True), ["targets X", "[0, 1]", "255"]),
    ("images", "anomaly score: NaN reconstructions",
     lambda: ae.mean_cross_entropy(WITH_NAN, DIGITS, per_image=True), ["reconstructions Z", "NaN"]),
    ("images", "threshold view: NaN scores (from NaN images)",
     lambda: ae.prepare_threshold_view([0.1, np.nan], {"x": [0.5]}), ["normal", "NaN"]),
    ("images", "ROC AUC: scores as strings", lambda: ae.roc_auc(["0.1", "0.2"], [0.5]), ["normal", "strings"]),
    ("images", "neg_elbo_parts: raw 0..255 digits",
     lambda: ae.neg_elbo_parts(RAW.reshape(3, 784), FLAT, np.zeros((3, 2)), np.zeros((3, 2))),
     ["targets X", "[0, 1]", "255"]),
    ("images", "neg_elbo_parts: NaN decoded digits",
     lambda: ae.neg_elbo_parts(FLAT, WITH_NAN.reshape(3, 784), np.zeros((3, 2)), np.zeros((3, 2))),
     ["reconstructions Z", "NaN"]),
    ("images", "neg_elbo_parts: NaN log-variance from the encoder",
     lambda: ae.neg_elbo_parts(FLAT, FLAT, np.zeros((3, 2)), np.full((3, 2), np.nan)),
     ["z_mean and z_log_var", "finite", "6 NaN"]),
    ("images", "entropy floor of raw 0..255 digits", lambda: ae.entropy_floor(RAW), ["targets X", "255"]),
    ("images", "mean-image baseline with raw 0..255 training digits",
     lambda: ae.mean_image_loss(RAW, DIGITS), ["x_train", "255"]),
    ("images", "check_pixels (training targets) with a NaN pixel",
     lambda: ae.check_pixels(WITH_NAN, "y"), ["y", "finite", "NaN"]),
    ("images", "images that are not a batch (one flat digit)",
     lambda: checks.check_images(FLAT[0], "x"), ["x", "(k, 784)", "(784,)"]),
    ("images", "latent map: a NaN code", lambda: ae.plot_latent_map([[0.0, np.nan], [1.0, 1.0]], [1, 2]),
     ["codes", "finite", "NaN"]),
    ("images", "latent map: 10 codes, 9 labels", lambda: ae.plot_latent_map(np.zeros((10, 2)), np.arange(9)),
     ["labels", "(10,)", "(9,)"]),
    ("images", "latent view: a NaN stop", lambda: ae.prepare_latent_view(FakeDecoder(), [-1.0, np.nan, 1.0]),
     ["stops", "finite", "nan"]),
    ("images", "latent view: 5 codes, 4 labels",
     lambda: ae.prepare_latent_view(FakeDecoder(), [-1.0, 1.0], codes=np.zeros((5, 2)), labels=np.arange(4)),
     ["labels", "(5,)", "(4,)"]),
    ("images", "latent view: a decoder drawing NaN",
     lambda: ae.prepare_latent_view(FakeDecoder(np.nan), [-1.0, 1.0]), ["decoder", "finite", "NaN"]),
    ("images", "decoded grid: raw 0..255 digits", lambda: ae.plot_grid(RAW[:1].repeat(4, 0), 2, lo=-1, hi=1),
     ["images", "[0, 1]", "255"]),
    ("images", "decoded grid: 3 digits for a 2 × 2 grid", lambda: ae.plot_grid(DIGITS, 2, lo=-1, hi=1),
     ["n × n = 4", "(3, 28, 28)"]),
    ("images", "cached predict: flattened digits for a (28, 28, 1) model", lambda: predict_wrong_shape(False),
     ["conv_like.predict", "(k, 28, 28, 1)", "(3, 784)"]),
    ("images", "cached predict: a wrong shape after a first call", lambda: predict_wrong_shape(True),
     ["conv_like.predict", "(k, 28, 28, 1)", "(3, 784)"]),
    # --- class 4: sliders are not all equally careful ------------------------------------------------
    ("sliders", "latent slider: start z1 = 5 outside [-3, 3]", lambda: ae.latent_slider(latent_view(), z1=5.0),
     ["z1", "[-3, 3]", "got 5"]),
    ("sliders", "latent slider: start z2 = '0' (a string)", lambda: ae.latent_slider(latent_view(), z2="0"),
     ["z2", "number", "'0'"]),
    ("sliders", "noise slider: start level = 2", lambda: ae.noise_slider(noise_view(), level=2.0),
     ["level", "[0, 1]", "got 2"]),
    ("sliders", "noise slider: start level = '0.5'", lambda: ae.noise_slider(noise_view(), level="0.5"),
     ["level", "number", "'0.5'"]),
    ("sliders", "threshold slider: start far above every score",
     lambda: ae.threshold_slider(threshold_view(), threshold=1e9), ["threshold", "range", "1e+09"]),
    ("sliders", "threshold slider: start = 'high'", lambda: ae.threshold_slider(threshold_view(), threshold="high"),
     ["threshold", "number", "'high'"]),
    ("sliders", "a control's value set to a non-stop", lambda: set_control(simple_slider(), "a", 7),
     ["a must be one of", "[1, 2, 3]", "got 7"]),
    ("sliders", "a control's value set to 2.0 (a float for integer stops)",
     lambda: set_control(simple_slider(), "a", 2.0), ["[1, 2, 3]", "got 2.0"]),
    ("sliders", "latent control set between stops", lambda: set_control(ae.latent_slider(latent_view()), "z1", 0.1),
     ["z1", "stops", "got 0.1"]),
    ("sliders", "render_bottleneck at p = 3, not a model of the sweep",
     lambda: ae.render_bottleneck(*fake_sweep(), 3), ["p", "[2, 4]", "got 3"]),
    ("sliders", "render_pca at p = -1", lambda: ae.render_pca(pca_view(), -1), ["p", "784", "got -1"]),
    ("sliders", "render_pca at p = 4.0 (a float)", lambda: ae.render_pca(pca_view(), 4.0), ["p", "got 4.0"]),
    ("sliders", "render_identity at p = 32, not trained",
     lambda: ae.render_identity({"families": [], "inputs": {}, "views": {8: {}, 1024: {}}}, 32),
     ["p", "[8, 1024]", "got 32"]),
    ("sliders", "render_noise at 0.3, not a precomputed level", lambda: ae.render_noise(noise_view(), 0.3),
     ["noise level", "[0.0, 0.5, 1.0]", "got 0.3"]),
    ("sliders", "render_threshold at 'x'", lambda: ae.render_threshold(threshold_view(), "x"),
     ["threshold", "stops", "got 'x'"]),
    ("sliders", "render_latent at z1 = NaN", lambda: ae.render_latent(latent_view(), float("nan"), 0.0),
     ["z1", "[-3, 3]", "nan"]),
    # --- notebook 03's remedies chart takes the rows of ae.error_table ------------------------------
    ("plots", "remedies chart: no rows", lambda: ae.plot_remedies([]), ["error_table rows", "got []"]),
    ("plots", "remedies chart: a row without its gap",
     lambda: ae.plot_remedies([{"model": "a", "digits": 0.1, "non-digits": 0.2}]),
     ["error_table rows", "'gap'", "{'model': 'a'"]),
    ("plots", "remedies chart: a NaN error",
     lambda: ae.plot_remedies([{"model": "a", "digits": 0.1, "non-digits": np.nan, "gap": np.nan}]),
     ["rows' errors", "finite", "2 NaN"]),
]


@pytest.mark.parametrize("klass,description,call,words", FAULTS, ids=[f[1] for f in FAULTS])
def test_fault_gives_a_clear_error(klass, description, call, words):
    try:
        call()
    except ValueError as err:
        missing = [w for w in words if w.lower() not in str(err).lower()]
        RESULTS.append((klass, description, "clear" if not missing else "obscure", str(err)))
        assert not missing, f"{description}: the message lacks {missing}: {err}"
        return
    except Exception as err:  # classified, then failed: an obscure error
        RESULTS.append((klass, description, "obscure", f"{type(err).__name__}: {err}"))
        raise AssertionError(f"{description}: {type(err).__name__}, not a ValueError: {err}") from err
    RESULTS.append((klass, description, "silent", "no error"))
    raise AssertionError(f"{description}: no error")


def test_right_inputs_still_work():
    """The checks refuse the faults above, not the notebooks' own calls."""
    view = latent_view()
    assert ae.latent_slider(view, z1=0.1, z2=0).values() == {"z1": 0.0, "z2": 0.0}  # nearest stop in range
    assert ae.noise_slider(noise_view(), level=0.4).values() == {"level": 0.5}
    assert ae.render_pca(pca_view(), np.int64(4)).label.startswith("p = 4 ·")
    assert ae.render_bottleneck(*fake_sweep(), 4).numbers["dead"] == 1
    slider = simple_slider()
    set_control(slider, "a", 3)
    assert slider.frame.label == "a = 3"
    assert ae.mean_cross_entropy(DIGITS[..., None], DIGITS) > 0 and checks.check_images(DIGITS).dtype == np.float32
    row = {"model": "a b", "digits": 0.1, "non-digits": 0.3, "gap": 0.2}
    assert len(ae.plot_remedies([row, row]).patches) == 6  # three bars per model


def teardown_module():
    out = Path(__file__).resolve().parents[1] / "test-output"
    out.mkdir(exist_ok=True)
    rows = "\n".join(f"| {k} | {d} | {o} | {m.splitlines()[0][:160].replace('|', '/')} |" for k, d, o, m in RESULTS)
    head = "| class | fault | outcome | message |\n|---|---|---|---|\n"
    (out / "faults_images_sliders.md").write_text(head + rows + "\n")
