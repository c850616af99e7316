"""Configuration: which steps run, in what order, with which options and phrase lists.

Read from ``[tool.newsclean]`` in ``pyproject.toml`` or from a ``newsclean.toml`` (top level),
found by walking up from the working folder, or from an explicit ``--config FILE``.
Command-line flags win over the file. Example::

    [tool.newsclean]
    disable = ["page_body"]                      # drop default steps by name
    add = ["mypackage.steps:DropBylines"]        # append user steps (before corpus steps)
    patterns = ["phrases/nl.toml"]               # extra phrase lists, relative to this file
    jobs = 2
    exclude = ["archive/", "*.draft.txt"]        # paths to skip (gitignore globs, from here)

    [tool.newsclean.options.banners]             # keyword arguments of a step's __init__
    short_words = 10

``steps = [...]`` replaces the whole list (and so also reorders it).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib  # type: ignore[no-redef]

from newsclean.steps import DEFAULT_STEPS, STEPS, is_corpus_step
from newsclean.steps.base import Step


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Config:
    """Frozen pipeline configuration (see the module docstring for the file format)."""

    steps: tuple[str, ...] = DEFAULT_STEPS
    disable: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    patterns: tuple[str, ...] = ()
    jobs: int = 1
    # Paths the commands skip, as gitignore-style globs relative to the config file's folder
    # (the current folder without a file); see newsclean.cli.options.Exclusions.
    exclude: tuple[str, ...] = ()
    source: str | None = None

    def with_options(self, step: str, **values: Any) -> Config:
        """A copy with ``values`` merged into ``step``'s options (``None`` values ignored;
        nothing changes when ``step`` is not in the pipeline).
        """
        values = {k: v for k, v in values.items() if v is not None}
        if not values or step not in self.step_names:
            return self
        options = {k: dict(v) for k, v in self.options.items()}
        options.setdefault(step, {}).update(values)
        return replace(self, options=options)

    @property
    def step_names(self) -> list[str]:
        """The effective step list: ``steps`` minus ``disable``, plus ``add`` before corpus
        steps.
        """
        names = [n for n in self.steps if n not in self.disable]
        corpus = [n for n in names if is_corpus_step(n)]
        plain = [n for n in names if not is_corpus_step(n)]
        return plain + [n for n in self.add if n not in self.disable] + corpus


def resolve_step(name: str) -> type[Step]:
    """The step class for a built-in name or a ``"module:Class"`` reference."""
    if name in STEPS:
        return STEPS[name]
    if ":" not in name:
        known = ", ".join(STEPS)
        raise ConfigError(f"unknown step {name!r}; built-in steps: {known}; "
                          "or name your own as 'package.module:ClassName'")
    module_name, _, class_name = name.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import step {name!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Step) and cls.name):
        raise ConfigError(f"{name!r} is not a newsclean Step subclass with a `name`")
    return cls


def build_steps(config: Config) -> list[Step]:
    """Instantiate the configured steps, passing each its options and the phrase lists.

    Every problem is a :class:`ConfigError` naming the config file it came from, if any.
    """
    # The phrase lists load with the steps that use them, not with the config.
    from newsclean.patterns import PhraseListError

    try:
        return _build_steps(config)
    except (ConfigError, PhraseListError) as exc:
        origin = f"{config.source}: " if config.source else ""
        message = str(exc)
        raise ConfigError(message if message.startswith(origin) else origin + message) from exc


def _build_steps(config: Config) -> list[Step]:
    from newsclean.patterns import load_phrasebook

    phrasebook = load_phrasebook(tuple(config.patterns))
    steps = []
    available = {*config.steps, *config.add}
    typos = [name for name in config.disable if name not in available]
    if typos:
        raise ConfigError(f"disable: not in the pipeline: {', '.join(typos)}; "
                          f"steps are: {', '.join(config.steps + config.add)}")
    unknown = set(config.options) - {resolve_step(n).name for n in config.step_names}
    if unknown:
        raise ConfigError(f"options given for steps that are not in the pipeline: "
                          f"{', '.join(sorted(unknown))}")
    for name in config.step_names:
        cls = resolve_step(name)
        kwargs = dict(config.options.get(cls.name, {}))
        params = inspect.signature(cls.__init__).parameters
        if "phrasebook" in params:
            kwargs.setdefault("phrasebook", phrasebook)
        try:
            steps.append(cls(**kwargs))
        except TypeError as exc:
            raise ConfigError(f"bad options for step {cls.name!r}: {exc}") from exc
    return steps


def _from_table(table: Mapping[str, Any], origin: Path) -> Config:
    known = {"steps", "disable", "add", "options", "patterns", "jobs", "exclude"}
    extra = set(table) - known
    if extra:
        raise ConfigError(f"{origin}: unknown keys {sorted(extra)} (known: {sorted(known)})")
    base = origin.parent
    exclude = _globs(table.get("exclude", []), origin)
    try:
        return Config(
            steps=tuple(table.get("steps", DEFAULT_STEPS)),
            disable=tuple(table.get("disable", ())),
            add=tuple(table.get("add", ())),
            options={k: dict(v) for k, v in table.get("options", {}).items()},
            patterns=tuple(str(base / p) for p in table.get("patterns", ())),
            jobs=int(table.get("jobs", 1)),
            exclude=exclude,
            source=str(origin),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{origin}: malformed [tool.newsclean] table: {exc}") from exc


def _globs(value: Any, origin: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(glob, str) for glob in value):
        raise ConfigError(f"{origin}: exclude must be a list of glob strings, such as "
                          '["archive/", "*.draft.txt"]')
    return tuple(value)


def read_config(path: str | Path) -> Config:
    """Read a ``newsclean.toml`` or a ``pyproject.toml`` (its ``[tool.newsclean]`` table)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("newsclean", {})
    return _from_table(data, path)


def find_config(start: str | Path = ".") -> Config:
    """The config for the folder ``start``: the nearest ``newsclean.toml``, or
    ``pyproject.toml`` with a ``[tool.newsclean]`` table, walking up; else the defaults.
    """
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / "newsclean.toml"
        if own.is_file():
            return read_config(own)
        project = candidate / "pyproject.toml"
        if project.is_file():
            try:
                has_table = "newsclean" in tomllib.loads(project.read_text("utf-8")).get("tool", {})
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                has_table = False
            if has_table:
                return read_config(project)
    return Config()
