"""`python -m search` and the `casearch` command (pyproject's script): the CLI of search.cli.

In: the command line. Out: what the command prints and its exit status. Importing the CLI reads the stop word
lists (search.analysis); when one is missing or empty that import raises DataMissing, which is printed here as
one line with exit status 1, like every command's errors (search.cli.user_errors). It adds no command.
"""
import sys

from .errors import SearchError


def main() -> None:
    """Run the CLI; a data file that breaks its import is one line on stderr and exit status 1."""
    try:
        from .cli import main as cli  # imported here so that an error raised while importing is caught
    except SearchError as e:
        print(f"Error: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    cli(prog_name="casearch")


if __name__ == "__main__":
    main()
