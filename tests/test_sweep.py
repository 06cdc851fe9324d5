"""The bottleneck sweep: a plan computed once per p, a handle, a process pool, trained through the cache."""
import concurrent.futures as cf
import dataclasses
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache
from aehelpers.nets import recipes
from aehelpers.nets import sweep as sw
from aehelpers.nets import workers as wk

P = (2, 4, 8)
RECIPE = recipes.Recipe(epochs=2, batch_size=64, learning_rate=3e-3, schedule="cosine")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    return ae.load_mnist(source="sample", n_train=640, n_test=200, verbose=False)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("sweep-cache")


@pytest.fixture(scope="module")
def first(data, root):
    return sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False)


def count_fits(monkeypatch):
    """Wrap ``cache.cached_fit``: the list of p's it trained (a miss), whichever thread called it."""
    trained, real = [], cache.cached_fit

    def counting(model, *args, **kwargs):
        out = real(model, *args, **kwargs)
        if not out.hit:
            trained.append(int(model.get_layer("encoding").units))
        return out

    monkeypatch.setattr(cache, "cached_fit", counting)
    return trained


def thread_pool(workers, owner=None):
    """A pool whose 'workers' are one thread of this process: monkeypatches reach them, and so do fit counts."""
    return cf.ThreadPoolExecutor(1)


# --- the plan ------------------------------------------------------------------------------------

def test_the_plan_holds_one_record_per_p_computed_once(data, tmp_path, monkeypatch):
    calls, real = [], cache.fit_entry
    monkeypatch.setattr(cache, "fit_entry", lambda *a, **k: calls.append(1) or real(*a, **k))
    plan = sw.plan_sweep(data, P, seed=3, recipe=recipes.FAST, epochs=2, root=tmp_path)
    assert len(calls) == len(P) and plan.p_values == P and plan.missing() == P
    for step in plan.steps:
        assert step.recipe == recipes.FAST.for_p(step.p).with_epochs(2)
        assert step.folder.parent == tmp_path and not step.folder.exists()
        assert step.model.get_layer("encoding").units == step.p
    assert len({step.folder for step in plan.steps}) == len(P)
    out = sw.SweepJob(plan, workers=1).result(show=3, progress=False, verbose=False)
    assert len(calls) == len(P) and plan.missing() == () and out.paths == {s.p: s.folder for s in plan.steps}


def test_the_entry_changes_with_everything_that_shapes_the_model(data, tmp_path):
    def folder(p=8, recipe=RECIPE, seed=1, x=data.x_train):
        return sw.plan_sweep(dataclasses.replace(data, x_train=x), (p,), seed=seed, recipe=recipe,
                             root=tmp_path).steps[0].folder

    base = folder()
    assert folder() == base
    variants = [folder(p=4), folder(recipe=dataclasses.replace(RECIPE, epochs=3)), folder(seed=2),
                folder(x=data.x_train[:-1]), folder(recipe=dataclasses.replace(RECIPE, learning_rate=1e-3))]
    assert all(v != base for v in variants) and len(set(variants)) == len(variants)


# --- training in this process -------------------------------------------------------------------

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


def test_a_truncated_entry_is_retrained_not_loaded(first, data, root):
    payload = max((f for f in first.paths[4].iterdir() if f.name != "meta.json"), key=lambda f: f.stat().st_size)
    blob = payload.read_bytes()
    payload.write_bytes(blob[: len(blob) // 3])
    again = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False)
    assert again.hits == {2: True, 4: False, 8: True}
    # retrained, p=4 comes out exactly as it did the first time (seeded, deterministic)
    assert again.val_loss[4] == pytest.approx(first.val_loss[4], rel=1e-6)
    assert sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=root, progress=False).hit


