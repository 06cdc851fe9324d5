"""Training recipes: checked at construction, one recipe per range of p, an optimizer factory."""
import pytest

from aehelpers.nets import recipes


@pytest.mark.parametrize("kwargs, message", [({"epochs": 0}, "epochs"),
                                             ({"epochs": 1, "learning_rate": 0}, "learning_rate"),
                                             ({"epochs": 1, "schedule": "step"}, "schedule"),
                                             ({"epochs": 2, "warmup_epochs": 2, "schedule": "cosine"}, "warmup_epochs"),
                                             ({"epochs": 3, "warmup_epochs": 1}, "needs schedule='cosine'")])
def test_bad_recipes_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        recipes.Recipe(**kwargs)


def test_recipe_by_p_picks_the_first_step_that_covers_p():
    small, large = recipes.Recipe(epochs=3, batch_size=32), recipes.Recipe(epochs=2, batch_size=64)
    by_p = recipes.RecipeByP(((4, small), (64, large)))
    assert [by_p.for_p(p) for p in (1, 4, 5, 64, 128)] == [small, small, large, large, large]
    assert recipes.FAST.for_p(2) is not recipes.FAST.for_p(128) and recipes.PLAIN.for_p(2) is recipes.PLAIN
    short = recipes.FAST.with_epochs(1)
    assert all(r.epochs == 1 and r.warmup_epochs == 0 for _, r in short.steps)
    assert recipes.FAST.describe().splitlines()[0].startswith("p ≤ 4: 20 epochs, batches of 256")


@pytest.mark.parametrize("steps, message", [((), "non-empty"), (((4, "fast"),), "pairs"),
                                            (((8, recipes.PLAIN), (4, recipes.PLAIN)), "must increase"),
                                            (((0, recipes.PLAIN),), "p_max")])
def test_bad_recipe_steps_are_named(steps, message):
    with pytest.raises(ValueError, match=message):
        recipes.RecipeByP(steps)


def test_check_recipe_names_what_it_got():
    assert recipes.check_recipe(recipes.FAST) is recipes.FAST
    with pytest.raises(ValueError, match="recipe must be a Recipe or a RecipeByP; got str"):
        recipes.check_recipe("fast")


def test_fit_keywords_and_steps_per_epoch():
    recipe = recipes.Recipe(epochs=4, batch_size=512)
    assert recipe.fit_kwargs() == {"epochs": 4, "batch_size": 512, "shuffle": True, "verbose": 0}
    assert recipe.steps_per_epoch(60_000) == 118 and recipe.steps_per_epoch(512) == 1


def test_the_optimizer_warms_up_then_decays_to_zero():
    recipe = recipes.Recipe(epochs=4, batch_size=10, learning_rate=0.01, schedule="cosine", warmup_epochs=1)
    schedule = recipe.optimizer(steps_per_epoch=5)._learning_rate  # over 20 steps, the first 5 a warm-up
    assert [float(schedule(step)) for step in (0, 5, 20)] == pytest.approx([0.0, 0.01, 0.0], abs=1e-9)
    assert float(recipes.PLAIN.optimizer(10).learning_rate) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        recipe.optimizer(0)
