"""The latent explorer, grids and interpolation, with a tiny Keras decoder."""
import numpy as np
import pytest

from aehelpers.views import latent
from aehelpers.views.slider import Frame


@pytest.fixture(scope="module")
def decoder():
    import keras
    z = keras.Input(shape=(2,))
    out = keras.layers.Dense(784, activation="sigmoid")(z)
    return keras.Model(z, keras.layers.Reshape((28, 28, 1))(out))


def test_grid_codes_layout():
    g = latent.grid_codes(3, -1, 1)
    assert g.shape == (9, 2)
    assert list(g[:3, 0]) == [-1, 0, 1] and list(g[:3, 1]) == [1, 1, 1]  # top row: largest z2
    with pytest.raises(ValueError, match="n must be"):
        latent.grid_codes(1)


def test_interpolate_ends():
    path = latent.interpolate(np.zeros(2), np.ones(2), 5)
    assert path.shape == (5, 2) and np.allclose(path[0], 0) and np.allclose(path[-1], 1)
    with pytest.raises(ValueError, match="same shape"):
        latent.interpolate(np.zeros(2), np.zeros(3))


def test_view_and_render(decoder):
    stops = np.linspace(-3, 3, 7)
    codes = np.random.default_rng(0).normal(size=(50, 2))
    view = latent.prepare_latent_view(decoder, stops, codes=codes, labels=np.arange(50) % 10)
    assert view.digits.shape == (7, 7, 28, 28)
    expected = decoder.predict(np.array([[1.0, -2.0]], np.float32), verbose=0).reshape(28, 28)
    assert np.allclose(view.digits[4, 1], expected, atol=1e-6)
    frame = latent.render_latent(view, 1.0, -2.0)
    assert isinstance(frame, Frame) and len(frame.images) == 2 and frame.numbers["z1"] == 1.0
    assert "+1.00, -2.00" in frame.label
    # one map for every stop; the cross is a mark at the code's place (z1 = 1 of ±3: 2/3 across; z2 = -2: 5/6 down)
    other = latent.render_latent(view, -3.0, 3.0)
    assert other.images[1] == frame.images[1] and other.images[0] != frame.images[0]
    (j, x, y, kind), = frame.marks
    assert (j, kind) == (1, "cross") and abs(x - 2 / 3) < 0.01 and abs(y - 5 / 6) < 0.01


@pytest.mark.parametrize("z1,z2,match", [(3.5, 0.0, r"z1 must lie .*\[-3, 3\]; got 3.5"),
                                         (0.0, -7, r"z2 must lie .*got -7"),
                                         ("0", 0.0, "z1 must be a number")])
def test_render_outside_range(decoder, z1, z2, match):
    view = latent.prepare_latent_view(decoder, np.linspace(-3, 3, 5))
    with pytest.raises(ValueError, match=match):
        latent.render_latent(view, z1, z2)


def test_slider_moves(decoder):
    view = latent.prepare_latent_view(decoder, np.round(np.linspace(-3, 3, 21), 2))
    slider = latent.latent_slider(view, z1=0.1, z2=0.0)
    assert slider.values() == {"z1": 0.0, "z2": 0.0}
    frame = slider.update(z1=-3.0, z2=3.0)
    assert frame.numbers["z1"] == -3.0 and frame.numbers["z2"] == 3.0
    with pytest.raises(ValueError, match="z1 must be one of"):
        slider.update(z1=4.0)


def test_decoder_of_another_latent_size():
    import keras
    z = keras.Input(shape=(1,))
    dec1 = keras.Model(z, keras.layers.Dense(784)(z))
    with pytest.raises(ValueError, match="at least 2 numbers .*takes 1 number$"):
        latent.prepare_latent_view(dec1, [-1.0, 1.0])
    with pytest.raises(ValueError, match="code with 2 numbers .*takes 1 number"):
        latent.check_decoder(dec1)
    z = keras.Input(shape=(3,))
    dec3 = keras.Model(z, keras.layers.Dense(784)(z))
    with pytest.raises(ValueError, match="code with 2 numbers .*takes 3 numbers"):
        latent.check_decoder(dec3)
    view = latent.prepare_latent_view(dec3, [-1.0, 1.0], codes=np.zeros((5, 3)), labels=np.arange(5))
    expected = dec3.predict(np.array([[1.0, -1.0, 0.0]], np.float32), verbose=0).reshape(28, 28)
    assert np.allclose(view.digits[1, 0], expected, atol=1e-6)  # the third number held at 0


def test_plots_label_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = latent.plot_latent_map(np.zeros((10, 2)), np.arange(10))
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_xlabel() and ax.get_ylabel()
    ax = latent.plot_grid(np.zeros((4, 28, 28)), 2, lo=-1, hi=1)
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_xlabel() == "z₁"
    _, given = plt.subplots()
    assert latent.plot_latent_map(np.zeros((3, 2)), np.arange(3), ax=given) is given  # draws where it is told
    assert latent.plot_grid(np.zeros((4, 28, 28)), 2, lo=-1, hi=1, ax=given) is given
    plt.close("all")
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        latent.plot_latent_map(np.zeros((10, 3)), np.arange(10))
