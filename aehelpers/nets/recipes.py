"""Training recipes: epochs, batch size, and an Adam whose learning rate follows a schedule.

A ``Recipe`` is one way to train (``PLAIN`` is the blog's 50 epochs of Adam at 1e-3); its
``optimizer(steps_per_epoch)`` is the optimizer factory notebook 06 uses for its own models.
A ``RecipeByP`` gives each range of code sizes a recipe of its own: ``FAST``, the bottleneck
sweep's default, trains small codes longer than large ones.  ``check_settings`` is the one
validator of what builds and trains a model (a recipe's fields, ``build_autoencoder``'s
arguments, the linear trainer's): a wrong type, a non-finite rate or an absurd size is named
before Keras sees it.  Introduced in notebook 04.
"""
from __future__ import annotations

import dataclasses
import math
import numbers

from aehelpers.checks import check_int_in_range

# --- the one validator of settings: recipes, builders, trainers ---------------------------------------

# Far beyond any model of the series (the deep blog model has 0.2 M): 50 M float32 weights are 200 MB,
# three times that with Adam's two moments; a larger one would die of memory deep inside TensorFlow.
MAX_WEIGHTS = 50_000_000
_INTS = {"p": 1, "n": 1, "epochs": 1, "batch_size": 1, "warmup_epochs": 0, "seed": 0}
_REALS = {"learning_rate": (0.0, None, True), "activity_l1": (0.0, None, False),  # (low, high, low excluded)
          "final_lr_fraction": (0.0, 1.0, True)}
_NAMES = {"activation", "code_activation", "output_activation", "loss", "name"}