def test_shallow_forward_matches_keras(first, data):
    for p in P:
        codes, recon, loss = sw.shallow_forward(first.models[p], data.x_test)
        np.testing.assert_allclose(codes, first.models[p].encoder.predict(data.x_test, verbose=0), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(recon, first.models[p].model.predict(data.x_test, verbose=0), rtol=1e-4, atol=1e-6)
        assert loss == pytest.approx(first.models[p].model.evaluate(data.x_test, data.x_test, verbose=0), rel=1e-5)


def test_each_p_is_trained_and_keyed_with_its_own_recipe(data, tmp_path):
    one, two = recipes.Recipe(epochs=1, batch_size=64), recipes.Recipe(epochs=2, batch_size=64)
    by_p = recipes.RecipeByP(((2, one), (8, two)))
    out = sw.train_sweep(data, (2, 4), seed=3, recipe=by_p, root=tmp_path, progress=False, verbose=False)
    assert [len(out.histories[p]["loss"]) for p in (2, 4)] == [1, 2]
    assert out.recipes == {2: by_p.for_p(2), 4: by_p.for_p(4)}
    with pytest.raises(ValueError, match="recipe must be a Recipe or a RecipeByP; got dict"):
        sw.train_sweep(data, (2,), seed=3, recipe={2: by_p}, root=tmp_path, progress=False)


def test_one_epoch_with_the_default_recipe_keeps_no_warm_up(data, tmp_path):
    out = sw.train_sweep(data, (2,), epochs=1, seed=3, root=tmp_path, progress=False, verbose=False)
    assert out.recipes[2].epochs == 1 and out.recipes[2].warmup_epochs == 0


# --- the handle ---------------------------------------------------------------------------------

def test_start_sweep_leaves_small_data_to_result_in_this_process(data, tmp_path, monkeypatch):
    trained = count_fits(monkeypatch)
    job = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path)   # 640 images: not worth a process
    assert str(job) == "sweep: 3 models to train, later, in this process" and job.done() and trained == []
    out = job.result(show=4, progress=False, verbose=False)
    assert sorted(trained) == list(P) and not any(out.hits.values())
    again = job.result(show=2, progress=False, verbose=False)    # collected once: nothing trained, nothing loaded
    assert sorted(trained) == list(P) and again.hits == out.hits and again.x_show.shape == (2, 784)
    assert str(sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path)) == "sweep: all 3 models are in the cache"


def test_the_sweep_keeps_no_state_in_its_modules(data, tmp_path):
    before = {m: {k: id(v) for k, v in vars(m).items()} for m in (sw, wk)}
    job = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=1)
    job.result(progress=False, verbose=False)
    assert {m: {k: id(v) for k, v in vars(m).items()} for m in (sw, wk)} == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_workers_named(bad, data, tmp_path):
    with pytest.raises(ValueError, match="workers"):
        sw.train_sweep(data, (2,), seed=3, recipe=RECIPE, root=tmp_path, progress=False, workers=bad)
    with pytest.raises(ValueError, match="workers"):
        sw.start_sweep(data, (2,), seed=3, recipe=RECIPE, root=tmp_path, workers=bad)


# --- models built by the caller (notebook 04's loop) ----------------------------------------------

def _given_models(p_values, n_train, recipe=RECIPE):
    """What notebook 04's loop builds: the blog's layers, compiled with the recipe's Adam, XLA on."""
    import keras

    models = {}
    for q in p_values:
        ae.seed_everything(3)
        inputs = keras.Input(shape=(784,))
        code = keras.layers.Dense(q, activation="relu", name="encoding")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(784, activation="sigmoid", name="decoding")(code))
        model.compile(optimizer=recipe.optimizer(recipe.steps_per_epoch(n_train)), loss="binary_crossentropy",
                      jit_compile=True, steps_per_execution=16)
        models[q] = model
    return models


def test_start_sweep_trains_the_models_it_is_given(data, tmp_path, monkeypatch):
    trained = count_fits(monkeypatch)
    given = _given_models((2, 4), len(data.x_train))
    before = given[4].get_weights()[0].copy()
    out = sw.start_sweep(data, given, seed=3, recipe=RECIPE, root=tmp_path).result(progress=False, verbose=False)
    assert out.p_values == (2, 4) and sorted(trained) == [2, 4] and not any(out.hits.values())
    assert out.models[4].model is given[4] and not np.array_equal(given[4].get_weights()[0], before)
    again = sw.start_sweep(data, _given_models((2, 4), len(data.x_train)), seed=3, recipe=RECIPE, root=tmp_path)
    assert str(again) == "sweep: all 2 models are in the cache" and again.result(progress=False, verbose=False).hit


