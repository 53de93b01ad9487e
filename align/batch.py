"""Moved: corpus mode's tasks, runners and resume state are ``align.corpus.tasks``, ``align.corpus.runners`` and
``align.corpus.resume``. These names stay importable from here until no caller uses this module."""

from .corpus.resume import STATE_DIR, pair_key, read_state, state_path  # noqa: F401
from .corpus.runners import DaskRunner, InlineRunner, LocalRunner, cpu_count, make_runner  # noqa: F401
from .corpus.run import CorpusOptions as BatchOptions  # noqa: F401
from .corpus.tasks import LazyModel, LoadTask, PairTask, SeededEncoder, ToolSpec, load_task, run_pair_task  # noqa: F401
