"""User agents: loading the class of a stage's agent from its import path.

A stage of the user's own names its agent as ``package.module:Class`` or
``path/to/file.py:Class``. This module imports it (a file under a ``sys.modules`` name
unique to its path; a module also from the batch file's folder or the working
directory), checks that the class is usable as an agent, and registers the user's own
modules with Ray's cloudpickle to travel by value, so that Ray workers on other nodes,
which do not have the files, get the class with the task. Every mistake is a
``UserInputError(field, problem)`` naming the field that gave the path.

This module is its own because importing user code is a concern apart from the shape
of a workflow: ``podcast_factory.workflow`` only asks it for classes and paths. It must
not import ``podcast_factory.models`` at module level (models.py imports the workflow,
which imports this), nor ``actors`` or Ray: both are imported where they are needed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from podcast_factory.errors import UserInputError

FILE_MODULE_PREFIX = "_podcast_factory_agent_"
"""Start of the ``sys.modules`` name of an agent module loaded from a file."""
_MISSING = object()


def load_agent_class(path: str, base: Path, field: str) -> type:
    """The class of a user agent from ``package.module:Class`` or ``file.py:Class``.

    A file path is read relative to ``base`` (the batch file's folder). A module that is
    not an installed package (loaded from a file, or found only by adding ``base`` or the
    working directory to ``sys.path``) is registered with Ray's cloudpickle to travel by
    value, so that Ray workers on other nodes, which do not have the file, get the class
    with the task."""
    if not isinstance(path, str) or not path.strip():
        raise UserInputError(field, "must be an import path: path/to/file.py:Class or module:Class")
    target, sep, qualname = path.strip().rpartition(":")
    if not sep or not target or not re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", qualname):
        raise UserInputError(
            field,
            f"{path!r} is not an import path: write path/to/file.py:Class or package.module:Class",
        )
    if target.endswith(".py") or "/" in target or "\\" in target:
        module, by_value = _load_file(target, base, field), True
    else:
        module, by_value = _import_module(target, base, field)
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            defined = sorted(
                n
                for n, v in vars(module).items()
                if inspect.isclass(v) and v.__module__ == module.__name__
            )
            hint = f"; it defines {', '.join(defined)}" if defined else ""
            raise UserInputError(field, f"{target} has no class {qualname!r}{hint}")
    cls = check_agent_class(obj, field)
    if by_value:
        _send_by_value(module)
    return cls


def _send_by_value(module: ModuleType) -> None:
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(module)  # type: ignore[no-untyped-call]


def _is_local(module: ModuleType, base: Path) -> bool:
    """Whether a module is the user's own code under ``base`` rather than installed."""
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().is_relative_to(base.resolve())


def agent_path_of(cls: type) -> str:
    """The import path that loads ``cls`` again; a file path for a class that was
    loaded from a file (its module name is ours, not importable)."""
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if cls.__module__.startswith(FILE_MODULE_PREFIX) and file:
        return f"{Path(file).resolve()}:{cls.__qualname__}"
    return f"{cls.__module__}:{cls.__qualname__}"


def check_agent_class(obj: Any, field: str) -> type:
    """``obj`` is a usable agent class: a class with a ``run`` method and, if it has
    them, ``needs`` as stage names and ``output`` as a pydantic model class."""
    name = getattr(obj, "__qualname__", repr(obj))
    if not inspect.isclass(obj):
        kind = "a function" if callable(obj) else f"a {type(obj).__name__}"
        raise UserInputError(field, f"{name} is {kind}, not a class")
    run = getattr(obj, "run", _MISSING)
    if run is _MISSING:
        raise UserInputError(
            field,
            f"{name} has no run method: an agent needs "
            "`async def run(self, episode, inputs, ctx)` returning a pydantic model or a dict",
        )
    if not callable(run):
        raise UserInputError(field, f"{name}.run is not a method but a {type(run).__name__}")
    needs = getattr(obj, "needs", ())
    if isinstance(needs, str) or not (
        isinstance(needs, (tuple, list)) and all(isinstance(n, str) for n in needs)
    ):
        raise UserInputError(field, f"{name}.needs must be a tuple of stage names")
    output = getattr(obj, "output", None)
    if output is not None and not (inspect.isclass(output) and issubclass(output, BaseModel)):
        raise UserInputError(field, f"{name}.output must be a pydantic model class")
    return obj


def _load_file(target: str, base: Path, field: str) -> ModuleType:
    """A module from a .py file, under a name unique to the file's path so that two
    ``agents.py`` files never replace each other in ``sys.modules``."""
    file = Path(target).expanduser()
    if not file.is_absolute():
        file = base / file
    file = file.resolve()
    if not file.is_file():
        raise UserInputError(field, f"{target}: no such file (read as {file})")
    stem = re.sub(r"\W", "_", file.stem)
    digest = hashlib.sha256(str(file).encode()).hexdigest()[:12]
    name = f"{FILE_MODULE_PREFIX}{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise UserInputError(field, f"{target}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses and pydantic look it up
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise UserInputError(
            field, f"{target}: importing it failed: {type(exc).__name__}: {exc}"
        ) from None
    return module


def _import_module(target: str, base: Path, field: str) -> tuple[ModuleType, bool]:
    """An importable module, and whether it must travel by value (it was found only
    with ``base`` or the working directory on ``sys.path``, or lives under ``base``)."""
    if not re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", target):
        raise UserInputError(field, f"{target!r} is neither a module name nor a .py file path")
    try:
        module = importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if not _is_missing(exc, target):
            raise _import_failed(field, target, exc) from None
        # The additions stay: the module may import its siblings later.
        added = [p for p in (str(base.resolve()), str(Path.cwd().resolve())) if p not in sys.path]
        sys.path[:0] = added
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError as again:
            for p in added:
                sys.path.remove(p)
            if _is_missing(again, target):
                raise UserInputError(
                    field,
                    f"no module named {target!r} (looked in {base} and the working directory too)",
                ) from None
            raise _import_failed(field, target, again) from None
        except Exception as exc:
            for p in added:
                sys.path.remove(p)
            raise _import_failed(field, target, exc) from None
        return module, True
    except Exception as exc:
        raise _import_failed(field, target, exc) from None
    return module, _is_local(module, base)


def _is_missing(exc: ModuleNotFoundError, target: str) -> bool:
    """The module itself (or a parent package) is missing, not one it imports."""
    return exc.name is not None and (target == exc.name or target.startswith(exc.name + "."))


def _import_failed(field: str, target: str, exc: BaseException) -> UserInputError:
    return UserInputError(field, f"importing {target} failed: {type(exc).__name__}: {exc}")


def user_agent_takes_agent_args(cls: type) -> bool:
    """Whether a user agent is built like the project's agents (settings, ledger,
    credentials, governor) because it subclasses ``actors.base.Agent``; any other agent
    class is constructed with no arguments."""
    # Agent says so with a class flag: contracts do not import the actors' layer.
    return inspect.isclass(cls) and getattr(cls, "takes_agent_args", False) is True


def adopt_agent_class(obj: Any, base: Path, field: str) -> type:
    """A class handed over directly (the Python API), checked like a loaded one. If its
    module is the user's own code under ``base`` (and not ``__main__``), it is registered
    to travel by value, as a module loaded from a path would be."""
    cls = check_agent_class(obj, field)
    module = sys.modules.get(cls.__module__)
    if module is not None and module.__name__ != "__main__" and _is_local(module, base):
        _send_by_value(module)  # the user's own module: workers may not have it
    return cls


def canonical_agent_path(agent: str, base: Path) -> str:
    """A file path made absolute, so the agent loads again from any working directory
    (a resumed run, a Ray worker); module paths stay as written."""
    target, _, qualname = agent.rpartition(":")
    if target.endswith(".py") or "/" in target or "\\" in target:
        file = Path(target).expanduser()
        return f"{(file if file.is_absolute() else base / file).resolve()}:{qualname}"
    return agent
