"""Secrets never shown: passwords in configs and inside upstream URLs."""

from __future__ import annotations

import pytest

from bodega.domain.redact import MASK, redact_config, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://up.invalid/simple/", "https://up.invalid/simple/"),
        ("https://me:s3cret@up.invalid/simple/", f"https://me:{MASK}@up.invalid/simple/"),
        ("https://me:s3cret@up.invalid:8443/x/", f"https://me:{MASK}@up.invalid:8443/x/"),
        ("https://token@up.invalid/simple/", "https://token@up.invalid/simple/"),
    ],
)
def test_redact_url(url: str, shown: str):
    assert redact_url(url) == shown


def test_redact_config():
    config = {
        "upstream": "https://me:s3cret@up.invalid/simple/",
        "password": "s3cret",
        "username": "me",
        "ttl": 60,
        "members": ["a", "b"],
    }
    shown = redact_config(config)
    assert "s3cret" not in repr(shown)
    assert shown["username"] == "me"
    assert shown["ttl"] == 60
    assert shown["members"] == ["a", "b"]
    assert config["password"] == "s3cret"  # the original is untouched
