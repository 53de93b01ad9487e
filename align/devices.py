"""Where an encoder runs: ``--device auto|cpu|cuda[:N]``.

``auto`` takes a GPU when torch sees one. The check looks for the NVIDIA
driver's device files first, so a machine without a GPU never imports torch
just to learn that (importing it takes seconds; a run whose vectors are all
cached needs no torch at all).
"""

from __future__ import annotations

import glob
import re

from .errors import InputError

DEVICES = ("auto", "cpu", "cuda")
_CUDA = re.compile(r"cuda(?::(\d+))?")


def gpu_driver_present() -> bool:
    """NVIDIA's device files exist (no driver, no CUDA: torch is not needed to know)."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def cuda_count() -> int:
    """GPUs torch can use here (0 without torch, a driver or a CUDA build of torch)."""
    if not gpu_driver_present():
        return 0
    try:
        import torch
    except ImportError:
        return 0
    try:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except RuntimeError:  # a driver torch cannot talk to
        return 0


def resolve_device(name: str | None) -> str:
    """``cpu`` or ``cuda:N`` for a ``--device`` value; an InputError when it cannot run here.

    ``cuda`` without a usable GPU is an error rather than a silent fall-back to
    the CPU: a user who asks for the GPU wants to know it is not used.
    """
    value = (name or "auto").strip().lower()
    if value == "auto":
        return "cuda:0" if cuda_count() else "cpu"
    if value == "cpu":
        return "cpu"
    match = _CUDA.fullmatch(value)
    if not match:
        raise InputError(f"unknown device {name!r}: use auto, cpu or cuda (cuda:N for GPU N)")
    index = int(match.group(1) or 0)
    count = cuda_count()
    if not count:
        raise InputError(f"--device {name}: torch sees no GPU here (no NVIDIA driver, or a CPU-only torch); "
                         "use --device cpu")
    if index >= count:
        raise InputError(f"--device {name}: torch sees {count} GPU(s), numbered from 0")
    return f"cuda:{index}"
