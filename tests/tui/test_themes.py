"""Themes (review finding 14): the palette and ``--theme`` offer the same set, a palette
choice is remembered for the next start, and a bad theme says where it was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config_file import ConfigFile
from core.errors import ValidationError
from tests.fixtures.tui import settle
from tests.fixtures.waiting import wait_until
from tui.__main__ import make_app
from tui.commands import ThemeChoices
from tui.settings import THEMES, TuiSettings, build_settings


async def test_the_palette_offers_the_themes_theme_accepts_and_the_choice_is_remembered(
    demo_db_url: str, tmp_path: Path
) -> None:
    remembered = tmp_path / "config" / "remembered.toml"
    settings = build_settings(
        config=ConfigFile(), environ={}, db=demo_db_url, animations=False, remember_in=remembered
    )
    assert settings.theme == "taskyard-dark"
    app = make_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not remembered.exists()  # starting is not choosing
        app.search_themes()
        await settle(pilot)
        provider = ThemeChoices(app.screen)
        assert [name for name, _pick in provider.commands] == list(THEMES)
        await pilot.press(*"high-contrast")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(lambda: app.theme == "high-contrast", pilot=pilot)
        await wait_until(remembered.exists, pilot=pilot)
        assert any("Theme high-contrast, remembered" in e.text for e in app.message_log)
    again = build_settings(config=ConfigFile(), environ={}, db=demo_db_url, remember_in=remembered)
    assert again.theme == "high-contrast"
    # --theme and taskyard.toml still decide over the remembered choice.
    assert (
        build_settings(
            config=ConfigFile(), environ={}, theme="ansi-dark", remember_in=remembered
        ).theme
        == "ansi-dark"
    )


def test_a_theme_outside_the_set_names_where_it_was_written(tmp_path: Path) -> None:
    path = tmp_path / "taskyard.toml"
    with pytest.raises(ValidationError) as caught:
        build_settings(config=ConfigFile(path, {"tui": {"theme": "dracula"}}), environ={})
    assert str(path) in caught.value.message
    assert "theme = 'dracula' in [tui]" in caught.value.message
    assert "high-contrast" in (caught.value.hint or "")
    with pytest.raises(ValidationError) as caught:
        build_settings(config=ConfigFile(), environ={}, theme="dracula")
    assert caught.value.message.startswith("--theme 'dracula'")


def test_settings_built_directly_never_write_the_users_files() -> None:
    assert TuiSettings().remember_in is None