def test_given_models_reach_workers_through_a_file(data, tmp_path, monkeypatch):
    """In a worker the caller's model is loaded from a .keras file: same start, so the same losses as here."""
    here = sw.start_sweep(data, _given_models((2, 4), len(data.x_train)), seed=3, recipe=RECIPE,
                          root=tmp_path / "here", workers=1).result(progress=False, verbose=False)
    monkeypatch.setattr(sw, "start_worker_pool", thread_pool)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="sweep:")
        job = sw.start_sweep(data, _given_models((2, 4), len(data.x_train)), seed=3, recipe=RECIPE,
                             root=tmp_path / "pool", workers=2)
        assert str(job) == "sweep: training p=[2, 4] in 2 background processes"
        out = job.result(progress=False, verbose=False)
    assert all(out.val_loss[q] == pytest.approx(here.val_loss[q], rel=1e-4) for q in (2, 4))


def test_bad_given_models_are_named(data, tmp_path):
    import keras

    with pytest.raises(ValueError, match="Keras model, compiled; got str for p=2"):
        sw.start_sweep(data, {2: "model"}, recipe=RECIPE, root=tmp_path)
    with pytest.raises(ValueError, match=r"the model for p=4 must map 784 → 4 → 784 numbers; got 784 → 2 → 784"):
        sw.start_sweep(data, {4: _given_models((2,), 640)[2]}, recipe=RECIPE, root=tmp_path)
    inputs = keras.Input(shape=(784,))
    uncompiled = keras.Model(inputs, keras.layers.Dense(784, name="decoding")(
        keras.layers.Dense(2, name="encoding")(inputs)))
    with pytest.raises(ValueError, match="compiled"):
        sw.start_sweep(data, {2: uncompiled}, recipe=RECIPE, root=tmp_path)
    with pytest.raises(ValueError, match="'encoding' and 'decoding'"):
        inputs = keras.Input(shape=(784,))
        plain = keras.Model(inputs, keras.layers.Dense(784)(keras.layers.Dense(2)(inputs)))
        plain.compile(optimizer="adam", loss="mse")
        sw.start_sweep(data, {2: plain}, recipe=RECIPE, root=tmp_path)


# --- the process pool ---------------------------------------------------------------------------

def test_worker_processes_train_what_one_process_trains(first, data, tmp_path):
    """workers=2: the missing models are trained in two spawned processes and stored; this process then
    loads them. Same entries, same recipe: the losses match the in-process sweep's (one TensorFlow thread
    instead of several may change the last digits, not more)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="sweep:")  # a failed worker falls back with this warning
        job = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=2)
        assert str(job) == f"sweep: training p={list(P)} in 2 background processes"
        par = job.result(show=6, progress=False, verbose=False)
    assert job.done() and not any(par.hits.values()) and par.train_seconds > 0
    for p in P:
        assert par.val_loss[p] == pytest.approx(first.val_loss[p], rel=2e-3)
    assert all(par.paths[p].is_dir() and par.paths[p].parent == tmp_path for p in P)
    again = sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=6, root=tmp_path, progress=False, verbose=False,
                           workers=2)
    assert again.hit  # the workers' entries are the ones the in-process path reads


def test_a_failing_worker_is_reported_and_its_model_trained_here(data, tmp_path, monkeypatch):
    monkeypatch.setattr(sw.np, "save", lambda path, x: Path(path).write_bytes(b"not an array"))  # every task fails
    with pytest.warns(RuntimeWarning, match=r"worker process training p=2 failed \(.*\); training p=2 here"):
        out = sw.train_sweep(data, (2, 4), seed=3, recipe=RECIPE, root=tmp_path, progress=False,
                             verbose=False, workers=2)
    assert not any(out.hits.values()) and out.val_loss[2] < 0.6931


def test_a_worker_that_dies_is_reported(data, tmp_path, monkeypatch):
    class Broken(cf.ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            future = cf.Future()
            future.set_exception(cf.process.BrokenProcessPool("a worker was killed"))
            return future

    monkeypatch.setattr(sw, "start_worker_pool", lambda workers, owner=None: Broken(1))
    trained = count_fits(monkeypatch)
    with pytest.warns(RuntimeWarning, match=r"training p=4 stopped abruptly \(BrokenProcessPool: a worker was killed"):
        out = sw.train_sweep(data, (2, 4), seed=3, recipe=RECIPE, root=tmp_path, progress=False, verbose=False,
                             workers=2)
    assert sorted(trained) == [2, 4] and not any(out.hits.values())


def test_without_worker_processes_the_sweep_trains_here(data, tmp_path, monkeypatch):
    def refuse(workers, owner=None):
        raise OSError("no processes here")

    monkeypatch.setattr(sw, "start_worker_pool", refuse)
    with pytest.warns(RuntimeWarning, match="could not train in worker processes.*no processes here"):
        out = sw.train_sweep(data, (2, 4), seed=3, recipe=RECIPE, root=tmp_path, progress=False, verbose=False,
                             workers=2)
    assert not any(out.hits.values()) and out.val_loss[4] < 0.6931


def test_nothing_is_trained_twice(data, tmp_path, monkeypatch):
    """Each p is fitted once across 'worker' and this process: loaded after a worker stored it, and taken
    from the worker's weights when its save failed (p=4 here) rather than trained again."""
    monkeypatch.setattr(sw, "start_worker_pool", thread_pool)
    trained, real = count_fits(monkeypatch), cache.cached_fit
    worker_weights = {}

    def save_fails_in_the_worker_for_p4(model, *args, **kwargs):
        out = real(model, *args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and model.get_layer("encoding").units == 4:
            cache._remove(out.path)   # as if the write had failed
            worker_weights[4] = [w.copy() for w in model.get_weights()]
            out = dataclasses.replace(out, saved=False)
        return out

    monkeypatch.setattr(cache, "cached_fit", save_fails_in_the_worker_for_p4)
    out = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=2).result(progress=False,
                                                                                        verbose=False)
    assert sorted(trained) == list(P)                        # once each
    assert not any(out.hits.values()) and all(out.fit_seconds[p] > 0 for p in P)
    for got, want in zip(out.models[4].model.get_weights(), worker_weights[4]):
        np.testing.assert_array_equal(got, want)


