"""The bottleneck sweep: side-by-side training is exact, the cache is used and never trusted blindly."""
import dataclasses

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import sweep as sw

P = (2, 4, 8)
RECIPE = sw.Recipe(epochs=2, batch_size=64, learning_rate=3e-3, schedule="cosine")


@pytest.fixture(scope="module")
def data():
    return ae.load_mnist(source="sample", n_train=640, n_test=200, verbose=False)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("sweep-cache")


@pytest.fixture(scope="module")
def first(data, root):
    return sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False)


def test_a_branch_trains_exactly_as_if_alone(data):
    together, _, _ = sw.fit_side_by_side((4, 8), data.x_train, RECIPE, seed=5, progress=False)
    alone, _, _ = sw.fit_side_by_side((8,), data.x_train, RECIPE, seed=5, progress=False)
    for name in ("encoding", "decoding"):
        for a, b in zip(together[8].model.get_layer(name).get_weights(), alone[8].model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_split_models_reproduce_the_branches(data):
    ae.seed_everything(0)
    both = sw.build_side_by_side((2, 4), seed=0)
    singles = sw.split_side_by_side(both, (2, 4))
    x = data.x_test[:16]
    out = 1.0 / (1.0 + np.exp(-both.predict(x, verbose=0)))  # the side-by-side model outputs logits
    np.testing.assert_allclose(singles[2].model.predict(x, verbose=0), out[:, :784], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(singles[4].model.predict(x, verbose=0), out[:, 784:], rtol=1e-5, atol=1e-6)


def test_first_call_trains_and_learns(first, data):
    assert first.p_values == P and not any(first.hits.values()) and first.train_seconds > 0
    for p in P:
        assert first.val_loss[p] < 0.6931  # better than the untrained output 0.5 everywhere (ln 2)
        assert 0 <= first.dead[p] <= p and 0.0 <= first.zero_fraction[p] <= 1.0
        assert first.x_hat[p].shape == (6, 784) and first.codes[p].shape == (6, p)
    assert first.x_show.shape == (6, 784)
    assert 0.0 < first.floor < min(first.val_loss.values())


def test_second_call_hits_the_cache_and_matches(first, data, root):
    again = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False)
    assert again.hit and again.train_seconds == 0.0
    for p in P:
        assert again.val_loss[p] == pytest.approx(first.val_loss[p], rel=1e-6)
        np.testing.assert_allclose(again.x_hat[p], first.x_hat[p], rtol=1e-6, atol=1e-7)


def test_metrics_are_the_models_own_evaluation(first, data):
    for p in P:
        net = first.models[p]
        assert first.val_loss[p] == pytest.approx(net.model.evaluate(data.x_test, data.x_test, verbose=0), rel=1e-5)
        recon = net.model.predict(data.x_test, verbose=0)
        assert first.mse[p] == pytest.approx(float(np.mean((recon - data.x_test) ** 2)), rel=1e-5)
        dead = int(np.sum(np.all(net.encoder.predict(data.x_test, verbose=0) <= 0, axis=0)))
        assert first.dead[p] == dead


def test_a_truncated_entry_is_retrained_not_loaded(first, data, root, capsys):
    model_file = first.paths[4] / "model.keras"
    blob = model_file.read_bytes()
    model_file.write_bytes(blob[: len(blob) // 3])
    again = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False)
    assert again.hits == {2: True, 4: False, 8: True}
    assert "retraining p=4, entry not trusted" in capsys.readouterr().out
    # retrained alone, p=4 comes out exactly as it did beside p=2 and p=8
    assert again.val_loss[4] == pytest.approx(first.val_loss[4], rel=1e-6)
    assert sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False).hit


def test_the_key_names_everything_that_shapes_the_model(data):
    base = dict(seed=1, source="s", x_train=data.x_train)
    key = sw.sweep_key(8, RECIPE, **base)
    assert {"architecture", "p", "epochs", "batch_size", "learning_rate", "schedule", "data_source",
            "n_train", "data_sha", "seed", "versions"} <= set(key)
    variants = [sw.sweep_key(4, RECIPE, **base), sw.sweep_key(8, dataclasses.replace(RECIPE, epochs=3), **base),
                sw.sweep_key(8, RECIPE, **{**base, "seed": 2}), sw.sweep_key(8, RECIPE, **{**base, "x_train": data.x_train[:-1]}),
                sw.sweep_key(8, dataclasses.replace(RECIPE, learning_rate=1e-3), **base)]
    assert all(v != key for v in variants)


@pytest.mark.parametrize("bad, message", [((), "at least one"), ((4, 2), "strictly increasing"),
                                          ((2, 2), "strictly increasing"), ((0, 4), "each p"), (5, "sequence")])
def test_bad_p_values_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        sw.check_p_values(bad)


@pytest.mark.parametrize("kwargs, message", [({"epochs": 0}, "epochs"), ({"epochs": 1, "learning_rate": 0}, "learning_rate"),
                                             ({"epochs": 1, "schedule": "step"}, "schedule")])
def test_bad_recipes_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sw.Recipe(**kwargs)


def test_show_indices_are_checked(data, root):
    with pytest.raises(ValueError, match="show"):
        sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=[0, 10_000], root=root, progress=False)


def test_evaluate_codes_counts_dead_units():
    codes = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])
    assert sw.evaluate_codes(codes) == (1, pytest.approx(0.5))


def test_plain_recipe_trains_one_model_the_blog_way(data):
    out = sw.plain_recipe(data, 4, epochs=1, batch_size=64, seed=0)
    assert out["p"] == 4 and out["history"]["epochs"] == 1 and out["seconds"] > 0
    assert out["val_loss"] < 0.6931
    assert out["val_loss"] == pytest.approx(out["model"].model.evaluate(data.x_test, data.x_test, verbose=0), rel=1e-5)


def test_a_branch_computes_what_the_single_model_trains_on(data):
    """Side by side, the loss is each single model's own compiled loss, summed."""
    ae.seed_everything(0)
    both = sw.build_side_by_side((2, 4), seed=0)
    both.compile(optimizer="adam", loss=sw.summed_cross_entropy(2))
    singles = sw.split_side_by_side(both, (2, 4))
    x = data.x_test[:64]
    summed = both.evaluate(x, x, verbose=0)
    separate = sum(singles[p].model.evaluate(x, x, verbose=0) for p in (2, 4))
    assert summed == pytest.approx(separate, rel=1e-5)


def test_shallow_forward_matches_keras(first, data):
    for p in P:
        codes, recon, loss = sw.shallow_forward(first.models[p], data.x_test)
        np.testing.assert_allclose(codes, first.models[p].encoder.predict(data.x_test, verbose=0), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(recon, first.models[p].model.predict(data.x_test, verbose=0), rtol=1e-4, atol=1e-6)
        assert loss == pytest.approx(first.models[p].model.evaluate(data.x_test, data.x_test, verbose=0), rel=1e-5)
