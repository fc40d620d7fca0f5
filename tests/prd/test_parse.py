"""The parser's tree on small documents: node kinds, their content and their line numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mistune.inline_parser import InlineParser

from core.errors import ValidationError
from core.prd.parse import (
    CodeBlock,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Section,
    Table,
    convert,
    parse_document,
    tokens,
)


def only_section(text: str) -> Section:
    (section,) = parse_document(text).sections
    return section


def test_atx_and_setext_headings_nest_by_level_with_their_lines() -> None:
    doc = parse_document(
        "# Title\n\nIntro *text*.\n\n## Setext A\n\nSetext B\n--------\n\n"
        "para `x/y.py` line\nsecond line\n\n### Deep `c.py`\nbody\n"
    )
    (title,) = doc.sections
    assert (title.level, title.title, title.line_start, title.line_end) == (1, "Title", 1, 14)
    assert title.blocks == [Paragraph("Intro text.", (), 3, 3)]
    assert title.body_line_end == 3
    a, b = title.children
    assert (a.level, a.title, a.line_start, a.line_end, a.blocks) == (2, "Setext A", 5, 6, [])
    assert (b.level, b.title, b.line_start, b.line_end) == (2, "Setext B", 7, 14)
    assert b.blocks == [Paragraph("para x/y.py line\nsecond line", ("x/y.py",), 10, 11)]
    assert b.body_line_end == 11
    (deep,) = b.children
    assert (deep.level, deep.title, deep.title_code_spans) == (3, "Deep c.py", ("c.py",))
    assert (deep.line_start, deep.line_end) == (13, 14)
    assert [s.title for s in doc.walk()] == ["Title", "Setext A", "Setext B", "Deep c.py"]


def test_a_multi_line_setext_title_becomes_one_line() -> None:
    section = only_section("First line\nsecond line\n===\n")
    assert (section.level, section.title) == (1, "First line second line")


def test_text_before_the_first_heading_is_the_preamble() -> None:
    doc = parse_document("Lead paragraph.\n\n## A\nx\n")
    assert doc.preamble == [Paragraph("Lead paragraph.", (), 1, 1)]
    assert [s.title for s in doc.sections] == ["A"]


def test_nested_task_lists_keep_checked_state_and_lines() -> None:
    section = only_section(
        "Top\n===\n\n- [ ] open\n  - [x] done nested\n    - plain deep\n- [X] upper\n"
    )
    (lst,) = section.blocks
    assert isinstance(lst, ListBlock)
    assert (lst.ordered, lst.line_start, lst.line_end) == (False, 4, 7)
    open_item, upper = lst.items
    assert (open_item.text, open_item.checked, open_item.line_start, open_item.line_end) == (
        "open",
        False,
        4,
        6,
    )
    assert (upper.text, upper.checked, upper.line_start, upper.line_end) == ("upper", True, 7, 7)
    (sub,) = open_item.lists
    (done,) = sub.items
    assert (done.text, done.checked, done.line_start, done.line_end) == ("done nested", True, 5, 6)
    (deeper,) = done.lists
    assert deeper.items == (ListItem("plain deep", None, (), (), 6, 6),)


def test_ordered_lists_keep_their_start_number() -> None:
    section = only_section("## Steps\n3. three `a/b.py`\n4. four\n")
    (lst,) = section.blocks
    assert isinstance(lst, ListBlock)
    assert (lst.ordered, lst.start, lst.line_start, lst.line_end) == (True, 3, 2, 3)
    assert lst.items == (
        ListItem("three a/b.py", None, ("a/b.py",), (), 2, 2),
        ListItem("four", None, (), (), 3, 3),
    )


def test_list_items_with_repeated_text_are_located_in_order() -> None:
    section = only_section("## A\n- same\n- same\n- same\n")
    (lst,) = section.blocks
    assert isinstance(lst, ListBlock)
    assert [i.line_start for i in lst.items] == [2, 3, 4]


def test_tables_have_a_header_and_rows_as_plain_text() -> None:
    doc = parse_document("| A | `b` |\n|---|---|\n| 1 | 2 |\n| x *y* | z |\n")
    assert doc.preamble == [Table(("A", "b"), (("1", "2"), ("x y", "z")), ("b",), 1, 4)]


def test_code_spans_are_kept_and_fences_are_code_not_structure() -> None:
    doc = parse_document(
        "Para with `code` and ``two `ticks` ``\n\n```md\n# not heading\n- [ ] no\n```\n\n"
        "~~~\n## nor this\n~~~\n\n## Real\n"
    )
    para, fence, tilde = doc.preamble
    assert para == Paragraph("Para with code and two `ticks` ", ("code", "two `ticks` "), 1, 1)
    assert fence == CodeBlock("# not heading\n- [ ] no\n", "md", 3, 6)
    assert tilde == CodeBlock("## nor this\n", "", 8, 10)
    assert [s.title for s in doc.walk()] == ["Real"]
    assert doc.sections[0].line_start == 12


def test_an_indented_hash_line_is_code_not_a_heading() -> None:
    doc = parse_document("## A\n\n    # indented code\n\n## B\n")
    a, b = doc.sections
    assert [type(block) for block in a.blocks] == [CodeBlock]
    assert isinstance(a.blocks[0], CodeBlock)
    assert a.blocks[0].code.strip() == "# indented code"
    assert (a.line_end, b.line_start) == (4, 5)


def test_front_matter_pairs_and_lines_still_match_the_file() -> None:
    doc = parse_document('---\nid: Doc\ntitle: "T"\n---\n## A\ntext\n')
    assert doc.front_matter == {"id": "Doc", "title": "T"}
    section = doc.sections[0]
    assert (section.line_start, section.blocks) == (5, [Paragraph("text", (), 6, 6)])
    assert doc.raw(5, 6) == "## A\ntext"


def test_block_quotes_hold_blocks_and_a_hash_line_inside_one_is_not_a_heading() -> None:
    section = only_section("## Real\n> quoted `q.py`\n> - item\n>\n> # quoted heading\n")
    (quote,) = section.blocks
    assert isinstance(quote, Quote)
    assert (quote.line_start, quote.line_end) == (2, 5)
    para, lst = quote.blocks[:2]
    assert isinstance(para, Paragraph)
    assert (para.text, para.code_spans) == ("quoted q.py", ("q.py",))
    assert isinstance(lst, ListBlock)
    assert lst.items[0].text == "item"
    assert lst.items[0].line_start == 3


def test_line_numbers_survive_crlf_and_blank_runs() -> None:
    doc = parse_document("## A\r\n\r\n\r\ntext\r\n\r\n## B\r\n- x\r\n")
    a, b = doc.sections
    assert a.blocks == [Paragraph("text", (), 4, 4)]
    assert (a.line_start, a.line_end, a.body_line_end) == (1, 5, 4)
    assert b.blocks[0].line_start == 7


@pytest.mark.parametrize("text", ["", " \n\n", "a\x00b", "bin\x01ary"])
def test_unusable_text_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_document(text)


# The shortcut for plain inline text must give what mistune's own inline parser gives.
_PLAIN_PIECES = [*"ab `\n\t", "``", "```", "`*`", "` `", "`\n`", "a`b", "  \n", "\u00a0", "\x0b"]
_MARKUP_PIECES = [*"\\*_h[]<~!", "http://x.y", "é"]
_inline_pieces = st.sampled_from([*_PLAIN_PIECES, *_MARKUP_PIECES])


@settings(max_examples=300, deadline=None)
@given(st.lists(_inline_pieces, max_size=30).map("".join))
def test_the_plain_inline_shortcut_matches_mistune(raw: str) -> None:
    text = raw.strip(" \r\n\t\f")
    fast = tokens._plain_inline(text)
    if fast is None:
        return  # mistune parses it
    fast_spans: list[str] = []
    slow_spans: list[str] = []
    slow = InlineParser.__call__(tokens._MD.inline, text, {})
    assert convert._inline_text(fast, fast_spans) == convert._inline_text(slow, slow_spans)
    assert fast_spans == slow_spans


_BOLD_PIECES = ["**", "**", "a", "b", " ", "\n", "  \n", ".", ":", "(", "é", "→", "*", "`", "_"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_BOLD_PIECES), max_size=20).map("".join))
def test_the_bold_shortcut_matches_mistune(raw: str) -> None:
    """``**bold**`` spans that skip mistune give its text: flanking, nesting, breaks, edges."""
    text = raw.strip(" \r\n\t\f")
    fast = tokens._plain_inline(text)
    if fast is not None:
        slow = InlineParser.__call__(tokens._MD.inline, text, {})
        assert convert._inline_text(fast, []) == convert._inline_text(slow, [])


def test_the_bold_shortcut_takes_only_unambiguous_pairs() -> None:
    assert tokens._plain_inline("**Done when** x") == [
        {"type": "text", "raw": ""},
        {"type": "strong", "children": [{"type": "text", "raw": "Done when"}]},
        {"type": "text", "raw": " x"},
    ]
    for text in ("**a **b** c**", "a**b**", "**a", "***a***", "**a** _b_", "** a**"):
        assert tokens._plain_inline(text) is None, text


def test_the_plain_inline_shortcut_leaves_markup_to_mistune() -> None:
    assert tokens._plain_inline("a *b*") is None
    assert tokens._plain_inline("see http://x.io") is None
    assert tokens._plain_inline("`a*b` c") == [
        {"type": "text", "raw": ""},
        {"type": "codespan", "raw": "a*b"},
        {"type": "text", "raw": " c"},
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([" ", "\n", "a", "\t", "\x0b", "\u00a0", "`", "``", "\u2003"])))
def test_line_breaks_and_backtick_runs_match_their_regexes(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert tokens._breaks(text) == re.sub(r" *\n\s*", "\n", text)
    assert tokens._tick_runs(text) == [(m.start(), m.end()) for m in re.finditer("`+", text)]


def test_a_byte_order_mark_does_not_hide_the_first_heading() -> None:
    doc = parse_document("\ufeff# Launch plan\n\n## Week 1\n- [ ] ship\n")
    (title,) = doc.sections
    assert (title.title, [c.title for c in title.children]) == ("Launch plan", ["Week 1"])


def test_html_comments_are_not_part_of_the_document() -> None:
    """A commented-out section is no section, and a comment is no paragraph."""
    doc = parse_document(
        "## Work\n<!-- owner: sam -->\nText.\n\n<!--\n## Hidden\n- [ ] old idea\n-->\n\n"
        "## Next\nMore.\n"
    )
    assert [s.title for s in doc.sections] == ["Work", "Next"]
    work, following = doc.sections
    assert work.blocks == [Paragraph("Text.", (), 3, 3)]
    assert following.line_start == 10
