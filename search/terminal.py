"""What the terminal shows of the library: progress bars and warnings on stderr, errors as one line.

In: the library's `Progress` calls and its SearchError. Out: click's bars (one line per step when stderr is
not a terminal), `warning: ...` lines, and `user_errors`, the decorator that makes a command print
`Error: ...` and exit 1 instead of a traceback. The commands themselves are search.cli's.
"""
from __future__ import annotations

import functools
import sys

import click

from .errors import SearchError
from .indexing import Progress


def user_errors(f):
    """Turn library errors into one line on stderr and exit status 1."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except SearchError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(1)
        except BrokenPipeError:
            sys.exit(0)
    return wrapper


class BarProgress(Progress):
    """Progress bars on stderr (click draws them only on a terminal; elsewhere one line per step)."""

    def __init__(self):
        self.bar = None

    def start(self, label, total):
        self.finish()
        if total is None:
            click.echo(f"{label}...", err=True)
            return
        self.bar = click.progressbar(length=total, label=f"{label:<22}", file=sys.stderr, show_pos=True)
        self.bar.__enter__()

    def advance(self, n=1):
        if self.bar is not None:
            self.bar.update(n)

    def finish(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def warn(self, message):
        click.echo(f"warning: {message}", err=True)
