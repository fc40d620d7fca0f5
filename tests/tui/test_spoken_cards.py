"""A card's screen-reader sentence is shortened at whole clauses or words, never mid-word."""

from __future__ import annotations

from tests.fixtures.tui import screen_text, settle
from tui.__main__ import make_app
from tui.settings import TuiSettings
from tui.widgets.card_words import shorten_sentence

SENTENCE = (
    "4 of 6: WEB-11 Load test the login API, priority high, labels perf, "
    "assigned to dev, blocked by 1 task"
)


def test_a_sentence_that_fits_is_said_whole() -> None:
    assert shorten_sentence(SENTENCE, len(SENTENCE)) == SENTENCE


def test_a_long_sentence_loses_whole_clauses_and_says_more_follows() -> None:
    assert shorten_sentence(SENTENCE, len(SENTENCE) - 1) == (
        "4 of 6: WEB-11 Load test the login API, priority high, labels perf, assigned to dev, …"
    )
    assert shorten_sentence(SENTENCE, 45) == "4 of 6: WEB-11 Load test the login API, …"


def test_at_every_width_the_words_said_are_whole_and_fit() -> None:
    words = SENTENCE.split(" ")
    for width in range(1, len(SENTENCE) + 1):
        short = shorten_sentence(SENTENCE, width)
        assert len(short) <= width or short == "…", (width, short)
        said = short.removesuffix("…").rstrip(", ").split(" ")
        if said != [""]:
            assert said[:-1] == words[: len(said) - 1], (width, short)
            assert said[-1] in (words[len(said) - 1], words[len(said) - 1].rstrip(",")), short


async def test_the_board_shortens_a_long_card_at_a_clause(demo_db_url: str) -> None:
    """At 120 columns WEB-11's sentence does not fit: it ends after a whole clause."""
    app = make_app(
        TuiSettings(db=demo_db_url, animations=False, screen_reader=True, screen_reader_source="t")
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        [line] = [ln for ln in screen_text(app).splitlines() if "WEB-11" in ln]
        assert line.endswith(", …"), line
        assert "blocked b…" not in line
