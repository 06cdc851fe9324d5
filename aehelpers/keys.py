"""Cache keys that derive themselves: a result's data, code, arguments and Keras model, as short hashes.

``call_entry(fn, *args, **kwargs)`` and ``fit_entry(model, x, y, **fit_kwargs)`` compose the key
(and name the folder) that ``aehelpers.cache`` stores a result under, as ``joblib.Memory`` does, so
no caller spells a key.  NumPy and the standard library only: a Keras model is looked at, never
imported, so the theory modules may use ``fingerprint`` too.  Introduced in notebook 02.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import importlib.metadata
import inspect
import json
import math
import re
import sys
import types
from pathlib import Path

import numpy as np

from aehelpers.runtime import cache_dir

_PKG = Path(__file__).resolve().parent
_MAX_DEPTH = 12  # nesting of lists/dicts/dataclasses in one argument
_FIT_FORMAT = 1  # what a fit entry holds; raise it when that changes


def fingerprint(x) -> str:
    """A short hash of an array's shape, dtype and bytes: keys name the exact data."""
    arr = np.ascontiguousarray(x)
    h = hashlib.blake2b(f"{arr.shape}{arr.dtype}".encode(), digest_size=16)  # ~2× faster than sha256
    h.update(arr.data)
    return h.hexdigest()[:16]


def digest_json(obj) -> str:
    """A short hash of a JSON-serialisable object, independent of dict order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


# --- the code of aehelpers: a module's source and that of every aehelpers module it imports -------

_SOURCES: dict[str, tuple[tuple, str]] = {}


def _module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    if not parts:
        return None
    path = _PKG.joinpath(*parts)
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _source(path: Path) -> str:
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _SOURCES.get(str(path))
    if known is None or known[0] != stamp:
        known = (stamp, path.read_text(encoding="utf-8"))
        _SOURCES[str(path)] = known
    return known[1]


def _aehelpers_imports(name: str, source: str) -> set[str]:
    """The aehelpers modules that module ``name`` imports anywhere in its code."""
    package = name.rsplit(".", 1)[0] if not _module_file(name).name == "__init__.py" else name
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                root = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{root}.{base}" if base else root
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # ``from aehelpers import cache``
    return {m for m in found if m.startswith("aehelpers.") and _module_file(m) is not None}


def module_digest(name: str) -> str:
    """A short hash of an aehelpers module's source and of every aehelpers module it imports, transitively."""
    if _module_file(name) is None:
        raise ValueError(f"expected the name of an aehelpers module; got {name!r}")
    seen, todo = {}, [name]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen[mod] = _source(_module_file(mod))
        todo.extend(_aehelpers_imports(mod, seen[mod]) - set(seen))
    h = hashlib.sha256()
    for mod in sorted(seen):
        h.update(f"{mod}\n{seen[mod]}\n".encode())
    return h.hexdigest()[:16]


# --- the code of any other function: its source, and the data and functions it reads --------------

