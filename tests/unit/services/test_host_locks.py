"""Host-wide named locks: another process holding a name makes a taker wait for it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from bodega.services.host_locks import HostLocks

# a second process: takes the lock "a/b", says so, holds it for a while, exits
_HOLDER = """
import asyncio, sys
from pathlib import Path
from bodega.services.host_locks import HostLocks

async def main():
    locks = HostLocks(Path(sys.argv[1]), poll=0.01)
    async with locks.hold("a/b") as waited:
        print("held", waited, flush=True)
        await asyncio.sleep(float(sys.argv[2]))

asyncio.run(main())
"""


def _holder(path: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    process.stdout.close()  # the holder says no more
    assert line.split() == ["held", "False"]
    return process


def test_a_name_held_by_another_process_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "locks"
    holder = _holder(path, 0.5)

    async def take() -> tuple[bool, float]:
        locks = HostLocks(path, poll=0.01)
        started = time.monotonic()
        try:
            async with locks.hold("a/b") as waited:
                # the holder has let go: it has exited
                assert holder.poll() is not None or holder.wait(5) == 0
                return waited, time.monotonic() - started
        finally:
            locks.close()

    waited, took = asyncio.run(take())
    assert holder.wait(5) == 0
    assert waited
    assert took > 0.2


def test_other_names_and_released_names_do_not_wait(tmp_path: Path) -> None:
    path = tmp_path / "locks"
    holder = _holder(path, 5)

    async def take(name: str) -> bool:
        locks = HostLocks(path, poll=0.01)
        try:
            async with asyncio.timeout(2), locks.hold(name) as waited:
                return waited
        finally:
            locks.close()

    try:
        assert asyncio.run(take("a/c")) is False
    finally:
        holder.kill()
        holder.wait(5)
    # a process that dies lets go of its locks, and taking one leaves no other file behind
    assert asyncio.run(take("a/b")) is False
    assert [p.name for p in tmp_path.iterdir()] == ["locks"]
