"""Greedy layer-wise training: stacking copies the right weights, the baseline is right, bad input refused."""
import numpy as np
import pytest

from aehelpers.nets import greedy as gr
from aehelpers.nets.models import build_autoencoder, predict_in_chunks
from aehelpers.runtime import seed_everything


def test_mean_image_loss_by_hand():
    x_train = np.array([[0.0, 1.0], [1.0, 1.0]])
    x_test = np.array([[1.0, 0.0]])
    z = np.clip([0.5, 1.0], 1e-7, 1 - 1e-7)
    expected = np.mean([-np.log(z[0]), -np.log(1 - z[1])])
    assert gr.mean_image_loss(x_train, x_test) == pytest.approx(expected)


def test_stack_layers_makes_the_deep_encoder_the_composition_of_shallow_encoders():
    seed_everything(0)
    layers = [build_autoencoder(6, n=10), build_autoencoder(4, n=6, output_activation="relu", loss="mse"),
              build_autoencoder(2, n=4, output_activation="relu", loss="mse")]
    deep = build_autoencoder(2, n=10, hidden=(6, 4))
    gr.stack_layers(deep, layers)
    x = np.random.default_rng(0).random((5, 10)).astype(np.float32)
    h = x
    for layer in layers:
        h = predict_in_chunks(layer.encoder, h)
    assert np.allclose(predict_in_chunks(deep.encoder, x), h, atol=1e-6)
    z = h
    for layer in reversed(layers):
        z = predict_in_chunks(layer.decoder, z)
    assert np.allclose(predict_in_chunks(deep.model, x), z, atol=1e-6)


def test_greedy_training_runs_and_fine_tuning_helps():
    rng = np.random.default_rng(0)
    protos = (rng.random((4, 16)) < 0.4).astype(np.float32)
    x = protos[rng.integers(0, 4, 600)]
    x = np.clip(x + 0.05 * rng.standard_normal(x.shape), 0, 1).astype(np.float32)
    res = gr.train_greedy(x[:500], x[500:], p=2, hidden=(8, 4), pretrain_epochs=(2, 2, 2), finetune_epochs=8,
                          batch_size=32, progress=False)
    assert res.epochs == 14 and len(res.layers) == 3 and len(res.histories) == 4
    assert res.final_loss < res.stacked_loss
    assert res.final_loss == pytest.approx(res.histories[-1]["val_loss"][-1], rel=1e-3)


def test_bad_schedules_are_refused():
    x = np.zeros((10, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="one entry per layer"):
        gr.train_greedy(x, x, p=2, hidden=(3,), pretrain_epochs=(1, 1, 1))
    with pytest.raises(ValueError, match="each pretraining epoch count"):
        gr.train_greedy(x, x, p=2, hidden=(3,), pretrain_epochs=(1, 0))
    with pytest.raises(ValueError, match="same width"):
        gr.mean_image_loss(np.zeros((2, 3)), np.zeros((2, 4)))


def test_plot_losses_reads_a_greedy_history_dict_or_a_result():
    import matplotlib
    matplotlib.use("Agg")
    e2e = {"val_loss": [0.3, 0.2, 0.15, 0.12]}
    greedy = {"pretrain_epochs": 3, "stacked_loss": 0.25, "loss": [0.2], "val_loss": [0.18]}
    ax = gr.plot_losses(e2e, greedy, 0.27)
    assert len(ax.lines) == 4           # end to end, stacked point, fine-tuning, baseline
    with pytest.raises(ValueError, match="stacked_loss"):
        gr.plot_losses(e2e, {"val_loss": [0.1]}, 0.27)
