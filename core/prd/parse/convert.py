"""A chunk's mistune tokens → nodes with line numbers, cached per chunk text.

Top-level blocks run from their stamped start to the line before the next block. List items
(nested at any depth) are found by searching, in document order, for the first words of each
item's text inside its list's line range (see ``core.prd.parse``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from core.prd.parse.nodes import Block, CodeBlock, ListBlock, ListItem, Paragraph, Quote, Table
from core.prd.parse.tokens import chunk_tokens


def _inline_text(children: list[dict[str, Any]], spans: list[str]) -> str:
    parts: list[str] = []
    for child in children:
        kind = child["type"]
        if kind == "text":
            parts.append(child["raw"])
        elif kind == "codespan":
            spans.append(child["raw"])
            parts.append(child["raw"])
        elif kind in ("softbreak", "linebreak"):
            parts.append("\n")
        elif "children" in child:
            parts.append(_inline_text(child["children"], spans))
        elif "raw" in child:
            parts.append(child["raw"])
    return "".join(parts)


_WORD = re.compile(r"\w{2,}")
_ITEM_LEAD = re.compile(r"[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?[^\w\n]*")
"""What stands before an item's first word on its line: indent, marker, checkbox, markup."""
_NEWLINE = re.compile(r"\n")
_BALLOT = {"\u2610": False, "\u2611": True, "\u2612": True}
"""Ballot-box glyphs that stand for a task-list checkbox: ☐ open, ☑ and ☒ checked."""


class _Locator:
    """Finds list items' lines by searching their text forward in the chunk (see module doc)."""

    def __init__(self, text: str, base_line: int) -> None:
        self.text = text
        self.base_line = base_line
        self.newlines = [m.start() for m in _NEWLINE.finditer(text)]
        self.cursor = 0

    def line_of(self, offset: int) -> int:
        return self.base_line + bisect.bisect_left(self.newlines, offset)

    def offset_of_line(self, line: int) -> int:
        index = line - self.base_line
        if index <= 0:
            return 0
        return self.newlines[index - 1] + 1 if index - 1 < len(self.newlines) else len(self.text)

    def find(self, needle: str, limit: int) -> int:
        first_line = needle.strip().split("\n", 1)[0]
        word = _WORD.search(first_line)
        for probe in (first_line[:40], word.group(0) if word else ""):
            if probe:
                found = self._find_at_item_start(probe, limit)
                if found >= 0:
                    self.cursor = found + len(probe)
                    return found
        return min(self.cursor, max(limit - 1, 0))

    def _find_at_item_start(self, probe: str, limit: int) -> int:
        """The first place of ``probe`` that starts an item's line, else its first place.

        An item's plain text loses its Markdown (``**MOB-222** Pre-permission…``), so the
        probe is often only its first word, which the previous item's wrapped lines may hold
        too (``blocked by MOB-212``): the place right after a list marker is the item's.
        """
        first = found = self.text.find(probe, self.cursor, limit)
        while found >= 0:
            line_start = self.text.rfind("\n", 0, found) + 1
            if _ITEM_LEAD.fullmatch(self.text, line_start, found):
                return found
            found = self.text.find(probe, found + 1, limit)
        return first


def _convert_list(
    token: dict[str, Any], loc: _Locator, line_start: int, line_end: int
) -> ListBlock:
    limit = loc.offset_of_line(line_end + 1)
    loc.cursor = max(loc.cursor, loc.offset_of_line(line_start))
    raw_items = token.get("children", [])
    starts: list[int] = []
    spans: list[str]
    built: list[tuple[str, bool | None, tuple[str, ...], list[dict[str, Any]]]] = []
    for item in raw_items:
        spans = []
        texts: list[str] = []
        sublists: list[dict[str, Any]] = []
        for child in item.get("children", []):
            if child["type"] == "list":
                sublists.append(child)
            elif "children" in child:
                texts.append(_inline_text(child["children"], spans))
            elif child["type"] == "block_code":
                texts.append(child.get("raw", ""))
        text = "\n\n".join(t for t in texts if t).strip()  # one blank line between blocks
        checked = item["attrs"]["checked"] if item["type"] == "task_list_item" else None
        if checked is None and text[:1] in _BALLOT:  # "- ☐ Title": a checkbox drawn as a glyph
            checked = _BALLOT[text[0]]
            text = text[1:].lstrip()
        starts.append(loc.line_of(loc.find(text, limit)))
        built.append((text, checked, tuple(spans), sublists))
    # Sub-lists are located after their own item, before the next one: walk them in order.
    items: list[ListItem] = []
    for index, (text, checked, item_spans, sublists) in enumerate(built):
        start = starts[index]
        end = starts[index + 1] - 1 if index + 1 < len(starts) else line_end
        end = max(start, end)
        saved = loc.cursor
        loc.cursor = loc.offset_of_line(start + 1 if end > start else start)
        lists = tuple(_convert_list(sub, loc, start, end) for sub in sublists)
        loc.cursor = max(saved, loc.cursor)
        items.append(ListItem(text, checked, item_spans, lists, start, end))
    attrs = token.get("attrs", {})
    return ListBlock(
        ordered=bool(attrs.get("ordered")),
        start=int(attrs.get("start", 1)),
        items=tuple(items),
        line_start=items[0].line_start if items else line_start,
        line_end=line_end,
    )


