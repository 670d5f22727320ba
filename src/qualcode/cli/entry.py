"""The ``qualcode`` program (the console script and ``python -m qualcode``).

A help request (``qualcode --help``, ``qualcode report themes -h`` …) is answered from the
recorded help pages without importing Typer (cli/quick_help.py: the same bytes, a fraction of
the start-up); everything else runs the Typer app in cli/main.py.
"""

import sys


def main() -> None:
    from qualcode.cli.quick_help import answer

    if answer(sys.argv[1:]):
        return
    from qualcode.cli.main import main as run

    run()
