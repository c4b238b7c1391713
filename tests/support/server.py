"""Running the real ``bodega serve`` as a subprocess on a loopback port.

End-to-end tests talk to the server the way users do: over HTTP on 127.0.0.1, with
the CLI run next to it on the same data directory. The server is started with a clean
environment (no installer or BODEGA_* settings leak in from the machine), waited for
through ``/healthz``, and stopped with SIGTERM (SIGKILL if it does not stop).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
# nothing listens on the discard port: connections are refused at once
NO_UPSTREAM = f"http://{HOST}:9/simple/"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0
_BIND_ATTEMPTS = 5
# environment variables that would change what the server or the CLI do
_SCRUBBED_PREFIXES = ("BODEGA_", "PIP_", "UV_", "TWINE_")


def clean_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without bodega/installer settings, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(_SCRUBBED_PREFIXES) and not key.lower().endswith("_proxy")
    }
    env["NO_PROXY"] = env["no_proxy"] = HOST
    # the default "pypi" proxy follows pip's configuration: point it at a closed loopback
    # port so no test ever reaches a real index (proxy tests pass their fake upstream)
    env["PIP_INDEX_URL"] = NO_UPSTREAM
    env.update(extra or {})
    return env


def free_port() -> int:
    """A port that was free a moment ago (the caller must cope with losing a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def bodega_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bodega", *args]


@dataclass
class Server:
    """A running ``bodega serve`` process and the ways to reach it."""

    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def log(self) -> str:
        """What the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def cli(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        data_dir_option: bool = True,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m bodega ARGS --data-dir <this server's>``.

        ``data_dir_option=False`` leaves the option out (pass BODEGA_DATA_DIR in ``env``).
        With ``check``, a non-zero exit fails the test with the command's output.
        """
        command = bodega_command(*args)
        if data_dir_option:
            command += ["--data-dir", str(self.data_dir)]
        result = subprocess.run(
            command,
            input=input,
            capture_output=True,
            text=True,
            env=clean_environ(env),
            timeout=CLI_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def is_healthy(self) -> bool:
        return _health_status(self.port) == 200

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


def _health_status(port: int) -> int | None:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def _launch(data_dir: Path, port: int, log_path: Path, env: dict[str, str]) -> Server:
    command = bodega_command(
        "serve", "--data-dir", str(data_dir), "--port", str(port), "--host", HOST
    )
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    return Server(data_dir=data_dir, port=port, process=process, log_path=log_path, env=env)


def _wait_healthy(server: Server, timeout: float) -> bool:
    """True once /healthz answers 200; False if the process exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if server.is_healthy():
            return True
        time.sleep(0.05)
    server.stop()
    raise AssertionError(
        f"bodega serve did not answer /healthz within {timeout} s; its log:\n{server.log()}"
    )


def start_server(
    data_dir: Path, env: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT
) -> Server:
    """Start ``bodega serve`` on a free loopback port and wait until it is healthy.

    A port taken between choosing and binding it (other tests, other processes) is
    retried with another port.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    environ = clean_environ(env)
    for _attempt in range(_BIND_ATTEMPTS):
        server = _launch(data_dir, free_port(), log_path, environ)
        if _wait_healthy(server, timeout):
            return server
        server.stop()
        if "address already in use" not in server.log().lower():
            break
    raise AssertionError(f"bodega serve exited with {server.process.returncode}:\n{server.log()}")


@contextmanager
def running_server(data_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """A started server, stopped on exit."""
    server = start_server(data_dir, env)
    try:
        yield server
    finally:
        server.stop()
