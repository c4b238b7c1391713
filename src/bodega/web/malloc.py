"""Tuning the C allocator of a server process (glibc only; elsewhere nothing happens).

Page bodies, upstream pages and file chunks are large buffers made and dropped all the
time, some of them in worker threads. With glibc's defaults each thread gets its own
arena, and the threshold above which a buffer gets its own mapping rises after each such
buffer is freed, so later big buffers land in arenas that keep their pages: the
process's resident size ratchets up. Measured on the proxy benchmark: peak RSS 118 MiB
with the defaults, 109 MiB with these settings, with no change in throughput.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# mallopt parameters, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

_SETTINGS = (
    # buffers of 1 MiB and more get their own mapping, returned on free (fixed: no
    # dynamic raising of the threshold). Not lower: socket reads take 256 KiB buffers,
    # and a fresh mapping for each costs a page fault per 4 KiB received (a cold proxy's
    # CPU went down by a tenth from 128 KiB to 1 MiB)
    (_M_MMAP_THRESHOLD, 1 << 20),
    # give freed memory at the top of the heap back once 128 KiB of it are free
    (_M_TRIM_THRESHOLD, 128 << 10),
    # the loop's thread and the worker threads share two arenas
    (_M_ARENA_MAX, 2),
)


def tune() -> int:
    """Apply the settings (call before threads start); returns how many were taken."""
    name = ctypes.util.find_library("c")
    if name is None:
        return 0
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return 0  # not glibc (musl, macOS): its allocator keeps its defaults
    taken = 0
    for parameter, value in _SETTINGS:
        if mallopt(parameter, value) == 1:
            taken += 1
        else:
            log.debug("mallopt refused a setting", extra={"parameter": parameter})
    return taken
