"""Every setting, declared once: name, default, help and environment variable.

The CLI options, the Flask config and the README's settings table are all read from SETTINGS.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# the project root: seeds/ and index/ are relative to it by default
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    env: str
    help: str


SETTINGS = (
    Setting("index_dir", str(ROOT / "index"), "CASEARCH_INDEX",
            "Folder of the index (every command's --index-dir wins over it)."),
    Setting("seeds_dir", str(ROOT / "seeds"), "CASEARCH_SEEDS",
            "What `casearch index` reads when given no path."),
    Setting("host", "127.0.0.1", "CASEARCH_HOST", "Address `casearch serve` binds to."),
    Setting("port", 8000, "CASEARCH_PORT", "Port `casearch serve` listens on."),
    Setting("threads", 4, "CASEARCH_THREADS", "Worker threads of the WSGI server."),
    Setting("per_page", 10, "CASEARCH_PER_PAGE", "Results per page when not asked."),
    Setting("max_per_page", 100, "CASEARCH_MAX_PER_PAGE", "Largest per_page a request may ask (400 beyond)."),
    Setting("max_results_depth", 10000, "CASEARCH_MAX_DEPTH",
            "Deepest result a page may reach (page x per_page; 400 beyond)."),
)


def get(name: str):
    """Return a setting's value: its environment variable if set, else its default (typed like the default)."""
    for s in SETTINGS:
        if s.name == name:
            raw = os.environ.get(s.env)
            if raw is None or raw == "":
                return s.default
            return type(s.default)(raw)
    raise KeyError(name)
