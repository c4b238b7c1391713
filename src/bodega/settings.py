"""bodega's configuration: one frozen value, read once at the edge and validated.

Sources, each overriding the one before: built-in defaults, a TOML file
(``--config``/``BODEGA_CONFIG``, else ``<data dir>/bodega.toml`` when present),
``BODEGA_*`` environment variables, then command-line options.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from bodega.domain.errors import ConfigError
from bodega.upstream.pipconfig import pip_index_url

ENV_PREFIX = "BODEGA_"
DEFAULT_PORT = 8700


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # SQLAlchemy URL; empty means SQLite in the data directory
    database_url: str = ""
    default_index: str = "root"
    # upstream of proxy indexes that follow pip's configuration (resolved at start)
    default_upstream: str = ""
    # serve proxies from their caches only, never contacting an upstream
    offline: bool = False
    upstream_timeout: float = 30.0
    upstream_retries: int = 2
    workers: int = 1
    max_upload_bytes: int = 1 << 30
    page_cache_bytes: int = 64 << 20
    # seconds between reads of the change log (changes made by other nodes)
    poll_interval: float = 2.0
    access_log: bool = False
    log_level: str = "info"
    # index definitions from the config file's [indexes.<name>] tables
    indexes: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'bodega.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def serial_hint_path(self) -> Path:
        return self.data_dir / "serial.hint"


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "indexes"}
_LOG_LEVELS = ("debug", "info", "warning", "error")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("bodega", appauthor=False))


def load_settings(options: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Merge the sources into Settings.

    ``options`` holds command-line values (None = not given); ``env`` is the process
    environment.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or a value out of range.
    """
    given = {k: v for k, v in options.items() if v is not None}
    from_env = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in env.items()
        if key.startswith(ENV_PREFIX) and key != f"{ENV_PREFIX}CONFIG"
    }
    data_dir = Path(given.get("data_dir") or from_env.get("data_dir") or default_data_dir())
    config_path = given.pop("config", None) or env.get(f"{ENV_PREFIX}CONFIG")
    from_file, index_tables = _read_file(
        Path(config_path) if config_path else data_dir / "bodega.toml", required=bool(config_path)
    )
    merged: dict[str, Any] = {}
    for source_name, source in (
        ("config file", from_file),
        ("environment", from_env),
        ("options", given),
    ):
        for key, value in source.items():
            if key not in _FIELDS:
                if source_name == "environment":
                    continue  # other BODEGA_* variables (e.g. for tests) are not settings
                raise ConfigError(
                    f"unknown setting {key!r} in {source_name}",
                    hint=f"known: {', '.join(sorted(_FIELDS))}",
                )
            merged[key] = _coerce(key, value, source_name)
    # the file may name the data directory too (when it is given with --config); as for
    # the file lookup above, an empty value means "not given"
    explicit = given.get("data_dir") or from_env.get("data_dir") or from_file.get("data_dir")
    merged["data_dir"] = Path(explicit or data_dir).expanduser().resolve()
    merged["indexes"] = index_tables
    if not merged.get("default_upstream"):
        try:
            merged["default_upstream"] = pip_index_url(env)
        except ConfigError:
            merged["default_upstream"] = ""  # a proxy that needs it says so when used
    settings = Settings(**merged)
    _validate(settings)
    return settings


def _read_file(path: Path, *, required: bool) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The [server] settings and the [indexes.<name>] tables of a TOML config file."""
    if not path.is_file():
        if required:
            raise ConfigError(f"config file {path} does not exist")
        return {}, {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))  # TOML is UTF-8
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    server = document.get("server", {})
    if not isinstance(server, dict):
        raise ConfigError(f"[server] in {path} must be a table")
    index_tables = document.get("indexes", {})
    if not isinstance(index_tables, dict) or not all(
        isinstance(v, dict) for v in index_tables.values()
    ):
        raise ConfigError(f"[indexes] in {path} must hold one table per index")
    unknown = set(document) - {"server", "indexes"}
    if unknown:
        raise ConfigError(f"unknown sections in {path}: {', '.join(sorted(unknown))}")
    return {k.replace("-", "_"): v for k, v in server.items()}, index_tables


def _coerce(key: str, value: Any, source: str) -> Any:
    """Parse a string (environment, options) or check a typed value (TOML, options).

    A typed value must have the setting's type: int() and str() would quietly turn
    ``port = true`` into 1, ``port = 80.5`` into 80 and ``host = [..]`` into text.
    """
    kind = _FIELDS[key].type
    try:
        if kind in ("int", int):
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise TypeError(value)
            return int(value)
        if kind in ("float", float):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise TypeError(value)
            return float(value)
        if kind in ("bool", bool):
            return _boolean(value)
        if not isinstance(value, str | Path):
            raise TypeError(value)
        if kind in ("Path", Path):
            return Path(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {key!r} from {source} has invalid value {value!r}", hint=f"expected {kind}"
        ) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _validate(settings: Settings) -> None:
    checks = [
        (0 <= settings.port <= 65535, "port", "0-65535"),
        (1 <= settings.workers <= 256, "workers", "1-256"),
        (settings.max_upload_bytes > 0, "max_upload_bytes", "a positive number of bytes"),
        (settings.page_cache_bytes >= 1 << 20, "page_cache_bytes", "at least 1 MiB"),
        (settings.poll_interval >= 0, "poll_interval", "seconds, 0 to disable"),
        (settings.upstream_timeout > 0, "upstream_timeout", "seconds"),
        (0 <= settings.upstream_retries <= 10, "upstream_retries", "0-10"),
        (settings.log_level in _LOG_LEVELS, "log_level", ", ".join(_LOG_LEVELS)),
    ]
    for ok, key, expected in checks:
        if not ok:
            raise ConfigError(
                f"setting {key} = {getattr(settings, key)!r} is out of range",
                hint=f"expected {expected}",
            )
