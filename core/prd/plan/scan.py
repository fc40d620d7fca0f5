"""The meta scan: what a run of blocks declares (settings, criteria, references, files, steps).

A section's own blocks are scanned once; the builder decides what the result means for the
section (its task, or settings inherited by the tasks below it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.domain.models import Priority
from core.prd.parse import Block, CodeBlock, ListBlock, ListItem, Paragraph, Table
from core.prd.plan.vocab import (
    AC_WORDS,
    COLON_REQUIRED,
    DEP_WORDS,
    LABEL_LINE,
    PAREN_DEP,
    SPLIT_TARGETS,
    TAG,
    WORDS,
    clean_title,
    flat_blocks,
    iter_items,
    looks_like_path,
    priority_in_text,
    priority_of,
    slug,
)


@dataclass
class Meta:
    """What a run of blocks declares: settings, criteria, references, files, list items."""

    priority: Priority | None = None
    text_priority: Priority | None = None
    task_type: str | None = None
    milestone: str | None = None
    labels: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    plain_items: list[str] = field(default_factory=list)
    open_checks: list[str] = field(default_factory=list)
    deps: list[tuple[str, int]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    steps: list[tuple[ListBlock, list[ListItem]]] = field(default_factory=list)
    """Per list: the items that become tasks at fine (open checkboxes, numbered steps)."""
    item_count: int = 0
    declared_id: str | None = None


_LABEL_START = frozenset("*_dbraptlmDBRAPTLM")
"""The first characters a label line can start with (ASCII; others go to the regex)."""
_LABEL_HEADS = frozenset(
    ["depe", "bloc", "requ", "afte", "prio", "type", "labe", "tags", "mile", "acce", "done", "defi"]
)
"""The first four letters of each ``LABEL_LINE`` word, lower case."""


def _label_line(line: str) -> tuple[str, str] | None:
    line = line.strip()
    if line and line[0].isascii() and line[0] not in _LABEL_START:
        return None  # cannot match LABEL_LINE: skip the regex
    head = line[2:6] if line.startswith(("**", "__")) else line[:4]
    if head.isascii() and head.lower() not in _LABEL_HEADS:
        # Every label word has 4+ letters; only ASCII is tested, as IGNORECASE also folds
        # some non-ASCII letters (the Kelvin sign, a long s) to ASCII ones.
        return None
    m = LABEL_LINE.match(line)
    if not m:
        return None
    word = " ".join(m.group(1).casefold().split())
    has_colon = m.group(2) is not None
    if word in COLON_REQUIRED and not has_colon:
        return None
    if word not in DEP_WORDS and not has_colon:
        return None
    return word, m.group(3).strip()


def _apply_label(meta: Meta, word: str, value: str, line: int) -> None:
    if word in DEP_WORDS:
        value = value.rstrip(".")
        # The split regex only cuts at , ; & or "and" (any case): skip it when none is there.
        several = any(c in value for c in ",;&") or "and" in value.casefold()
        for target in SPLIT_TARGETS.split(value) if several else (value,):
            if target.strip():
                meta.deps.append((target.strip(), line))
    elif word == "priority":
        meta.priority = priority_of(value) or meta.priority
    elif word == "type":
        words = WORDS.findall(value.casefold())
        if words:
            meta.task_type = words[0]
    elif word in ("labels", "tags"):
        meta.labels.extend(
            s for part in re.split(r"[,\s]+", value) if (s := slug(part.lstrip("#"), 40))
        )
    elif word == "milestone" and value.strip():
        meta.milestone = value.strip()


def scan_text(meta: Meta, text: str, spans: Iterable[str], line: int) -> str | None:
    """Scan prose lines for label lines, tags, files; return the pending list role, if any.

    Each regex runs only on lines holding a character it needs (``(``, ``#``, ``P`` or ``U``):
    the cheap ``in`` tests give the same result as the regexes, faster.
    """
    pending: str | None = None
    for offset, raw in enumerate(text.split("\n")):
        labelled = _label_line(raw)
        pending = None
        if labelled:
            word, value = labelled
            if word in AC_WORDS:
                if value:
                    meta.criteria.append(value)
                else:
                    pending = "ac"
            elif word in DEP_WORDS and not value:
                pending = "deps"
            else:
                _apply_label(meta, word, value, line + offset)
        if ":" in raw:
            # upper() maps each character on its own, so the prefix's upper case is enough.
            head = raw.strip()[:7].upper()
            if head.startswith(("ID:", "PRD-ID:")):
                meta.declared_id = raw.split(":", 1)[1].strip() or meta.declared_id
        if "(" in raw:
            for dep in PAREN_DEP.findall(raw):
                _apply_label(meta, "depends on", dep, line + offset)
        if "#" in raw:
            meta.labels.extend(slug(tag, 40) for tag in TAG.findall(raw))
        if "P" in raw or "U" in raw:  # P0-P3; MUST, SHOULD and COULD all hold a "U"
            found = priority_in_text(raw)
            if found is not None and (
                meta.text_priority is None or found.rank < meta.text_priority.rank
            ):
                meta.text_priority = found
    meta.files.extend(s.strip() for s in spans if looks_like_path(s))
    return pending


def scan_blocks(
    blocks: Iterable[Block], meta: Meta, *, ac_section: bool = False, pending: str | None = None
) -> str | None:
    """Add what the blocks declare to ``meta``; return the list role pending after the last one.

    ``pending`` continues a scan: scanning ``a`` then ``b`` with the pending role of ``a`` gives
    the same ``meta`` as scanning ``a + b`` at once.
    """
    for block in flat_blocks(blocks):
        if isinstance(block, Paragraph):
            pending = scan_text(meta, block.text, block.code_spans, block.line_start)
        elif isinstance(block, ListBlock):
            scan_list(block, meta, "ac" if ac_section else pending)
            pending = None
        elif isinstance(block, Table):
            meta.files.extend(s for s in block.code_spans if looks_like_path(s))
            if len(block.header) == 2:
                for row in (block.header, *block.rows):
                    if len(row) == 2 and (labelled := _label_line(f"{row[0]}: {row[1]}")):
                        _apply_label(meta, *labelled, block.line_start)
            pending = None
        elif isinstance(block, CodeBlock):
            pending = None
    return pending


def scan_list(block: ListBlock, meta: Meta, role: str | None) -> None:
    """Add what a list declares to ``meta``.

    ``role`` is what the line before the list announced: ``"ac"`` (its items are criteria),
    ``"deps"`` (its items are dependencies) or ``None`` (each item speaks for itself).
    """
    steps: list[ListItem] = []
    for item in block.items:
        meta.item_count += 1
        first_line = item.text.split("\n", 1)[0]
        if item.code_spans:
            meta.files.extend(s for s in item.code_spans if looks_like_path(s))
        for sub in item.lists:
            for nested in iter_items(sub):
                meta.item_count += 1
                meta.files.extend(s for s in nested.code_spans if looks_like_path(s))
        if role == "deps":
            _apply_label(meta, "depends on", first_line, item.line_start)
            continue
        if role == "ac":
            meta.criteria.append(clean_title(first_line))
            continue
        labelled = _label_line(first_line)
        if labelled:
            word, value = labelled
            if word in AC_WORDS:
                if value:
                    meta.criteria.append(value)
                for sub in item.lists:
                    meta.criteria.extend(clean_title(i.text) for i in iter_items(sub))
            elif word in DEP_WORDS and not value:
                for sub in item.lists:
                    for i in iter_items(sub):
                        _apply_label(meta, "depends on", i.text, i.line_start)
            else:
                _apply_label(meta, word, value, item.line_start)
            continue
        if "#" in item.text:
            meta.labels.extend(slug(tag, 40) for tag in TAG.findall(item.text))
        text = clean_title(first_line)
        if item.checked is False:
            meta.open_checks.append(text)
            steps.append(item)
        elif item.checked is None and block.ordered:
            steps.append(item)
            meta.plain_items.append(text)
        elif item.checked is None:
            meta.plain_items.append(text)
        if "(" in item.text:
            for dep in PAREN_DEP.findall(item.text):
                meta.deps.append((dep.strip(), item.line_start))
    if steps:
        meta.steps.append((block, steps))