def _real(value, name: str, low: float, high: float | None, open_low: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = float(value)
    span = f"{'>' if open_low else '≥'} {low:g}" + (f" and ≤ {high:g}" if high is not None else "")
    if not math.isfinite(value) or value < low or (open_low and value == low) or (high is not None and value > high):
        raise ValueError(f"{name} must be finite and {span}; got {value!r}")
    return value


def _widths(value, name: str) -> tuple:
    if not isinstance(value, (tuple, list)):
        raise ValueError(f"{name} must be a tuple of layer widths such as (128, 64), or () for none; "
                         f"got {value!r} ({type(value).__name__})")
    return tuple(check_int_in_range(width, f"each {name} width", 1) for width in value)


def check_settings(**settings) -> dict:
    """Each keyword checked by the rule its name has; returns them normalised (ints, floats, a tuple of widths).

    Integers (``p``, ``n``, ``epochs``, ``batch_size`` ≥ 1, ``warmup_epochs``, ``seed`` ≥ 0; a
    ``seed`` of None is kept), finite reals (``learning_rate`` > 0, ``activity_l1`` ≥ 0,
    ``final_lr_fraction`` in (0, 1]), ``hidden`` as a tuple of widths, names (activations, loss)
    as strings or callables.  Given ``p`` and ``n`` (and ``hidden``), a model of more than
    ``MAX_WEIGHTS`` weights is refused before anything is built.  Introduced in notebook 04.
    """
    out = {}
    for name, value in settings.items():
        if name in _INTS:
            out[name] = None if name == "seed" and value is None else check_int_in_range(value, name, _INTS[name])
        elif name in _REALS:
            out[name] = _real(value, name, *_REALS[name])
        elif name == "hidden":
            out[name] = _widths(value, name)
        elif name in _NAMES:
            optional = value is None and name in ("code_activation", "name")
            if not (isinstance(value, str) or callable(value) or optional):
                raise ValueError(f"{name} must be a name (a string) or a callable; "
                                 f"got {value!r} ({type(value).__name__})")
            out[name] = value
        else:
            known = sorted([*_INTS, *_REALS, "hidden", *_NAMES])
            raise TypeError(f"check_settings has no rule for {name!r}; it knows {known}")
    if "p" in out and "n" in out:
        hidden = out.get("hidden", ())
        widths = (out["n"], *hidden, out["p"], *reversed(hidden), out["n"])
        weights = sum(a * b + b for a, b in zip(widths, widths[1:]))
        if weights > MAX_WEIGHTS:
            raise ValueError(f"a {'-'.join(map(str, widths))} autoencoder would have {weights:,} weights "
                             f"({weights * 4 / 1e9:,.1f} GB of float32, three times that with Adam); the series builds "
                             f"at most {MAX_WEIGHTS:,}; got p={out['p']}, n={out['n']}, hidden={hidden}")
    return out


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a model is trained: epochs, batch size, peak learning rate and its schedule.

    ``schedule`` is ``"constant"`` (the blog) or ``"cosine"`` (decay to 0 over all steps, after
    ``warmup_epochs`` of a linear rise from 0).  Introduced in notebook 04; notebook 06 uses
    ``optimizer`` for its convolutional model and its VAE.
    """

    epochs: int
    batch_size: int = 256
    learning_rate: float = 1e-3
    schedule: str = "constant"
    warmup_epochs: int = 0

    def __post_init__(self):
        checked = check_settings(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
                                 warmup_epochs=self.warmup_epochs)
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if not isinstance(self.schedule, str) or self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine'; got {self.schedule!r}")
        check_int_in_range(self.warmup_epochs, "warmup_epochs", 0, self.epochs - 1)
        if self.warmup_epochs and self.schedule != "cosine":
            raise ValueError(f"warmup_epochs needs schedule='cosine'; got schedule={self.schedule!r}")

    def optimizer(self, steps_per_epoch: int):
        """A fresh Keras Adam with this recipe's learning rate (schedule), for ``steps_per_epoch`` batches an epoch."""
        import keras

        steps_per_epoch = check_int_in_range(steps_per_epoch, "steps_per_epoch", 1)
        lr = self.learning_rate
        if self.schedule == "cosine":
            warmup = self.warmup_epochs * steps_per_epoch
            lr = keras.optimizers.schedules.CosineDecay(
                0.0 if warmup else self.learning_rate, self.epochs * steps_per_epoch - warmup,
                warmup_target=self.learning_rate if warmup else None, warmup_steps=warmup)
        return keras.optimizers.Adam(lr)

    def steps_per_epoch(self, n_train: int) -> int:
        """How many batches an epoch over ``n_train`` examples takes (the last one may be short)."""
        return -(-check_int_in_range(n_train, "n_train", 1) // self.batch_size)

    def fit_kwargs(self) -> dict:
        """The keywords of ``model.fit`` this recipe fixes: epochs, batch size, shuffled, silent."""
        return {"epochs": self.epochs, "batch_size": self.batch_size, "shuffle": True, "verbose": 0}

    def for_p(self, p: int) -> "Recipe":
        """The recipe for code size ``p``: this one, whatever p is."""
        return self

    def describe(self) -> str:
        """One line in words: epochs, batch size, learning rate and schedule."""
        if self.schedule == "constant":
            rate = f"Adam at {self.learning_rate:g}"
        elif self.warmup_epochs:
            rate = (f"Adam warming up over {self.warmup_epochs} epoch{'s' * (self.warmup_epochs != 1)} "
                    f"to {self.learning_rate:g}, then a cosine decay to 0")
        else:
            rate = f"Adam from {self.learning_rate:g}, then a cosine decay to 0"
        return f"{self.epochs} epochs, batches of {self.batch_size}, {rate}"

    def with_epochs(self, epochs: int) -> "Recipe":
        """This recipe over ``epochs`` epochs, keeping at most ``epochs - 1`` of warm-up."""
        epochs = check_int_in_range(epochs, "epochs", 1)
        return dataclasses.replace(self, epochs=epochs, warmup_epochs=min(self.warmup_epochs, epochs - 1))


@dataclasses.dataclass(frozen=True)
class RecipeByP:
    """A recipe per range of code sizes: ``steps = ((p_max, Recipe), ...)`` with increasing ``p_max``.

    Code size p is trained with the first step whose ``p_max`` is at least p; the last step also
    covers every larger p.  Small codes are cheap per epoch and slow to converge; large ones the
    other way round, so the fast sweep gives them different numbers of epochs.  Introduced in notebook 04.
    """

    steps: tuple

    def __post_init__(self):
        steps = tuple(self.steps) if isinstance(self.steps, (tuple, list)) else None
        if not steps or not all(isinstance(s, (tuple, list)) and len(s) == 2 and isinstance(s[1], Recipe)
                                for s in steps):
            raise ValueError(f"steps must be a non-empty sequence of (p_max, Recipe) pairs; got {self.steps!r}")
        bounds = [check_int_in_range(s[0], "p_max", 1) for s in steps]
        if any(b <= a for a, b in zip(bounds, bounds[1:])):
            raise ValueError(f"the p_max of the steps must increase; got {bounds}")
        object.__setattr__(self, "steps", tuple((b, s[1]) for b, s in zip(bounds, steps)))

    def for_p(self, p: int) -> Recipe:
        """The recipe code size ``p`` is trained with."""
        p = check_int_in_range(p, "p", 1)
        return next((recipe for p_max, recipe in self.steps if p <= p_max), self.steps[-1][1])

    def describe(self) -> str:
        """One line per step: which code sizes, and how they are trained."""
        lines, low = [], 1
        for i, (p_max, recipe) in enumerate(self.steps):
            which = (f"p ≥ {low}" if i == len(self.steps) - 1 else f"p ≤ {p_max}" if low == 1
                     else f"{low} ≤ p ≤ {p_max}")
            lines.append(f"{which}: {recipe.describe()}")
            low = p_max + 1
        return "\n".join(lines)

    def with_epochs(self, epochs: int) -> "RecipeByP":
        """Every step over ``epochs`` epochs (a short run for tests and quick mode)."""
        return RecipeByP(tuple((p_max, recipe.with_epochs(epochs)) for p_max, recipe in self.steps))


def check_recipe(recipe) -> "Recipe | RecipeByP":
    """``recipe`` if it is a ``Recipe`` or a ``RecipeByP``, else ``ValueError`` naming what was given."""
    if not isinstance(recipe, (Recipe, RecipeByP)):
        raise ValueError(f"recipe must be a Recipe or a RecipeByP; got {type(recipe).__name__}")
    return recipe


PLAIN = Recipe(epochs=50, batch_size=256, learning_rate=1e-3, schedule="constant")  # the blog's
# FAST: within 2% of PLAIN's validation loss at every p in 2…128 on full MNIST (`make bench`, seed 0) in a
# fraction of its time. With XLA and 16 steps per call (``training``) a step's fixed cost is small, so an
# epoch at batch 256 costs about what one at batch 512 did, and its twice as many updates reach the loss in
# fewer epochs (one-thread fits side by side, 2026-12-02: 14 epochs at 256 beat 20 at 512 for p = 128).
# Peak rates are reached over a one-epoch warm-up. Small codes learn slowest and cost least per epoch: 20
# epochs at 5e-3 (p = 2: +1.6%; 14 epochs missed by 2.5%); 5 ≤ p ≤ 32 (measured at 8, 16, 32): 13 at 4e-3
# (p = 8: +1.7%; 12 epochs: p = 16 +1.5%, p = 32 −0.6%); p ≥ 33 (measured at 64, 128) improves longest under
# PLAIN: 14 at 4e-3 (p = 64 +0.8%, p = 128 +1.4%; at 3e-3 +1.4% and +2.4%).
FAST = RecipeByP(((4, Recipe(epochs=20, batch_size=256, learning_rate=5e-3, schedule="cosine", warmup_epochs=1)),
                  (32, Recipe(epochs=13, batch_size=256, learning_rate=4e-3, schedule="cosine", warmup_epochs=1)),
                  (784, Recipe(epochs=14, batch_size=256, learning_rate=4e-3, schedule="cosine", warmup_epochs=1))))