def _convert_block(
    token: dict[str, Any], loc: _Locator, line_start: int, line_end: int
) -> Block | None:
    kind = token["type"]
    if kind == "paragraph":
        spans: list[str] = []
        return Paragraph(
            _inline_text(token.get("children", []), spans), tuple(spans), line_start, line_end
        )
    if kind == "list":
        return _convert_list(token, loc, line_start, line_end)
    if kind == "block_code":
        info = (token.get("attrs") or {}).get("info") or ""
        return CodeBlock(token.get("raw", ""), str(info), line_start, line_end)
    if kind == "table":
        spans = []
        header: tuple[str, ...] = ()
        rows: list[tuple[str, ...]] = []
        for part in token.get("children", []):
            if part["type"] == "table_head":
                header = tuple(
                    _inline_text(c.get("children", []), spans).strip() for c in part["children"]
                )
            elif part["type"] == "table_body":
                for row in part["children"]:
                    rows.append(
                        tuple(
                            _inline_text(c.get("children", []), spans).strip()
                            for c in row["children"]
                        )
                    )
        return Table(header, tuple(rows), tuple(spans), line_start, line_end)
    if kind == "block_quote":
        inner = [
            b
            for child in token.get("children", [])
            if (b := _convert_block(child, loc, line_start, line_end)) is not None
        ]
        return Quote(tuple(inner), line_start, line_end)
    if kind == "block_html":
        raw = token.get("raw", "").strip()
        if raw.startswith("<!--") and raw.endswith("-->"):
            return None  # a comment: not part of the document a reader sees
        return Paragraph(raw, (), line_start, line_end)
    return None


@dataclass(slots=True)
class Heading:
    """A heading line: the document's assembly turns each into a ``Section``."""

    level: int
    title: str
    code_spans: tuple[str, ...]
    line: int


class ChunkKey:
    """A chunk's text and its first line, equal and hashed by the text alone.

    So the chunk cache hands nodes parsed at one position to the same text met at another
    (a repeated section, or the document re-planned after an edit above): the caller shifts
    them by the difference, and needs no shift at all when the position is the same.
    """

    __slots__ = ("first_line", "hash", "text")

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.first_line = first_line
        self.hash = hash(text)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChunkKey) and other.text == self.text


@lru_cache(maxsize=4096)
def parse_chunk(key: ChunkKey) -> tuple[int, tuple[Heading | Block, ...]]:
    """The chunk's nodes, with the first line they were parsed at. Cached by text."""
    return key.first_line, tuple(_convert_chunk(key.text, key.first_line))


def _convert_chunk(text: str, first_line: int) -> list[Heading | Block]:
    """Parse one chunk whose first line is line ``first_line`` of the document."""
    tokens = chunk_tokens(text)
    loc = _Locator(text if text.endswith("\n") else text + "\n", first_line)
    last_line = first_line + text.count("\n") - (1 if text.endswith("\n") else 0)
    positioned = [t for t in tokens if "_pos" in t or t["type"] != "blank_line"]
    starts: list[int] = []
    for token in positioned:
        starts.append(max(loc.line_of(token.get("_pos", 0)), starts[-1] if starts else first_line))
    nodes: list[Heading | Block] = []
    for index, token in enumerate(positioned):
        if token["type"] == "blank_line":
            continue
        start = starts[index]
        end = starts[index + 1] - 1 if index + 1 < len(starts) else last_line
        while (
            end > start
            and not loc.text[loc.offset_of_line(end) : loc.offset_of_line(end + 1)].strip()
        ):
            end -= 1
        end = max(start, end)
        if token["type"] == "heading":
            spans: list[str] = []
            title = _inline_text(token.get("children", []), spans).strip()
            # A setext heading's text may span several lines: one title line.
            title = " ".join(title.split())
            nodes.append(Heading(int(token["attrs"]["level"]), title, tuple(spans), start))
            continue
        block = _convert_block(token, loc, start, end)
        if block is not None:
            nodes.append(block)
    return nodes


def shift(node: Heading | Block, delta: int) -> Heading | Block:
    """The node with every line number moved by ``delta`` (a cached chunk met elsewhere)."""
    kind = type(node)  # exact types (no subclasses): cheaper than an isinstance chain
    if kind is Heading:
        heading = cast(Heading, node)
        return Heading(heading.level, heading.title, heading.code_spans, heading.line + delta)
    if kind is Paragraph:
        para = cast(Paragraph, node)
        return Paragraph(para.text, para.code_spans, para.line_start + delta, para.line_end + delta)
    if kind is ListBlock:
        return _shift_list(cast(ListBlock, node), delta)
    if kind is Table:
        table = cast(Table, node)
        return Table(
            table.header,
            table.rows,
            table.code_spans,
            table.line_start + delta,
            table.line_end + delta,
        )
    if kind is Quote:
        quote = cast(Quote, node)
        return Quote(
            tuple([cast(Block, shift(b, delta)) for b in quote.blocks]),
            quote.line_start + delta,
            quote.line_end + delta,
        )
    code = cast(CodeBlock, node)
    return CodeBlock(code.code, code.info, code.line_start + delta, code.line_end + delta)


def _shift_list(node: ListBlock, delta: int) -> ListBlock:
    items = [
        ListItem(
            item.text,
            item.checked,
            item.code_spans,
            tuple([_shift_list(sub, delta) for sub in item.lists]) if item.lists else (),
            item.line_start + delta,
            item.line_end + delta,
        )
        for item in node.items
    ]
    return ListBlock(
        node.ordered, node.start, tuple(items), node.line_start + delta, node.line_end + delta
    )
