"""The index the local pip is configured to use: bodega's default upstream.

Order, as pip itself resolves it: ``PIP_INDEX_URL``, then ``index-url`` from pip's
configuration files, then pip's built-in default. The built-in default is read from the
installed pip at run time; bodega never names a registry host itself.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

from bodega.domain.errors import ConfigError


def pip_index_url(env: Mapping[str, str]) -> str:
    """The index URL pip would use.

    Raises:
        ConfigError: nothing is configured and pip is not importable to tell its default.
    """
    if env.get("PIP_INDEX_URL"):
        return env["PIP_INDEX_URL"].split()[0]
    configured = _from_config_files(env)
    if configured:
        return configured
    try:
        from pip._internal.models.index import PyPI
    except ImportError:
        raise ConfigError(
            "no upstream index is configured and pip is not installed to tell its default",
            hint="set PIP_INDEX_URL, or give the proxy index an upstream with "
            "`bodega index set pypi --upstream URL`",
        ) from None
    return str(PyPI.simple_url)


def _config_files(env: Mapping[str, str]) -> list[Path]:
    """pip's configuration files, lowest priority first (pip's documented order)."""
    if env.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    xdg_dirs = env.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
    home = Path(env.get("HOME", "~")).expanduser()
    xdg_home = Path(env.get("XDG_CONFIG_HOME", home / ".config"))
    files = [Path("/etc/pip.conf")]
    files += [Path(d) / "pip" / "pip.conf" for d in reversed(xdg_dirs)]
    files += [home / ".pip" / "pip.conf", xdg_home / "pip" / "pip.conf"]
    if env.get("VIRTUAL_ENV"):
        files.append(Path(env["VIRTUAL_ENV"]) / "pip.conf")
    if env.get("PIP_CONFIG_FILE"):
        files.append(Path(env["PIP_CONFIG_FILE"]))
    return files


def _from_config_files(env: Mapping[str, str]) -> str | None:
    found = None
    for path in _config_files(env):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in ("global", "install", "download"):
            if parser.has_option(section, "index-url"):
                found = parser.get(section, "index-url").split()[0]
                break
    return found
