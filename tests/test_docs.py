"""Every setting is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_documented(name: str) -> None:
    assert f"`DISCOVERY_{name.upper()}`" in README


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:600]
    assert "make demo" in head and "make test" in head
