"""Named registries for the suite's plug-in points (creator models, recommenders, rankers, suggestion
policies).

A registry maps a name to a factory. A configuration field that takes a plug-in accepts either a
registered name or an object that implements the plug-in's protocol; :meth:`Registry.check` raises a
``ValueError`` that names the parameter and lists the registered names otherwise (the suite raises
``ValueError`` for every invalid configuration value).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = ["Registry", "load_plugin"]


class Registry(Generic[T]):
    """Name -> factory table for one plug-in point.

    ``kind`` names the plug-in point in error messages (``"creator model"``); ``protocol`` is the
    ``runtime_checkable`` Protocol an instance must satisfy.
    """

    def __init__(self, kind: str, protocol: type) -> None:
        self.kind = kind
        self.protocol = protocol
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str, factory: Callable[..., T]) -> None:
        """Adds ``factory`` under ``name``; re-registering a name replaces it with a warning (as Gymnasium
        does for environment ids), so a notebook cell can be run again."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.kind} name must be a non-empty string; got {name!r}")
        if not callable(factory):
            raise TypeError(f"{self.kind} factory for {name!r} must be callable; got {type(factory).__name__}")
        if name in self._factories and self._factories[name] is not factory:
            warnings.warn(f"{self.kind} {name!r} was already registered; replacing it", stacklevel=3)
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._factories)

    def factory(self, name: str) -> Callable[..., T]:
        """The factory registered as ``name`` (``ValueError`` listing the names if there is none)."""
        self.check(name, self.kind)
        return self._factories[name]

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def check(self, value: Any, parameter: str) -> None:
        """Raises unless ``value`` is a registered name or an instance of the protocol."""
        if isinstance(value, str):
            if value not in self._factories:
                raise ValueError(f"{parameter} must be one of {list(self._factories)} (registered {self.kind}s) "
                                 f"or an object implementing {self.protocol.__name__}; got {value!r}")
        elif not isinstance(value, self.protocol):
            raise ValueError(f"{parameter} must be a registered {self.kind} name {list(self._factories)} or an "
                            f"object implementing {self.protocol.__name__}; got {type(value).__name__}")

    def create(self, name: str, *args: Any, **kwargs: Any) -> T:
        """Builds the registered ``name`` with ``factory(*args, **kwargs)``."""
        self.check(name, self.kind)
        obj = self._factories[name](*args, **kwargs)
        if not isinstance(obj, self.protocol):
            raise TypeError(f"the factory of {self.kind} {name!r} returned {type(obj).__name__}, which does not "
                            f"implement {self.protocol.__name__}")
        return obj


def load_plugin(spec: str) -> ModuleType:
    """Imports a user's plug-in module: a dotted module name or the path of a ``.py`` file.

    Importing it runs its ``register_*`` calls, so command-line tools can then use its names.
    """
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ValueError(f"plugin file {spec!r} does not exist")
        name = f"recogym_eco_plugin_{path.stem}"
        loaded = sys.modules.get(name)
        if loaded is not None and Path(getattr(loaded, "__file__", "")).resolve() == path.resolve():
            return loaded
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"cannot import plugin file {spec!r}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        raise ValueError(f"plugin {spec!r} is neither a .py file nor an importable module ({exc})") from exc
