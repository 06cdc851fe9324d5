"""The bottleneck sweep: trained through the model cache, used and never trusted blindly."""
import dataclasses
import warnings

import numpy as np
import pytest

import aehelpers as ae
from aehelpers.nets import sweep as sw

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
    assert "retraining, entry not trusted: " in capsys.readouterr().out  # names the sweep_p4 entry
    # retrained, p=4 comes out exactly as it did the first time (seeded, deterministic)
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


def test_raw_pixels_are_refused_before_anything_is_trained(data, tmp_path):
    raw = dataclasses.replace(data, x_train=data.x_train * 255)
    with pytest.raises(ValueError, match=r"data.x_train must hold values in \[0, 1\].*divide pixels by 255"):
        sw.train_sweep(raw, P, seed=3, recipe=RECIPE, root=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []  # no entry was written


def test_one_epoch_with_the_default_recipe_keeps_no_warm_up(data, tmp_path):
    out = sw.train_sweep(data, (2,), epochs=1, seed=3, root=tmp_path, progress=False, verbose=False)
    assert out.recipes[2].epochs == 1 and out.recipes[2].warmup_epochs == 0


def test_shallow_forward_matches_keras(first, data):
    for p in P:
        codes, recon, loss = sw.shallow_forward(first.models[p], data.x_test)
        np.testing.assert_allclose(codes, first.models[p].encoder.predict(data.x_test, verbose=0), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(recon, first.models[p].model.predict(data.x_test, verbose=0), rtol=1e-4, atol=1e-6)
        assert loss == pytest.approx(first.models[p].model.evaluate(data.x_test, data.x_test, verbose=0), rel=1e-5)


def test_recipe_by_p_picks_the_first_step_that_covers_p():
    small, large = sw.Recipe(epochs=3, batch_size=32), sw.Recipe(epochs=2, batch_size=64)
    by_p = sw.RecipeByP(((4, small), (64, large)))
    assert [by_p.for_p(p) for p in (1, 4, 5, 64, 128)] == [small, small, large, large, large]
    assert sw.FAST.for_p(2) is not sw.FAST.for_p(128) and sw.PLAIN.for_p(2) is sw.PLAIN
    short = sw.FAST.with_epochs(1)
    assert all(r.epochs == 1 and r.warmup_epochs == 0 for _, r in short.steps)
    assert sw.FAST.describe().splitlines()[0].startswith("p ≤ 4: 30 epochs, batches of 512")


@pytest.mark.parametrize("steps, message", [((), "non-empty"), (((4, "fast"),), "pairs"),
                                            (((8, sw.PLAIN), (4, sw.PLAIN)), "must increase"),
                                            (((0, sw.PLAIN),), "p_max")])
def test_bad_recipe_steps_are_named(steps, message):
    with pytest.raises(ValueError, match=message):
        sw.RecipeByP(steps)


def test_each_p_is_trained_and_keyed_with_its_own_recipe(data, tmp_path):
    by_p = sw.RecipeByP(((2, sw.Recipe(epochs=1, batch_size=64)), (8, sw.Recipe(epochs=2, batch_size=64))))
    out = sw.train_sweep(data, (2, 4), seed=3, recipe=by_p, root=tmp_path, progress=False, verbose=False)
    assert [len(out.histories[p]["loss"]) for p in (2, 4)] == [1, 2]
    assert out.recipes == {2: by_p.for_p(2), 4: by_p.for_p(4)}
    with pytest.raises(ValueError, match="recipe must be a Recipe or a RecipeByP; got dict"):
        sw.train_sweep(data, (2,), seed=3, recipe={2: by_p}, root=tmp_path, progress=False)


def test_worker_processes_train_what_one_process_trains(first, data, tmp_path):
    """workers=2: the missing models are trained in two spawned processes and stored; this process then
    loads them. Same keys, same recipe: the losses match the in-process sweep's (one TensorFlow thread
    instead of several may change the last digits, not more)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="sweep:")  # a failed worker falls back with this warning
        par = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=tmp_path, progress=False, verbose=False,
                             workers=2)
    assert not any(par.hits.values()) and par.train_seconds > 0
    for p in P:
        assert par.val_loss[p] == pytest.approx(first.val_loss[p], rel=2e-3)
    assert sorted(q.name.split("-")[0] for q in tmp_path.iterdir() if q.name.startswith("sweep_p")) == \
        sorted(f"sweep_p{p}" for p in P)
    again = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=tmp_path, progress=False, verbose=False,
                           workers=2)
    assert again.hit  # the workers' entries are the ones the in-process path reads


def test_default_workers_only_for_full_size_data(monkeypatch):
    monkeypatch.setattr(sw.os, "cpu_count", lambda: 2)
    assert sw.default_workers(7, 60_000) == 2
    assert sw.default_workers(1, 60_000) == 1     # one model: nothing to share
    assert sw.default_workers(7, 2_000) == 1      # quick mode: a worker's start-up costs more than it saves
    monkeypatch.setattr(sw.os, "cpu_count", lambda: None)
    assert sw.default_workers(7, 60_000) == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_workers_named(bad, data, tmp_path):
    with pytest.raises(ValueError, match="workers"):
        sw.train_sweep(data, (2,), seed=3, recipe=RECIPE, root=tmp_path, progress=False, workers=bad)


def test_without_worker_processes_the_sweep_trains_here(data, tmp_path, monkeypatch):
    import subprocess

    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    with pytest.warns(RuntimeWarning, match="could not train in worker processes.*no processes here"):
        out = sw.train_sweep(data, (2, 4), seed=3, recipe=RECIPE, root=tmp_path, progress=False, verbose=False,
                             workers=2)
    assert not any(out.hits.values()) and out.val_loss[4] < 0.6931


def test_a_failing_worker_is_reported_and_its_models_trained_here(data, tmp_path, monkeypatch):
    monkeypatch.setattr(sw.pickle, "dump", lambda obj, f: f.write(b"not a pickle"))  # every worker fails at once
    with pytest.warns(RuntimeWarning, match=r"worker process for p=.*exit code 1 .*UnpicklingError"):
        out = sw.train_sweep(data, (2, 4), seed=3, recipe=RECIPE, root=tmp_path, progress=False,
                             verbose=False, workers=2)
    assert not any(out.hits.values()) and out.val_loss[2] < 0.6931


def test_share_out_balances_cost():
    plan = sw._share_out([2, 4, 8, 16, 32, 64, 128], {q: sw.FAST.for_p(q) for q in sw.DEFAULT_P}, 2)
    cost = [sum(sw.FAST.for_p(q).epochs * (q + 64) for q in jobs) for jobs in plan]
    assert sorted(q for jobs in plan for q in jobs) == list(sw.DEFAULT_P) and max(cost) / min(cost) < 1.1
    assert sw._share_out([8], {8: sw.FAST.for_p(8)}, 2) == [[8]]


def test_start_sweep_trains_in_the_background_and_train_sweep_collects(first, data, tmp_path):
    said = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=2)
    assert said == f"sweep: training p={list(P)} in 2 background processes" and len(sw._BACKGROUND) == 1
    out = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=tmp_path, progress=False, verbose=False)
    assert not sw._BACKGROUND and not any(out.hits.values())   # waited for, and reported as trained now
    for p in P:
        assert out.val_loss[p] == pytest.approx(first.val_loss[p], rel=2e-3)
    assert sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path) == "sweep: all 3 models are in the cache"


def test_start_sweep_leaves_small_data_to_train_sweep(data, tmp_path):
    said = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path)   # 640 images: not worth a process
    assert said == "sweep: 3 models to train, later, in this process" and not sw._BACKGROUND
    with pytest.raises(ValueError, match="workers"):
        sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=0)
