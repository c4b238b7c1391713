"""The clients users point at bodega — pip, uv, twine — and raw HTTP for what they cannot say.

The installers run as subprocesses with a clean environment and no configuration: this
machine's pip configuration (find-links, extra index URLs, constraints) must not decide
what gets installed, so every install can come only from the server under test. Targets
are fresh virtual environments made with ``uv venv``; the test venv is never touched.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlsplit

from tests.support.server import HOST, clean_environ

CLIENT_TIMEOUT = 120.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BIN = Path(sys.executable).parent
UV = str(BIN / "uv")
TWINE = str(BIN / "twine")


def client_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment with no PIP_*/UV_*/TWINE_* settings and no keyring prompts."""
    env = clean_environ()
    # the server's default upstream setting is no business of the clients
    env.pop("PIP_INDEX_URL", None)
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "NO_COLOR": "1",
            "TERM": "dumb",
            # twine's console wraps at the terminal width; one message, one line
            "COLUMNS": "1000",
        }
    )
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class Ran:
    """A finished client command."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr, without colour codes and with runs of whitespace as one space."""
        return " ".join(_ANSI.sub("", self.stdout + "\n" + self.stderr).split())

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.command)}\nexit {self.returncode}\n"
            f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        )

    def ok(self) -> Ran:
        """Fail the test unless the command exited 0; returns self for chaining."""
        assert self.returncode == 0, self.describe()
        return self

    def failed(self) -> Ran:
        """Fail the test unless the command exited non-zero."""
        assert self.returncode != 0, self.describe()
        return self


def run(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Ran:
    result = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        env=client_env(env),
        cwd=cwd,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    return Ran(list(command), result.returncode, result.stdout, result.stderr)


# --- installers -------------------------------------------------------------------


def pip(*args: str) -> Ran:
    """The venv's pip, isolated from every configuration file and PIP_* variable."""
    return run(
        [
            sys.executable,
            "-m",
            "pip",
            "--isolated",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-input",
            *args,
        ]
    )


def uv(*args: str) -> Ran:
    """The uv next to the test interpreter, with no config files and no cache."""
    return run([UV, "--no-config", "--no-cache", *args])


def make_venv(path: Path) -> Path:
    """A fresh virtual environment (``uv venv``); returns its python."""
    uv("venv", "--quiet", "--python", sys.executable, str(path)).ok()
    return path / "bin" / "python"


def pip_install(python: Path, index_url: str, *requirements: str) -> Ran:
    """``pip --python VENV install --index-url URL REQ...`` (only the given index)."""
    return pip(
        "--python", str(python), "install", "--index-url", index_url, "--only-binary", ":all:",
        *requirements,
    )  # fmt: skip


def uv_pip_install(python: Path, index_url: str, *requirements: str) -> Ran:
    return uv(
        "pip", "install", "--python", str(python),
        "--index-url", index_url, "--only-binary", ":all:", *requirements,
    )  # fmt: skip


def installed_version(python: Path, module: str) -> str:
    """Import ``module`` in the venv and return its ``__version__``."""
    result = subprocess.run(
        [str(python), "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
        env=client_env(),
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"import {module} failed:\n{result.stderr}"
    return result.stdout.strip()


# --- publishers -------------------------------------------------------------------


def twine_upload(
    repository_url: str, files: Sequence[Path], user: str, password: str, *extra: str
) -> Ran:
    """``twine upload`` with explicit credentials and a config file that does not exist."""
    missing_config = Path(files[0]).parent / f"no-pypirc-{secrets.token_hex(4)}"
    return run(
        [
            TWINE, "upload", "--non-interactive", "--disable-progress-bar",
            "--config-file", str(missing_config), "--repository-url", repository_url,
            "-u", user, "-p", password, *extra, *map(str, files),
        ]
    )  # fmt: skip


def uv_publish(
    publish_url: str, files: Sequence[Path], user: str, password: str, *extra: str
) -> Ran:
    return uv(
        "publish", "--trusted-publishing", "never",
        "--publish-url", publish_url, "-u", user, "-p", password, *extra, *map(str, files),
    )  # fmt: skip


# --- raw HTTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30.0,
) -> Response:
    """One HTTP request to the loopback server; redirects are not followed."""
    parts = urlsplit(url)
    assert parts.hostname == HOST, f"e2e traffic goes to {HOST} only, not {url}"
    connection = http.client.HTTPConnection(HOST, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
        return Response(response.status, response.reason, response.headers, data)
    finally:
        connection.close()


def get(url: str, **headers: str) -> Response:
    """GET with headers given as keyword arguments (``Accept_Encoding`` → ``Accept-Encoding``)."""
    return request("GET", url, headers={k.replace("_", "-"): v for k, v in headers.items()})


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --- the legacy upload API, spelled out -------------------------------------------


@dataclass(frozen=True)
class Part:
    """One multipart/form-data part; ``filename`` makes it a file part.

    ``encoded_filename`` sends the name as RFC 5987 ``filename*=utf-8''...`` instead.
    """

    name: str
    data: bytes
    filename: str | None = None
    encoded_filename: bool = False


def multipart(parts: Sequence[Part], boundary: str | None = None) -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart/form-data request with these parts."""
    boundary = boundary or f"bodega-tests-{secrets.token_hex(12)}"
    chunks: list[bytes] = []
    for part in parts:
        disposition = f'form-data; name="{part.name}"'
        if part.filename is not None and part.encoded_filename:
            disposition += f"; filename*=utf-8''{quote(part.filename, safe='')}"
        elif part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode())
        if part.filename is not None:
            chunks.append(b"Content-Type: application/octet-stream\r\n")
        chunks += [b"\r\n", part.data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def digest_fields(data: bytes) -> dict[str, str]:
    """The three digests twine declares for a file."""
    return {
        "md5_digest": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        "blake2_256_digest": hashlib.blake2b(data, digest_size=32).hexdigest(),
    }


def upload_fields(
    name: str,
    version: str,
    filetype: str,
    data: bytes,
    overrides: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """The form fields twine sends; an override of None leaves a field out."""
    fields = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name,
        "version": version,
        "filetype": filetype,
        "pyversion": "py3" if filetype == "bdist_wheel" else "source",
        **digest_fields(data),
    }
    for key, value in (overrides or {}).items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return fields


def upload_parts(fields: Mapping[str, str], filename: str, data: bytes) -> list[Part]:
    return [*(Part(k, v.encode()) for k, v in fields.items()), Part("content", data, filename)]


def post_upload(
    url: str,
    parts: Sequence[Part],
    *,
    auth: str | None,
    content_type: str | None = None,
    body: bytes | None = None,
) -> Response:
    """POST an upload built from ``parts`` (or a given ``body``/``content_type``)."""
    built_type, built_body = multipart(parts)
    headers = {"Content-Type": content_type or built_type}
    if auth is not None:
        headers["Authorization"] = auth
    return request("POST", url, headers=headers, body=built_body if body is None else body)
