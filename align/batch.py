"""Moved: corpus mode's tasks, runners and resume state are ``align.corpus.tasks``, ``align.corpus.runners`` and
``align.corpus.resume``. The names tests/test_devices.py imports from here stay until it imports them from there."""

from .corpus.tasks import LazyModel, ToolSpec  # noqa: F401