def _is_aehelpers(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "aehelpers" or module.startswith("aehelpers.")


def _function_source(fn) -> str:
    try:
        return inspect.getsource(fn)  # a notebook cell's function: IPython keeps its source in linecache
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((code.co_code, code.co_consts)) if code is not None else f"{fn.__module__}.{fn.__qualname__}"


def _names_read(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_read(const)
    return names


def _class_source(cls, keys: "_KeyMaker | None" = None) -> str:
    parts, keys = [f"{cls.__module__}.{cls.__qualname__}"], keys or _KeyMaker()
    for name, member in sorted(vars(cls).items()):
        member = getattr(member, "__func__", member)  # static and class methods
        if inspect.isfunction(member):  # its source and what it reads (a notebook's beta): either changes the key
            parts.append(_function_source(member) + json.dumps(_reads(member, keys), sort_keys=True, default=_plain))
    return "\n".join(parts)


def _reads(fn, keys: "_KeyMaker") -> dict:
    """The globals and closure values ``fn`` reads: data as ``describe`` gives it, functions of its own module as code."""
    code = fn.__code__
    values = {}
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    for name in sorted(_names_read(code) | set(cells)):
        if name in cells:
            try:
                value = cells[name].cell_contents
            except ValueError:  # an empty cell
                continue
        elif name in fn.__globals__:
            value = fn.__globals__[name]
        else:
            continue
        if isinstance(value, types.ModuleType):
            continue  # libraries: their versions are in the key
        if callable(value) and not _is_keras_model(value) and not (
                getattr(value, "__module__", None) == fn.__module__ or _is_aehelpers(value)):
            continue  # a library's function or class
        try:
            values[name] = keys.describe(value, name)
        except ValueError:
            continue  # something a key cannot hold: left out, as joblib leaves out every global
    return values


# --- Keras models, seen from outside -------------------------------------------------------------

def _is_keras_model(obj) -> bool:
    """Whether ``obj`` is a Keras model (an instance of a subclass of ``keras.Model``), without importing Keras."""
    return not isinstance(obj, type) and any(
        c.__name__ == "Model" and c.__module__.split(".")[0] in ("keras", "tf_keras") for c in type(obj).__mro__)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


def _without_names(config):
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


def _own_code(obj) -> str | None:
    """The code digest of a layer class or loss that is not Keras' own (a notebook's ``Sampling``), else None."""
    target = obj if isinstance(obj, type) or inspect.isfunction(obj) else type(obj)
    module = getattr(target, "__module__", "") or ""
    if module.split(".")[0] in ("keras", "tf_keras", "tensorflow", "builtins"):
        return None
    if isinstance(target, type):
        return digest_json(_class_source(target))
    return digest_json(_function_source(target) + json.dumps(_reads(target, _KeyMaker()), sort_keys=True, default=_plain))


def model_signature(model) -> str:
    """A short hash of what a compiled Keras model *is*: its layers' classes and settings (and the code of
    layers and losses written in a notebook), its optimizer's settings and its loss — not the names Keras
    numbers anew each time a cell runs again, and not its weights (see ``weights_fingerprint``).
    """
    if not hasattr(model, "layers") or not hasattr(model, "get_config"):
        raise ValueError(f"expected a Keras model; got {type(model).__name__}")
    layers = [[type(layer).__name__, _own_code(layer), _without_names(layer.get_config())] for layer in model.layers]
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    parts = {"layers": layers,
             "optimizer": None if optimizer is None else [type(optimizer).__name__,
                                                         _without_names(optimizer.get_config())],
             "loss": None if loss is None else [str(getattr(loss, "__name__", None) or getattr(loss, "name", loss)),
                                                None if isinstance(loss, str) else _own_code(loss)]}
    return digest_json(json.loads(json.dumps(parts, sort_keys=True, default=_plain)))


def weights_fingerprint(model) -> str:
    """A short hash of a Keras model's current weights (all of them, in order)."""
    h = hashlib.blake2b(digest_size=16)
    for w in model.get_weights():
        h.update(fingerprint(w).encode())
    return h.hexdigest()[:16]


def library_versions(keras: bool = False) -> dict:
    """Versions that change a result: NumPy always; Keras and TensorFlow when ``keras`` (never importing them)."""
    versions = {"numpy": np.__version__}
    if keras:
        for name in ("keras", "tensorflow"):
            module = sys.modules.get(name)
            try:
                versions[name] = getattr(module, "__version__", None) or importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                versions[name] = None
    return versions


# --- arguments, normalised --------------------------------------------------------------------------

class _KeyMaker:
    """Turns arguments and code into JSON for a key; ``keras`` records whether a Keras model was seen."""

    def __init__(self):
        self.keras = False
        self._code: dict[int, object] = {}
        self._busy: set[int] = set()

    def code(self, fn) -> object:
        """The code behind a callable, as JSON: for an aehelpers function its module's digest, for a
        notebook's function its source and the data and functions it reads, for a Keras model's
        method the model and the method's name."""
        if id(fn) in self._busy:  # a function that reads itself (recursion)
            return {"recursive": getattr(fn, "__qualname__", "?")}
        self._busy.add(id(fn))
        try:
            return self._code_of(fn)
        finally:
            self._busy.discard(id(fn))

    def _code_of(self, fn):
        if isinstance(fn, functools.partial):
            return {"partial": self.code(fn.func), "args": self.describe(list(fn.args), "partial args"),
                    "kwargs": self.describe(dict(fn.keywords), "partial keywords")}
        owner = getattr(fn, "__self__", None)
        if owner is not None and not isinstance(owner, types.ModuleType) and inspect.ismethod(fn):
            return {"method": fn.__name__, "of": self.describe(owner, f"the object of {fn.__qualname__}"),
                    **({} if _is_keras_model(owner) else {"code": self.code(fn.__func__)})}
        if _is_aehelpers(fn):
            return {"aehelpers": f"{fn.__module__}.{getattr(fn, '__qualname__', '')}",
                    "code": module_digest(fn.__module__)}
        if isinstance(fn, type):
            return {"class": f"{fn.__module__}.{fn.__qualname__}", "code": digest_json(_class_source(fn, self))}
        if inspect.isfunction(fn):
            return {"function": fn.__qualname__, "source": digest_json(_function_source(fn)),
                    "reads": _reads(fn, self)}
        if callable(fn) and getattr(fn, "__qualname__", None):  # a builtin or a C function: its library's version
            return {"builtin": f"{getattr(fn, '__module__', '')}.{fn.__qualname__}"}
        raise ValueError(f"expected a function; got {type(fn).__name__} {fn!r:.60}")

    def describe(self, value, name: str = "argument", depth: int = 0):
        """``value`` as JSON for a key: arrays by fingerprint, Keras models by signature and weights,
        functions by code, dataclasses, lists, tuples and dicts recursively; else ``ValueError``."""
        if depth > _MAX_DEPTH:
            raise ValueError(f"cannot derive a cache key from {name}: nested more than {_MAX_DEPTH} levels deep")
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise ValueError(f"cannot derive a cache key from {name}: an array of Python objects")
            seen = self.__dict__.setdefault("_arrays", {})  # x and y of an autoencoder are one array: hash it once
            if id(value) not in seen:
                seen[id(value)] = (value, fingerprint(value))  # the array is kept so that its id is not reused
            return {"array": seen[id(value)][1]}
        if _is_keras_model(value):
            self.keras = True
            return {"keras_model": model_signature(value), "weights": weights_fingerprint(value)}
        if isinstance(value, (list, tuple)):
            return [self.describe(v, f"{name}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise ValueError(f"cannot derive a cache key from {name}: a dict whose keys are not all strings")
            return {"dict": {k: self.describe(v, f"{name}[{k!r}]", depth + 1) for k, v in value.items()}}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {"dataclass": f"{type(value).__module__}.{type(value).__qualname__}",
                    "fields": {f.name: self.describe(getattr(value, f.name), f"{name}.{f.name}", depth + 1)
                               for f in dataclasses.fields(value)}}
        if callable(value):
            return {"code": self.code(value)}
        hint = " (pass a seed instead)" if isinstance(value, (np.random.Generator, np.random.RandomState)) else ""
        raise ValueError(f"cannot derive a cache key from {name}: {type(value).__module__}.{type(value).__qualname__} "
                         "is not supported (arrays, numbers, strings, None, lists, tuples and dicts of these, "
                         f"dataclasses, Keras models and functions are){hint}")


def code_digest(fn) -> str:
    """A short hash of the code behind ``fn`` (see ``_KeyMaker.code``): editing that code changes it."""
    return digest_json(_KeyMaker().code(fn))


# --- entries: a key and the folder it names -------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Entry:
    """Where a result with this ``key`` lives (``path``, which may not exist yet)."""

    key: dict
    path: Path

    def exists(self) -> bool:
        """Whether the entry's folder is there (whether it can be trusted is checked when it is read)."""
        return self.path.is_dir()


def _entry(name: str, key: dict, root) -> Entry:
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:40] or "result"
    key = json.loads(json.dumps(key, sort_keys=True))  # as it reads back from meta.json
    return Entry(key, Path(root if root is not None else cache_dir()) / f"{name}-{digest_json(key)}")


def call_entry(fn, *args, **kwargs) -> Entry:
    """The entry ``cached(fn, *args, **kwargs)`` reads and writes, its key composed from code, arguments and versions."""
    if not callable(fn):
        raise ValueError(f"expected a function to call; got {type(fn).__name__}")
    keys = _KeyMaker()
    code = keys.code(fn)
    what = getattr(fn, "__qualname__", None) or getattr(getattr(fn, "func", None), "__qualname__", "function")
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
    except ValueError:  # no signature (a builtin): the arguments as given
        arguments = {"args": list(args), **kwargs}
    except TypeError as err:
        raise TypeError(f"{what}: {err}") from None
    owner = getattr(fn, "__self__", None)
    if _is_keras_model(owner):
        arguments.pop("verbose", None)  # printing does not change a prediction
    if "seed" in arguments and arguments["seed"] is None:
        raise ValueError(f"{what}(seed=None) draws anew every run, so it cannot be remembered: pass a fixed seed")
    described = {name: keys.describe(value, f"argument {name!r} of {what}") for name, value in arguments.items()}
    module = getattr(getattr(fn, "func", fn), "__module__", "") or ""
    versions = library_versions(keras=keys.keras or module.startswith(("aehelpers.nets", "keras")))
    name = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "result")
    return _entry(name, {"call": what, "code": code, "arguments": described, "versions": versions}, None)


def _callback_key(cb, keys: _KeyMaker):
    schedule = getattr(cb, "schedule", None)
    return [type(cb).__qualname__, keys.code(schedule) if callable(schedule) else None]


def fit_entry(model, x, y=None, *, root=None, **fit_kwargs) -> Entry:
    """The entry ``cached_fit(model, x, y, **fit_kwargs)`` reads and writes; compute it once and pass it as ``entry=``.

    Call it before training: the key holds the model's *initial* weights.
    """
    if not _is_keras_model(model):
        raise ValueError(f"expected a Keras model; got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError(f"compile the model before training it (model {model.name!r} has no optimizer or loss)")
    keys = _KeyMaker()
    arguments = {"x": keys.describe(x, "x"), "y": keys.describe(y, "y")}
    for name, value in sorted(fit_kwargs.items()):
        if name == "callbacks":
            arguments[name] = [_callback_key(cb, keys) for cb in (value or [])]
        elif name != "verbose":  # printing does not change the weights
            arguments[name] = keys.describe(value, f"fit argument {name!r}")
    key = {"fit": _FIT_FORMAT, "model": model_signature(model), "initial_weights": weights_fingerprint(model),
           "arguments": arguments, "versions": library_versions(keras=True),
           # XLA rounds differently, so its fit is another fit: whether it really runs (Keras turns it off
           # under op determinism whatever compile() asked), not what was asked; steps per call change nothing.
           "xla": bool(getattr(model, "jit_compile", False))}
    return _entry("fit_" + re.sub(r"_\d+$", "", model.name), key, root)
