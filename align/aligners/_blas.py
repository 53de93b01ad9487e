"""Run numpy's BLAS on one thread while aligning.

The aligner does thousands of small matrix products (a block of rows of the
grid against a few dozen columns). A multi-threaded OpenBLAS wakes its
threads for each of them; when the cores are busy with anything else, every
product then waits for a core, and the alignment of a 300-sentence document
was measured to take ten times longer (2 s against 20 s for Text+Berg on two
busy cores). One thread is as fast when the machine is idle.

There is no portable switch once numpy is loaded (``OPENBLAS_NUM_THREADS``
is read at start-up, threadpoolctl is not a dependency), so this looks for
the thread-count functions of the OpenBLAS bundled with numpy's wheels and,
when they are not found, does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager

_PAIRS = [("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
          ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
          ("openblas_set_num_threads", "openblas_get_num_threads")]
_funcs = None


def _find():
    import numpy

    base = os.path.dirname(numpy.__file__)
    paths = glob.glob(base + ".libs/*openblas*") + glob.glob(os.path.join(base, ".dylibs", "*openblas*"))
    for path in paths:
        try:
            lib = ctypes.CDLL(path)  # already loaded by numpy: this is the same library
        except OSError:
            continue
        for set_name, get_name in _PAIRS:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                setter, getter = getattr(lib, set_name), getattr(lib, get_name)
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


@contextmanager
def one_blas_thread():
    """Within the block numpy's OpenBLAS uses one thread (when it can be found); restored after."""
    global _funcs
    if _funcs is None:
        try:
            _funcs = _find() or False
        except Exception:  # an unexpected layout only costs speed
            _funcs = False
    if not _funcs:
        yield
        return
    setter, getter = _funcs
    old = getter()
    setter(1)
    try:
        yield
    finally:
        setter(max(1, old))
