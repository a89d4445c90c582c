"""`python -m search` is the `casearch` command."""
from .cli import main

main(prog_name="casearch")