def test_stop_kills_the_workers_and_result_trains_here(data, tmp_path):
    job = sw.start_sweep(data, P, seed=3, recipe=RECIPE.with_epochs(40), root=tmp_path, workers=2)
    job.stop()
    with pytest.warns(RuntimeWarning, match="worker process training"):
        out = job.result(progress=False, verbose=False)
    assert set(out.p_values) == set(P) and out.val_loss[8] < 0.6931


def test_workers_are_killed_at_interpreter_exit(tmp_path):
    """A script that starts a sweep and exits at once: its workers die with it, mid-training."""
    script = tmp_path / "start_and_exit.py"
    script.write_text(textwrap.dedent(f"""
        import multiprocessing
        import aehelpers as ae
        from aehelpers.nets import sweep

        if __name__ == "__main__":
            data = ae.load_mnist(source="sample", n_train=640, n_test=200, verbose=False)
            recipe = ae.Recipe(epochs=400, batch_size=64)
            job = sweep.start_sweep(data, (2, 4), seed=3, recipe=recipe, root={str(tmp_path / 'cache')!r}, workers=2)
            print(*[p.pid for p in multiprocessing.active_children()])
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not any((tmp_path / "cache").glob("fit_*/meta.json"))   # stopped before either model was stored


def test_default_workers_only_for_full_size_data(monkeypatch):
    monkeypatch.setattr(wk.os, "cpu_count", lambda: 2)
    assert wk.default_workers(7, 60_000) == 2
    assert wk.default_workers(1, 60_000) == 1     # one model: nothing to share
    assert wk.default_workers(7, 2_000) == 1      # quick mode: a worker's start-up costs more than it saves
    monkeypatch.setattr(wk.os, "cpu_count", lambda: None)
    assert wk.default_workers(7, 60_000) == 1


def test_submission_order_finishes_as_soon_as_the_best_split():
    import itertools

    costs = {q: recipes.FAST.for_p(q).epochs * (q + 200) for q in sw.DEFAULT_P}
    order = wk.submission_order(costs, 2)
    loads = [0.0, 0.0]
    for q in order:
        loads[loads.index(min(loads))] += costs[q]
    best = min(max(sum(costs[q] for q, w in zip(costs, split) if w == i) for i in (0, 1))
               for split in itertools.product((0, 1), repeat=len(costs)))
    assert sorted(order) == sorted(costs) and max(loads) == best
    assert wk.submission_order({8: 1.0}, 2) == [8]
    assert wk.submission_order({i: i for i in range(12)}, 2)[:3] == [11, 10, 9]   # many jobs: costliest first


# --- inputs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [((), "at least one"), ((4, 2), "strictly increasing"),
                                          ((2, 2), "strictly increasing"), ((0, 4), "each p"), (5, "sequence")])
def test_bad_p_values_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        sw.check_p_values(bad)


def test_show_indices_are_checked_before_anything_is_trained(data, tmp_path):
    with pytest.raises(ValueError, match="show"):
        sw.train_sweep(data, P, seed=3, recipe=RECIPE, show=[0, 10_000], root=tmp_path, progress=False)
    assert not any(tmp_path.glob("fit_*"))


def test_raw_pixels_are_refused_before_anything_is_trained(data, tmp_path):
    raw = dataclasses.replace(data, x_train=data.x_train * 255)
    with pytest.raises(ValueError, match=r"data.x_train must hold values in \[0, 1\].*divide pixels by 255"):
        sw.train_sweep(raw, P, seed=3, recipe=RECIPE, root=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []  # no entry was written


def test_evaluate_codes_counts_dead_units():
    codes = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])
    assert ae.evaluate_codes(codes) == (1, pytest.approx(0.5))


# --- watching a sweep in training (notebook 04's slider appears before the last model is trained) --------

class GatedPool(cf.ThreadPoolExecutor):
    """One 'worker' thread that records the order of the p's it is handed and holds ``gated`` until released."""

    def __init__(self, gated=()):
        super().__init__(1)
        self.order, self.gated, self.release = [], set(gated), threading.Event()

    def submit(self, fn, *args, **kwargs):
        p = args[1]
        self.order.append(p)

        def run():
            if p in self.gated:
                assert self.release.wait(60), "the test never released the gated p"
            return fn(*args, **kwargs)
        return super().submit(run)


def test_first_p_is_handed_to_the_workers_first(data, tmp_path, monkeypatch):
    pool = GatedPool()
    monkeypatch.setattr(sw, "start_worker_pool", lambda workers, owner=None: pool)
    sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=2, first=8).result(progress=False,
                                                                                           verbose=False)
    assert pool.order[0] == 8 and sorted(pool.order) == list(P)
    with pytest.raises(ValueError, match=r"first must name p's of the sweep \[2, 4, 8\]; got 16"):
        sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=2, first=16)


