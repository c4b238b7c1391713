"""Settings: defaults < TOML file < BODEGA_* environment < command-line options."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bodega.domain.errors import ConfigError
from bodega.settings import DEFAULT_PORT, Settings, default_data_dir, load_settings

# pip's index comes from the environment given, never from this machine's pip config
UPSTREAM = "http://127.0.0.1:9/simple/"
BASE_ENV = {"PIP_INDEX_URL": UPSTREAM, "PIP_CONFIG_FILE": "/dev/null"}


def _load(
    tmp_path: Path,
    *,
    toml: str | None = None,
    env: dict[str, str] | None = None,
    **options: Any,
) -> Settings:
    if toml is not None:
        config = tmp_path / "bodega.toml"
        config.write_text(toml, encoding="utf-8")
    options.setdefault("data_dir", str(tmp_path))
    return load_settings(options, BASE_ENV | (env or {}))


def test_defaults(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    assert settings.data_dir == tmp_path.resolve()
    assert settings.host == "127.0.0.1"
    assert settings.port == DEFAULT_PORT == 8700
    assert settings.database_url == ""
    assert settings.workers == 1
    assert settings.max_upload_bytes == 1 << 30
    assert settings.page_cache_bytes == 64 << 20
    assert settings.poll_interval == 2.0
    assert settings.access_log is False
    assert settings.log_level == "info"


def test_derived_paths(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    assert settings.database == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'bodega.sqlite3'}"
    assert settings.blob_dir == tmp_path.resolve() / "blobs"
    url = "postgresql+asyncpg://u@127.0.0.1/bodega"
    assert _load(tmp_path, database_url=url).database == url


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_default_data_dir_is_used_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = load_settings({}, BASE_ENV)
    assert settings.data_dir == default_data_dir().resolve()
    assert settings.data_dir.is_relative_to(tmp_path.resolve())


def test_data_dir_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _load(tmp_path, data_dir="~/bodega-data").data_dir == tmp_path.resolve() / "bodega-data"


_TOML = """
[server]
host = "127.0.0.3"
port = 9000
workers = 4
access-log = true
poll_interval = 0.5
log_level = "debug"
"""


def test_file_in_the_data_dir_is_read(tmp_path: Path) -> None:
    settings = _load(tmp_path, toml=_TOML)
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.3", 9000, 4)
    assert settings.access_log is True
    assert settings.poll_interval == 0.5
    assert settings.log_level == "debug"


@pytest.mark.parametrize("via", ["option", "env"])
def test_explicit_config_file(tmp_path: Path, via: str) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text(_TOML, encoding="utf-8")
    data_dir = tmp_path / "data"
    if via == "option":
        settings = load_settings({"config": str(config), "data_dir": str(data_dir)}, BASE_ENV)
    else:
        env = BASE_ENV | {"BODEGA_CONFIG": str(config), "BODEGA_DATA_DIR": str(data_dir)}
        settings = load_settings({}, env)
    assert settings.port == 9000
    assert settings.data_dir == data_dir.resolve()


def test_data_dir_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "bodega.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "from-file"}"\n', encoding="utf-8")
    settings = load_settings({"config": str(config)}, BASE_ENV)
    assert settings.data_dir == (tmp_path / "from-file").resolve()


@pytest.mark.parametrize(
    ("options", "env", "expected"),
    [
        pytest.param({}, {"BODEGA_DATA_DIR": "env"}, "env", id="env-over-file"),
        pytest.param({"data_dir": "opt"}, {"BODEGA_DATA_DIR": "env"}, "opt", id="option-over-env"),
        pytest.param({}, {"BODEGA_DATA_DIR": ""}, "from-file", id="empty-env-is-not-given"),
    ],
)
def test_data_dir_precedence(
    tmp_path: Path, options: dict[str, str], env: dict[str, str], expected: str
) -> None:
    config = tmp_path / "bodega.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "from-file"}"\n', encoding="utf-8")
    options = {k: str(tmp_path / v) for k, v in options.items()}
    env = {k: str(tmp_path / v) if v else v for k, v in env.items()}
    settings = load_settings({"config": str(config), **options}, BASE_ENV | env)
    assert settings.data_dir == (tmp_path / expected).resolve()


def test_environment_overrides_file_and_options_override_environment(tmp_path: Path) -> None:
    env = {"BODEGA_PORT": "9100", "BODEGA_HOST": "127.0.0.2"}
    from_env = _load(tmp_path, toml=_TOML, env=env)
    assert (from_env.port, from_env.host, from_env.workers) == (9100, "127.0.0.2", 4)
    from_options = _load(tmp_path, toml=_TOML, env=env, port=9200)
    assert (from_options.port, from_options.host) == (9200, "127.0.0.2")
    not_given = _load(tmp_path, toml=_TOML, env=env, port=None)
    assert not_given.port == 9100


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"BODEGA_WORKERS": "3"}, "workers", 3),
        ({"BODEGA_POLL_INTERVAL": "0"}, "poll_interval", 0.0),
        ({"BODEGA_POLL_INTERVAL": "1.5"}, "poll_interval", 1.5),
        ({"BODEGA_DATABASE_URL": "sqlite+aiosqlite:///x"}, "database_url", "sqlite+aiosqlite:///x"),
        ({"BODEGA_MAX_UPLOAD_BYTES": "1024"}, "max_upload_bytes", 1024),
        ({"BODEGA_ACCESS_LOG": "1"}, "access_log", True),
        ({"BODEGA_ACCESS_LOG": "yes"}, "access_log", True),
        ({"BODEGA_ACCESS_LOG": "ON"}, "access_log", True),
        ({"BODEGA_ACCESS_LOG": "true"}, "access_log", True),
        ({"BODEGA_ACCESS_LOG": "0"}, "access_log", False),
        ({"BODEGA_ACCESS_LOG": "off"}, "access_log", False),
        ({"BODEGA_ACCESS_LOG": "False"}, "access_log", False),
        ({"BODEGA_ACCESS_LOG": ""}, "access_log", False),
        # other BODEGA_* variables are not settings and are left alone
        ({"BODEGA_TEST_SOMETHING": "x"}, "port", DEFAULT_PORT),
    ],
)
def test_environment_values(tmp_path: Path, env: dict[str, str], field: str, value: Any) -> None:
    assert getattr(_load(tmp_path, env=env), field) == value


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param("[server]\nprot = 1\n", "unknown setting 'prot' in config file", id="key"),
        pytest.param("[sever]\nport = 1\n", "unknown sections", id="section"),
        pytest.param("port = 1\n", "unknown sections", id="top-level-key"),
        pytest.param("server = 1\n", r"\[server\]", id="server-not-table"),
        pytest.param("[server\n", "not valid TOML", id="syntax"),
        pytest.param('[server]\nport = "abc"\n', "'port' from config file", id="int-text"),
        pytest.param("[server]\nport = true\n", "'port' from config file", id="int-bool"),
        pytest.param("[server]\nport = 80.5\n", "'port' from config file", id="int-float"),
        pytest.param("[server]\nworkers = [1]\n", "'workers' from config file", id="int-list"),
        pytest.param('[server]\naccess_log = "maybe"\n', "'access_log'", id="bool-text"),
        pytest.param("[server]\naccess_log = 2\n", "'access_log'", id="bool-int"),
        pytest.param("[server]\npoll_interval = true\n", "'poll_interval'", id="float-bool"),
        pytest.param('[server]\nhost = ["a"]\n', "'host' from config file", id="str-list"),
        pytest.param("[server]\nhost = 1\n", "'host' from config file", id="str-int"),
        pytest.param("[server]\nlog_level = {a = 1}\n", "'log_level'", id="str-table"),
        pytest.param("[server]\ndata_dir = 1\n", "'data_dir' from config file", id="path-int"),
    ],
)
def test_bad_config_files(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        _load(tmp_path, toml=toml)
    assert caught.value.code == "config-error"


def test_config_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "bodega.toml").write_bytes(b'[server]\nhost = "\xff"\n')
    with pytest.raises(ConfigError, match="not valid TOML"):
        _load(tmp_path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BODEGA_PORT": "abc"}, "setting 'port' from environment has invalid value 'abc'"),
        ({"BODEGA_PORT": "80.5"}, "'port' from environment"),
        ({"BODEGA_WORKERS": ""}, "'workers' from environment"),
        ({"BODEGA_POLL_INTERVAL": "soon"}, "'poll_interval' from environment"),
        ({"BODEGA_ACCESS_LOG": "maybe"}, "'access_log' from environment"),
    ],
)
def test_bad_environment_values(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, env=env)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 70000}, "setting port = 70000 is out of range"),
        ({"port": -1}, "setting port = -1"),
        ({"workers": 0}, "setting workers = 0"),
        ({"workers": 257}, "setting workers = 257"),
        ({"max_upload_bytes": 0}, "setting max_upload_bytes = 0"),
        ({"page_cache_bytes": 1000}, "setting page_cache_bytes = 1000"),
        ({"poll_interval": -1.0}, "setting poll_interval = -1.0"),
        ({"log_level": "loud"}, "setting log_level = 'loud'"),
        ({"colour": "blue"}, "unknown setting 'colour' in options"),
    ],
)
def test_bad_options(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        _load(tmp_path, **options)
    if "out of range" in message:
        assert "expected" in str(caught.value)


@pytest.mark.parametrize("boundary", [{"port": 0}, {"port": 65535}, {"workers": 256}])
def test_range_boundaries_are_accepted(tmp_path: Path, boundary: dict[str, Any]) -> None:
    settings = _load(tmp_path, **boundary)
    ((field, value),) = boundary.items()
    assert getattr(settings, field) == value


@pytest.mark.parametrize("via", ["option", "env"])
def test_missing_config_file(tmp_path: Path, via: str) -> None:
    missing = tmp_path / "nope.toml"
    options = {"data_dir": str(tmp_path)}
    env = dict(BASE_ENV)
    if via == "option":
        options["config"] = str(missing)
    else:
        env["BODEGA_CONFIG"] = str(missing)
    with pytest.raises(ConfigError, match=f"config file {missing} does not exist"):
        load_settings(options, env)


def test_missing_default_config_file_is_fine(tmp_path: Path) -> None:
    assert not (tmp_path / "bodega.toml").exists()
    assert _load(tmp_path).port == DEFAULT_PORT
