"""The parsed document's tree: sections, and the blocks under each, with their source lines.

The nodes are read-only by convention: the chunk cache shares them between documents, so
nothing may change one after it is built. They are not ``frozen`` dataclasses because a frozen
``__init__`` sets each field through ``object.__setattr__`` (~3.5x slower to build), and a
1 MB document builds tens of thousands of them (~15 ms of a cold preview).
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
