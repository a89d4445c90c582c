"""Every setting, declared once: name, default, help and environment variable.

The CLI options, the Flask config and the README's settings table are all read from SETTINGS.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .errors import BadSetting

# the project root in a checkout (the benchmark starts `python -m search` there); the default seeds/ and index/
# are relative to the working directory, never to the installed package
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    env: str
    help: str
    minimum: Optional[int] = None  # the smallest value a whole-number setting takes
    maximum: Optional[int] = None


SETTINGS = (
    Setting("index_dir", "index", "CASEARCH_INDEX",
            "Folder of the index, relative to the working directory (every command's --index-dir wins over it)."),
    Setting("seeds_dir", "seeds", "CASEARCH_SEEDS",
            "What `casearch index` reads when given no path, relative to the working directory."),
    Setting("host", "127.0.0.1", "CASEARCH_HOST", "Address `casearch serve` binds to."),
    Setting("port", 8000, "CASEARCH_PORT", "Port `casearch serve` listens on.", 1, 65535),
    Setting("threads", 4, "CASEARCH_THREADS", "Worker threads of the WSGI server.", 1),
    Setting("per_page", 10, "CASEARCH_PER_PAGE", "Results per page when not asked.", 1),
    Setting("max_per_page", 100, "CASEARCH_MAX_PER_PAGE", "Largest per_page a request may ask (400 beyond).", 1),
    Setting("max_results_depth", 10000, "CASEARCH_MAX_DEPTH",
            "Deepest result a page may reach (page x per_page; 400 beyond).", 1),
    Setting("preload_mb", 512, "CASEARCH_PRELOAD_MB",
            "Megabytes of the index `serve` maps into memory after opening it, most-read parts first "
            "(term tables, postings, stored articles); 0 turns it off.", 0),
    Setting("cache_dir", "", "CASEARCH_CACHE",
            "Folder where the loaded taggers are kept, made once per version of their data and code "
            "(empty: $XDG_CACHE_HOME/casearch, else ~/.cache/casearch)."),
)


def get(name: str):
    """Return a setting's value: its environment variable if set, else its default (typed like the default).

    Raises:
        BadSetting: the variable holds no whole number where one is needed, or one out of the setting's range.
    """
    for s in SETTINGS:
        if s.name == name:
            raw = os.environ.get(s.env)
            if raw is None or raw == "":
                return s.default
            if not isinstance(s.default, int):
                return raw
            try:
                value = int(raw.strip())
            except ValueError:
                raise BadSetting(f"{s.env} must be a whole number, not {raw!r}") from None
            if (s.minimum is not None and value < s.minimum) or (s.maximum is not None and value > s.maximum):
                bounds = f"from {s.minimum} to {s.maximum}" if s.maximum is not None else f"at least {s.minimum}"
                raise BadSetting(f"{s.env} must be {bounds}, not {value}")
            return value
    raise KeyError(name)


def shown(name: str) -> str:
    """A setting as --help shows it: its environment variable and default, without reading the variable."""
    s = next(s for s in SETTINGS if s.name == name)
    if name in ("index_dir", "seeds_dir"):  # a folder: relative to where the command runs, never to the package
        return f"${s.env}, else {s.default}/ in the working directory"
    return f"${s.env}, else {s.default}"


def load(overrides: Optional[dict] = None) -> dict:
    """Every setting read once ({name: value}), `overrides` applied, and checked against the others.

    Raises:
        BadSetting: a variable that cannot be read, or settings that contradict each other.
    """
    values = {s.name: get(s.name) for s in SETTINGS}
    values.update(overrides or {})
    check_together(values)
    return values


def check_together(values: dict) -> None:
    """Settings that must agree: the default page fits the largest one, which fits the deepest result."""
    env = {s.name: s.env for s in SETTINGS}
    for small, large in (("per_page", "max_per_page"), ("max_per_page", "max_results_depth")):
        if values[small] > values[large]:
            raise BadSetting(f"{env[small]} ({values[small]}) must not be larger than {env[large]} "
                             f"({values[large]})")


def check() -> None:
    """Read every setting once, so a bad environment variable stops a command before it starts (BadSetting)."""
    load()
