"""Ending a process with its parent: the demo worker with the UI, a lab's
sandboxed child with the worker (or `gradtour check`). Neither would ever be
told to stop once its parent is gone, however that parent died (SIGKILL,
SIGHUP).
"""

from __future__ import annotations

import signal
import sys

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies.

    False where it cannot be asked (not Linux, no usable libc): the caller
    that must not outlive its parent then watches for itself. A parent that
    died before this call is not noticed (the kernel only watches from now).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
