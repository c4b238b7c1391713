"""Running many ``bodega`` commands through one long-lived Python process.

Each ``python -m bodega`` pays 1-2 s of imports before it does anything; tests that set
up users, tokens and indexes, then yank, delete and push, would spend most of their time
starting interpreters. A ``CliSession`` keeps one child process that runs the same click
commands (click's test runner), on the server's data directory, in the same clean
environment, and reports each one's exit code and output as a separate run would.

Use ``Server.cli`` where the test is about the command as a shell runs it; a session
for everything else.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from tests.support.server import CLI_TIMEOUT, Server, clean_environ

_REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    """One finished command."""

    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"$ bodega {' '.join(self.args)}\nexit {self.exit_code}\n"
            f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        )


class CliSession:
    """``bodega`` commands run one after another in one child process."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._child = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=_REPO,
            env=clean_environ(),
        )

    def run(self, *args: str, input: str | None = None, check: bool = True) -> Outcome:
        """``bodega ARGS --data-dir <the server's>``; with ``check``, a non-zero exit
        fails the test with the command's output."""
        stdin, stdout = self._pipes()
        request = {"args": list(args), "input": input, "data_dir": str(self.server.data_dir)}
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        line = stdout.readline()
        assert line, f"the CLI session exited with {self._child.wait(CLI_TIMEOUT)}"
        answer = json.loads(line)
        outcome = Outcome(tuple(args), answer["exit_code"], answer["stdout"], answer["stderr"])
        if check:
            assert outcome.exit_code == 0, outcome.describe()
        return outcome

    def close(self) -> None:
        stdin, _ = self._pipes()
        stdin.close()
        try:
            self._child.wait(CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait(CLI_TIMEOUT)
        assert self._child.stdout is not None
        self._child.stdout.close()

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        return self._child.stdin, self._child.stdout

    def __enter__(self) -> CliSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _serve() -> None:
    """The child: one JSON request per line on stdin, one JSON answer per line out."""
    import traceback

    from click.testing import CliRunner

    from bodega.cli.main import cli

    answers = sys.stdout  # the runner swaps sys.stdout while a command runs
    runner = CliRunner()
    for line in sys.stdin:
        request = json.loads(line)
        args = [*request["args"], "--data-dir", request["data_dir"]]
        result = runner.invoke(cli, args, input=request["input"])
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            assert result.exc_info is not None
            stderr += "".join(traceback.format_exception(*result.exc_info))
        answer = {"exit_code": result.exit_code, "stdout": result.stdout, "stderr": stderr}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve()