def test_ready_holds_the_landed_models_while_the_rest_train(first, data, tmp_path, monkeypatch):
    """``watch`` lands each p as its worker ends; ``ready()`` is their Sweep, the same numbers ``result`` gives."""
    pool = GatedPool(gated={2})  # one 'worker': 8, then 4, then 2, held
    monkeypatch.setattr(sw, "start_worker_pool", lambda workers, owner=None: pool)
    trained = count_fits(monkeypatch)
    job = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=2, first=(8, 4))
    landed = []
    thread = job.watch(landed.append)
    for _ in range(600):
        if sorted(landed) == [4, 8]:
            break
        threading.Event().wait(0.1)
    part = job.ready(show=6)
    assert part.p_values == (4, 8) and job.training() == (2,) and landed == [8, 4] and pool.order == [8, 4, 2]
    pool.release.set()
    out = job.result(show=6, progress=False, verbose=False)
    thread.join(30)
    assert sorted(trained) == list(P)  # each p trained once, by its 'worker'
    assert job.training() == () and job.ready(show=6).p_values == P
    assert None in landed  # told that result has them all (a p a failed worker left is trained there)
    for p in (4, 8):
        assert part.val_loss[p] == out.val_loss[p] == pytest.approx(first.val_loss[p], rel=2e-3)
        np.testing.assert_array_equal(part.x_hat[p], out.x_hat[p])


def test_a_job_without_workers_has_nothing_to_watch(data, tmp_path):
    job = sw.start_sweep(data, P, seed=3, recipe=RECIPE, root=tmp_path, workers=1)
    assert not job.in_background and job.watch(print) is None and job.ready() is None
    assert job.result(progress=False, verbose=False).p_values == job.ready().p_values == P
