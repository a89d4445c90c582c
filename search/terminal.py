"""What the terminal shows of the library: progress bars and warnings on stderr, errors as one line.

In: the library's `Progress` calls and its SearchError. Out: click's bars (one line per step when stderr is
not a terminal), `warning: ...` lines, `user_errors`, the decorator that makes a command print `Error: ...`
and exit 1 instead of a traceback, `write_out` (data lines to stdout, a failed write as one line) and
`listen_error` (why a server cannot listen, in words). The commands themselves are search.cli's.
"""
from __future__ import annotations

import errno
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
        except OSError as e:  # the machine's, not ours: a full disk, a permission, a vanished folder
            where = f": {e.filename}" if e.filename else ""
            click.echo(f"Error: {e.strerror or e}{where}", err=True)
            sys.exit(1)
    return wrapper


def write_out(lines) -> None:
    """Write text to stdout and flush it; a write that fails (a full disk, /dev/full) stops the command with
    one line (`Error: cannot write the output: ...`, exit 1), a closed pipe quietly (user_errors)."""
    for line in lines:
        _write(line)
    _write("")


def _write(text: str) -> None:
    try:
        if text:
            sys.stdout.write(text)
        else:
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        raise click.ClickException(f"cannot write the output: {e.strerror or e}") from None


# the reasons a socket cannot be bound, as a user can act on them
_LISTEN_REASONS = {
    errno.EADDRINUSE: "address already in use — is another casearch serve running? use --port",
    errno.EACCES: "permission denied (ports below 1024 need privileges); use --port",
    errno.EADDRNOTAVAIL: "no such address on this machine; use --host",
}


def listen_error(host: str, port: int, error: Exception) -> str:
    """Say why a server cannot listen on host:port, from the OSError of its bind or waitress's ValueError
    for a host it cannot resolve."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(error, OSError):
        reason = _LISTEN_REASONS.get(error.errno) or (error.strerror or str(error))
    else:
        reason = f"{host!r} is neither an address nor a host name this machine can resolve; use --host"
    return f"cannot listen on {where}: {reason}"


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
