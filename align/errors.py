"""Errors the user can act on.

Everything the CLI reports as a one-line message (exit code 1) is an
``InputError``; anything else escaping the library is a bug (exit code 2).
"""


class InputError(Exception):
    """Bad input or usage: a missing, empty, undecodable or unsuitable file."""
