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

The modules: ``nodes`` (the tree), ``tokens`` (mistune with positions, step 2, and the inline
shortcut), ``convert`` (tokens → nodes, step 3, and the chunk cache); this module checks the
input, cuts the chunks (step 1) and assembles the document.
"""

from __future__ import annotations

import itertools
import re

from core.errors import ValidationError
from core.prd.parse.convert import ChunkKey, Heading, parse_chunk, shift
from core.prd.parse.nodes import (
    Block,
    CodeBlock,
    Document,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Section,
    Table,
)

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


# ---------------------------------------------------------------- input checks


def check_text(text: str) -> str:
    """Refuse input no plan can come from; return the text with newlines normalized.

    A leading byte-order mark is dropped too: it would hide a first heading.

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
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_BINARY = re.compile(r"[\x01-\x08\x0e-\x1a\x1c-\x1f]")


# ---------------------------------------------------------------- chunking

_ATX = re.compile(r"#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_COMMENT_OPEN = re.compile(r" {0,3}<!--")


def _chunk_starts(lines: list[str]) -> list[int]:
    """0-based indexes of the lines that start a chunk.

    Those are ATX headings outside code fences and outside HTML comments (a commented-out
    section is no section).
    """
    starts = [0]
    fence: str | None = None
    comment = False
    for index, line in enumerate(lines):
        if not line:
            continue
        first = line[0]
        if comment:
            comment = "-->" not in line
            continue
        if first in " <" and _COMMENT_OPEN.match(line):
            comment = "-->" not in line[line.index("<!--") + 4 :]
            continue
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
    nodes: list[Heading | Block] = []
    for first, after in itertools.pairwise(starts):
        if first >= after:
            continue
        chunk = "\n".join(body_lines[first:after]) + "\n"
        if chunk.isspace():
            continue
        parsed_at, parsed = parse_chunk(ChunkKey(chunk, first + 1))
        delta = first + 1 - parsed_at
        nodes.extend(parsed if delta == 0 else [shift(node, delta) for node in parsed])
    return _build_tree(nodes, lines, front)


def _build_tree(nodes: list[Heading | Block], lines: list[str], front: dict[str, str]) -> Document:
    preamble: list[Block] = []
    roots: list[Section] = []
    stack: list[Section] = []
    last_line = max(len(lines), 1)
    for node in nodes:
        if isinstance(node, Heading):
            while stack and stack[-1].level >= node.level:
                stack.pop()
            section = Section(
                node.level, node.title, node.code_spans, node.line, last_line, node.line
            )
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        elif stack and _lettered(node, stack[-1].blocks, lines):
            stack[-1].blocks[-1] = _letter_list(stack[-1].blocks[-1], node)
            stack[-1].body_line_end = max(stack[-1].body_line_end, node.line_end)
        elif stack:
            stack[-1].blocks.append(node)
            stack[-1].body_line_end = max(stack[-1].body_line_end, node.line_end)
        else:
            preamble.append(node)
    _close(roots, last_line)
    return Document(preamble, roots, lines, front)


_LETTER_MARK = re.compile(r"\(?([a-z])\)\s+\S")
"""A paragraph led by a letter, ``a) **Jeu de jugements** …`` or ``(b) …``."""


def _letter_of(block: Block | Heading) -> str | None:
    if not isinstance(block, Paragraph) or block.text[:1] not in "(abcdefghijklmnopqrstuvwxyz":
        return None
    m = _LETTER_MARK.match(block.text)
    return m.group(1) if m else None


def _follows(letter: str, previous: str | None) -> bool:
    """Whether ``letter`` goes on from ``previous``: the next letter, or the same one again.

    A point inserted under its neighbour's letter (``b)`` twice) is a point of its own.
    """
    return previous is not None and letter in (previous, chr(ord(previous) + 1))


def _last_letter(block: Block, lines: list[str]) -> str | None:
    """The letter of a lettered list's last item, or of a lettered paragraph's last point."""
    if isinstance(block, ListBlock):
        if block.start >= 0 or not block.items:
            return None
        number = block.items[-1].line_start
        m = _LETTER_MARK.match(lines[number - 1].lstrip()) if number <= len(lines) else None
        return m.group(1) if m else None
    if _letter_of(block) is None:
        return None
    assert isinstance(block, Paragraph)
    return _points(block)[-1][0]


def _lettered(node: Block | Heading, blocks: list[Block], lines: list[str]) -> bool:
    """Whether a paragraph continues a run of lettered paragraphs (``a)`` then ``b)`` …).

    A run of paragraphs led by consecutive letters is a list written without list markers (the
    letters may go on from an earlier section: ``d)``, ``e)`` under the next heading).
    """
    letter = _letter_of(node)
    if letter is None or not blocks:
        return False
    return _follows(letter, _last_letter(blocks[-1], lines))


def _points(block: Paragraph) -> list[tuple[str, ListItem]]:
    """A lettered paragraph's points: each line led by the same or the next letter starts one."""
    points: list[tuple[str, list[str], int]] = []
    for n, line in enumerate(block.text.split("\n")):
        m = _LETTER_MARK.match(line)
        if m is not None and (not points or _follows(m.group(1), points[-1][0])):
            points.append((m.group(1), [line], block.line_start + n))
        elif points:
            points[-1][1].append(line)
    out: list[tuple[str, ListItem]] = []
    for n, (letter, texts, first) in enumerate(points):
        last = points[n + 1][2] - 1 if n + 1 < len(points) else block.line_end
        text = _LETTER_MARK.sub(lambda m: m.group(0)[-1], "\n".join(texts), count=1)
        out.append((letter, ListItem(text, None, block.code_spans, (), first, last)))
    return out


def _letter_list(last: Block, node: Block | Heading) -> ListBlock:
    assert isinstance(node, Paragraph)
    added = tuple(item for _, item in _points(node))
    if isinstance(last, ListBlock):
        last.items = (*last.items, *added)
        last.line_end = node.line_end
        return last
    assert isinstance(last, Paragraph)
    points = _points(last)
    # A negative start marks a lettered list: -1 for ``a)``, -4 for ``d)`` …
    start = ord("a") - ord(points[0][0]) - 1
    items = (*(item for _, item in points), *added)
    return ListBlock(True, start, items, last.line_start, node.line_end)


def _close(sections: list[Section], end: int) -> None:
    """Set ``line_end``: the line before the next sibling (or the parent's end)."""
    for index, section in enumerate(sections):
        nxt = sections[index + 1].line_start - 1 if index + 1 < len(sections) else end
        section.line_end = max(section.line_start, nxt)
        _close(section.children, section.line_end)
