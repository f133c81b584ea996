"""``python -m kefu`` runs the ``kefu`` command."""

from kefu.cli import main

main()
