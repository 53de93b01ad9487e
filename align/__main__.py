"""``python -m align`` is the same as the ``align`` command."""

from .cli import main

main()
