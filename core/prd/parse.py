"""Markdown → a typed document tree with line numbers, for the PRD planner.

Why a tree of our own: the planner needs sections (heading level, title, children), the blocks
under each (paragraphs, lists with task-list checkboxes, tables, code) and, for every node, the
lines it came from, so a planned task can point back at its source. mistune 3's AST gives the
structure but no positions, and its dict tokens are untyped.

How line numbers are computed (the choice, and why it is robust):

1. The text is cut into **heading-delimited chunks** before parsing: a chunk starts at an ATX
   heading line (``#`` … ``######`` at column 0) that is not inside a fenced code block. Each chunk
   is parsed on its own, so its first line number is known exactly. Headings indented or inside
   containers (a ``#`` line in a list item or quote) stay inside their chunk; setext headings
   (``Title`` + ``---``) are found by mistune inside a chunk and work as well. Chunking also bounds
   the damage of odd input to one section, and lets unchanged sections be reused from a cache when
   the same document is previewed again (the TUI re-plans on every option change). A chunk is
   converted at its own line numbers and cached by its text; the same text met at another line
   (a repeated section, or everything below an edit) reuses the nodes shifted by the difference.
2. Inside a chunk, the parser records where each **top-level block** starts: a block parser
   subclass notes the match position of every block rule (and a state subclass the start of every
   paragraph), so a block's lines run from its start to the line before the next block.
3. **List items** (nested at any depth) are located by searching, in document order, for the first
   words of each item's text inside its list's line range; the cursor only moves forward, so a
   repeated phrase cannot send an item backwards, and an item whose text cannot be found (escapes,
   entities) takes the position after the previous one. Their end line is the line before the next
   item (or the end of the list).

The structure always comes from mistune's AST (``create_markdown(renderer=None)`` with the
table, task_lists, strikethrough and url plugins); only the chunk boundaries come from a line scan.
One shortcut: inline text that holds nothing but words, code spans and line breaks (most of a
PRD) is split into text and code spans by ``_plain_inline``, which gives what mistune's inline
parser gives (a property test compares them); any other inline syntax goes to mistune.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import mistune
from mistune.block_parser import BlockParser
from mistune.core import BlockState
from mistune.inline_parser import InlineParser

from core.errors import ValidationError

__all__ = [
    "Block",
    "CodeBlock",
    "Document",
    "ListBlock",
    "ListItem",
    "Paragraph",
    "Quote",
    "Section",
    "Table",
    "check_text",
    "parse_document",
]


# ---------------------------------------------------------------- the tree
#
# The nodes are read-only by convention: the chunk cache shares them between documents, so
# nothing may change one after it is built. They are not ``frozen`` dataclasses because a frozen
# ``__init__`` sets each field through ``object.__setattr__`` (~3.5x slower to build), and a
# 1 MB document builds tens of thousands of them (~15 ms of a cold preview).


@dataclass(slots=True)
class Paragraph:
    """Prose: its plain text (soft breaks kept as newlines) and the code spans in it."""

    text: str
    code_spans: tuple[str, ...]
    line_start: int
    line_end: int


@dataclass(slots=True)
class ListItem:
    """One item: its own text, checkbox state (``None`` when not a task-list item), sub-lists."""

    text: str
    checked: bool | None
    code_spans: tuple[str, ...]
    lists: tuple[ListBlock, ...]
    line_start: int
    line_end: int


@dataclass(slots=True)
class ListBlock:
    """An ordered (numbered) or unordered list."""

    ordered: bool
    start: int
    items: tuple[ListItem, ...]
    line_start: int
    line_end: int


@dataclass(slots=True)
class Table:
    """A pipe table: header cells and body rows, as plain text."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    code_spans: tuple[str, ...]
    line_start: int
    line_end: int


@dataclass(slots=True)
class CodeBlock:
    """A fenced or indented code block (never searched for structure)."""

    code: str
    info: str
    line_start: int
    line_end: int


@dataclass(slots=True)
class Quote:
    """A block quote and the blocks inside it."""

    blocks: tuple[Block, ...]
    line_start: int
    line_end: int


Block = Paragraph | ListBlock | Table | CodeBlock | Quote


