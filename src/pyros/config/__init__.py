"""Loading the observatory configuration (``PYROS_CONFIG``, else the packaged default)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pyros.config.devices import DeviceConfig, DeviceKind
from pyros.config.schema import ChannelConfig, ObservatoryConfig, SensorRule, SiteConfig
from pyros.config.simulator import SimulatorConfig

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ChannelConfig",
    "ConfigError",
    "DeviceConfig",
    "DeviceKind",
    "ObservatoryConfig",
    "SensorRule",
    "SimulatorConfig",
    "SiteConfig",
    "load_config",
    "parse_config",
    "with_alpaca_address",
]

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default.yaml")


class ConfigError(ValueError):
    """The configuration file is unreadable or invalid; the message says where and why."""


def _line_index(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map every key path in a YAML node tree to its 1-based line number."""
    index = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            index[sub] = key.start_mark.line + 1
            index.update({k: v for k, v in _line_index(value, sub).items() if k != sub})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index.update(_line_index(item, (*path, i)))
    return index


def parse_config(text: str, source: str = "<config>") -> ObservatoryConfig:
    """Parse and validate YAML text; raises :class:`ConfigError` naming file, line and key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the configuration must be a mapping of sections")
    try:
        return ObservatoryConfig.model_validate(data)
    except ValidationError as exc:
        lines = _line_index(node) if node is not None else {}
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top)"
            line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines),
                        None)
            at = f"{source}:{line}" if line else source
            problems.append(f"{at}: {where}: {err['msg']}")
        raise ConfigError("invalid observatory configuration:\n  " + "\n  ".join(problems)) from exc


def with_alpaca_address(cfg: ObservatoryConfig, url: str) -> ObservatoryConfig:
    """The same observatory with every Alpaca device at ``url`` (tests, simulators)."""
    devices = [d.model_copy(update={"address": url}) if d.backend.value == "alpaca" else d
               for d in cfg.devices]
    return cfg.model_copy(update={"devices": devices})


def config_path() -> Path:
    raw = os.environ.get("PYROS_CONFIG", "").strip()
    return Path(raw).expanduser() if raw else DEFAULT_CONFIG_PATH


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> ObservatoryConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from exc
    return parse_config(text, str(path))


def load_config(path: str | Path | None = None) -> ObservatoryConfig:
    """The observatory configuration from ``path``, ``PYROS_CONFIG`` or the default."""
    p = Path(path) if path is not None else config_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {p}: {exc.strerror}") from exc
    return _load(p, mtime)