@dataclass(slots=True)
class Section:
    """A heading and everything up to the next heading of the same or a higher level.

    ``line_end`` covers the child sections; ``body_line_end`` only the section's own blocks.
    """

    level: int
    title: str
    title_code_spans: tuple[str, ...]
    line_start: int
    line_end: int
    body_line_end: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    """The parsed document: blocks before the first heading, then the top sections."""

    preamble: list[Block]
    sections: list[Section]
    lines: list[str]
    """The source lines (without newlines), for slicing a node's raw text."""
    front_matter: dict[str, str]
    """Simple ``key: value`` pairs of a leading ``---`` YAML block (other YAML is ignored)."""

    def raw(self, line_start: int, line_end: int) -> str:
        """The source text of lines ``line_start..line_end`` (1-based, inclusive), stripped."""
        return "\n".join(self.lines[line_start - 1 : line_end]).strip("\n")

    def walk(self) -> list[Section]:
        """Every section, depth first in document order."""
        out: list[Section] = []
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            out.append(section)
            stack.extend(reversed(section.children))
        return out


# ---------------------------------------------------------------- input checks


def check_text(text: str) -> str:
    """Refuse input no plan can come from; return the text with newlines normalized.

    Raises:
        ValidationError: the text is empty or only whitespace, or holds NUL / binary bytes.
    """
    if "\x00" in text or _BINARY.search(text[:65536]):
        raise ValidationError(
            "The document contains binary data (NUL or control bytes), not Markdown text.",
            field="text",
            hint="Import a UTF-8 Markdown file (.md); export other formats to Markdown first.",
        )
    if not text.strip():
        raise ValidationError(
            "The document is empty: there is nothing to plan.",
            field="text",
            hint="Give a Markdown file with headings (## Section) or a list of work items.",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


_BINARY = re.compile(r"[\x01-\x08\x0e-\x1a\x1c-\x1f]")


# ---------------------------------------------------------------- mistune with positions


class _PosState(BlockState):
    """Stamps top-level tokens with the offset where their block starts (``_pos``)."""

    block_start: int = 0

    def append_token(self, token: dict[str, Any]) -> None:
        if self.parent is None:
            token.setdefault("_pos", self.block_start)
        self.tokens.append(token)

    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        if last and last["type"] == "paragraph":
            last["text"] += text
        else:
            token: dict[str, Any] = {"type": "paragraph", "text": text}
            if self.parent is None:
                token["_pos"] = self.cursor
            self.tokens.append(token)


class _PosBlockParser(BlockParser):
    """Notes the start of every top-level block rule match, for ``_PosState``."""

    state_cls = _PosState

    def parse_method(self, m: re.Match[str], state: BlockState) -> int | None:
        if state.parent is not None:
            return super().parse_method(m, state)
        start = m.start()
        cast(_PosState, state).block_start = start
        count = len(state.tokens)
        end = super().parse_method(m, state)
        # A list that ends early is inserted with tokens.insert, bypassing append_token.
        tokens = state.tokens
        for index in range(max(0, count - 1), len(tokens)):
            tokens[index].setdefault("_pos", start)
        return end


_INLINE_SYNTAX = re.compile(r"[\\*_!\[\]<~]")
"""Outside code spans, what can start inline syntax other than a line break (mistune's rule
start characters for the rules ``_markdown`` enables, but ``h``: it only starts ``http(s)://``
links, so ``_syntax`` looks for ``http`` instead)."""
_ANY_INLINE = re.compile(r"[\\*_!\[\]<~`\n]")


def _syntax(text: str, chars: re.Pattern[str] = _INLINE_SYNTAX) -> bool:
    """Whether the text holds one of ``chars`` or ``http`` (two tests: faster than one regex)."""
    return chars.search(text) is not None or "http" in text


def _tick_runs(text: str) -> list[tuple[int, int]]:
    """Start and end of every run of backticks (what ``re.finditer("`+")`` finds)."""
    runs: list[tuple[int, int]] = []
    start = text.find("`")
    while start >= 0:
        end = start + 1
        while end < len(text) and text[end] == "`":
            end += 1
        runs.append((start, end))
        start = text.find("`", end)
    return runs


def _plain_inline(text: str) -> list[dict[str, Any]] | None:
    """The inline tokens mistune gives for text that is plain apart from code spans and line breaks.

    ``None`` when the text holds anything else (emphasis, links, escapes, HTML, URLs…): mistune
    parses those. Otherwise this gives what mistune gives, up to how the text is cut into tokens
    (``_inline_text`` only joins them): a code span runs from a backtick run to the next run of
    the same length (an unmatched run is text), its newlines become spaces and one space is
    trimmed from each end when both ends have one; a line break with the spaces around it is one
    newline.
    """
    if not _syntax(text, _ANY_INLINE):
        return [{"type": "text", "raw": text}]  # one line of words: the common case
    tokens: list[dict[str, Any]] = []
    pos = 0
    if "`" in text:
        runs = _tick_runs(text)
        index = 0
        while index < len(runs):
            start, end = runs[index]
            index += 1
            size = end - start
            close = next((k for k in range(index, len(runs)) if runs[k][1] - runs[k][0] == size), 0)
            if not close:
                continue  # an unmatched run stays in the text
            plain = text[pos:start]
            if _syntax(plain):
                return None
            tokens.append({"type": "text", "raw": _breaks(plain)})
            code = text[end : runs[close][0]].replace("\n", " ")
            if code.strip(" ") and code.startswith(" ") and code.endswith(" "):
                code = code[1:-1]
            tokens.append({"type": "codespan", "raw": code})
            pos = runs[close][1]
            index = close + 1
    plain = text[pos:]
    if _syntax(plain):
        return None
    tokens.append({"type": "text", "raw": _breaks(plain)})
    return tokens


def _breaks(text: str) -> str:
    r"""Each line break with the spaces before it and the whitespace after it → one newline.

    What ``re.sub(r" *\n\s*", "\n", text)`` gives (``\s`` is ``str.isspace``), without a
    regex scan of every character.
    """
    newline = text.find("\n")
    if newline < 0:
        return text
    parts: list[str] = []
    pos = 0
    while newline >= 0:
        left = newline
        while left > pos and text[left - 1] == " ":
            left -= 1
        right = newline + 1
        while right < len(text) and text[right].isspace():
            right += 1
        parts.append(text[pos:left])
        pos = right
        newline = text.find("\n", pos)
    parts.append(text[pos:])
    return "\n".join(parts)


class _PlainInlineParser(InlineParser):
    """mistune's inline parser, with a shortcut for plain text (most of a PRD's prose)."""

    def __call__(self, s: str, env: MutableMapping[str, Any]) -> list[dict[str, Any]]:
        tokens = _plain_inline(s)
        return tokens if tokens is not None else super().__call__(s, env)


def _markdown() -> mistune.Markdown:
    md = mistune.Markdown(renderer=None, block=_PosBlockParser(), inline=_PlainInlineParser())
    for name in ("table", "task_lists", "strikethrough", "url"):
        mistune.plugins.import_plugin(name)(md)
    return md


_MD = _markdown()


def _tokens(text: str) -> list[dict[str, Any]]:
    """``_MD(text)`` for a chunk, with less overhead per call (the chunks are many and small).

    What ``Markdown.parse`` does, minus what a chunk does not need: newlines are already
    normalized and the chunk ends with one; ``_MD`` has no before-parse or after-render hooks
    and no renderer, and inline text is rendered in place instead of through generators.
    """
    state = _MD.block.state_cls()
    state.process(text)
    _MD.block.parse(state)
    for hook in _MD.before_render_hooks:
        hook(_MD, state)
    _render_inline(state.tokens, state.env)
    return state.tokens


def _render_inline(tokens: list[dict[str, Any]], env: MutableMapping[str, Any]) -> None:
    inline = _MD.inline
    for token in tokens:
        if "children" in token:
            _render_inline(token["children"], env)
        elif "text" in token:
            token["children"] = inline(token.pop("text").strip(" \r\n\t\f"), env)


# ---------------------------------------------------------------- chunking

_ATX = re.compile(r"#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def _chunk_starts(lines: list[str]) -> list[int]:
    """0-based indexes of the lines that start a chunk (ATX headings outside code fences)."""
    starts = [0]
    fence: str | None = None
    for index, line in enumerate(lines):
        if not line:
            continue
        first = line[0]
        if fence is not None:
            closing = (m := _FENCE.match(line)) is not None and m.group(1).startswith(fence)
            if closing and m is not None and not line[m.end() :].strip():
                fence = None
            continue
        if first in " `~":
            m = _FENCE.match(line)
            if m and not (m.group(1)[0] == "`" and "`" in line[m.end() :]):
                fence = m.group(1)
            continue
        if first == "#" and index and _ATX.match(line):
            starts.append(index)
    return starts


# ---------------------------------------------------------------- tokens → nodes


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
_NEWLINE = re.compile(r"\n")


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
                found = self.text.find(probe, self.cursor, limit)
                if found >= 0:
                    self.cursor = found + len(probe)
                    return found
        return min(self.cursor, max(limit - 1, 0))


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
        text = "\n".join(t for t in texts if t).strip()
        checked = item["attrs"]["checked"] if item["type"] == "task_list_item" else None
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
        return Paragraph(token.get("raw", "").strip(), (), line_start, line_end)
    return None


@dataclass(slots=True)
class _Heading:
    level: int
    title: str
    code_spans: tuple[str, ...]
    line: int


class _ChunkKey:
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
        return isinstance(other, _ChunkKey) and other.text == self.text


@lru_cache(maxsize=4096)
def _parse_chunk(key: _ChunkKey) -> tuple[int, tuple[_Heading | Block, ...]]:
    """The chunk's nodes, with the first line they were parsed at. Cached by text."""
    return key.first_line, tuple(_convert_chunk(key.text, key.first_line))


def _convert_chunk(text: str, first_line: int) -> list[_Heading | Block]:
    """Parse one chunk whose first line is line ``first_line`` of the document."""
    tokens = _tokens(text)
    loc = _Locator(text if text.endswith("\n") else text + "\n", first_line)
    last_line = first_line + text.count("\n") - (1 if text.endswith("\n") else 0)
    positioned = [t for t in tokens if "_pos" in t or t["type"] != "blank_line"]
    starts: list[int] = []
    for token in positioned:
        starts.append(max(loc.line_of(token.get("_pos", 0)), starts[-1] if starts else first_line))
    nodes: list[_Heading | Block] = []
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
            nodes.append(_Heading(int(token["attrs"]["level"]), title, tuple(spans), start))
            continue
        block = _convert_block(token, loc, start, end)
        if block is not None:
            nodes.append(block)
    return nodes


def _shift(node: _Heading | Block, delta: int) -> _Heading | Block:
    """The node with every line number moved by ``delta`` (a cached chunk met elsewhere)."""
    kind = type(node)  # exact types (no subclasses): cheaper than an isinstance chain
    if kind is _Heading:
        heading = cast(_Heading, node)
        return _Heading(heading.level, heading.title, heading.code_spans, heading.line + delta)
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
            tuple([cast(Block, _shift(b, delta)) for b in quote.blocks]),
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


# ---------------------------------------------------------------- the document

_FRONT_KEY = re.compile(r"([A-Za-z][\w-]*)\s*:\s*(.*)")


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """Simple pairs of a leading ``---`` … ``---`` block and how many lines it takes."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for index in range(1, min(len(lines), 200)):
        if lines[index].strip() in ("---", "..."):
            pairs: dict[str, str] = {}
            for line in lines[1:index]:
                if m := _FRONT_KEY.fullmatch(line.strip()):
                    pairs[m.group(1).lower()] = m.group(2).strip().strip("\"'")
            return pairs, index + 1
    return {}, 0


def parse_document(text: str) -> Document:
    """Parse Markdown into sections and blocks, every node with its 1-based line range.

    Raises:
        ValidationError: the text is empty, whitespace only, or binary (see ``check_text``).
    """
    text = check_text(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    front, skip = _front_matter(lines)
    # Front matter is blanked (not removed) so line numbers still match the file.
    body_lines = [""] * skip + lines[skip:]
    starts = _chunk_starts(body_lines)
    starts.append(len(body_lines))
    nodes: list[_Heading | Block] = []
    for first, after in itertools.pairwise(starts):
        if first >= after:
            continue
        chunk = "\n".join(body_lines[first:after]) + "\n"
        if chunk.isspace():
            continue
        parsed_at, parsed = _parse_chunk(_ChunkKey(chunk, first + 1))
        delta = first + 1 - parsed_at
        nodes.extend(parsed if delta == 0 else [_shift(node, delta) for node in parsed])
    return _build_tree(nodes, lines, front)


def _build_tree(nodes: list[_Heading | Block], lines: list[str], front: dict[str, str]) -> Document:
    preamble: list[Block] = []
    roots: list[Section] = []
    stack: list[Section] = []
    last_line = max(len(lines), 1)
    for node in nodes:
        if isinstance(node, _Heading):
            while stack and stack[-1].level >= node.level:
                stack.pop()
            section = Section(
                node.level, node.title, node.code_spans, node.line, last_line, node.line
            )
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        elif stack:
            stack[-1].blocks.append(node)
            stack[-1].body_line_end = max(stack[-1].body_line_end, node.line_end)
        else:
            preamble.append(node)
    _close(roots, last_line)
    return Document(preamble, roots, lines, front)


def _close(sections: list[Section], end: int) -> None:
    """Set ``line_end``: the line before the next sibling (or the parent's end)."""
    for index, section in enumerate(sections):
        nxt = sections[index + 1].line_start - 1 if index + 1 < len(sections) else end
        section.line_end = max(section.line_start, nxt)
        _close(section.children, section.line_end)
