"""mistune with positions: a chunk's tokens, each top-level block stamped with its offset.

mistune 3's AST gives the structure but no positions. A block parser subclass notes the match
position of every block rule, and a state subclass the start of every paragraph, so the caller
can turn offsets into line numbers. Inline text that holds nothing but words, code spans and
line breaks (most of a PRD) skips mistune's inline parser through ``_plain_inline``, which gives
what mistune gives (a property test compares them).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any, cast

import mistune
from mistune.block_parser import BlockParser
from mistune.core import BlockState
from mistune.inline_parser import InlineParser


class _PosState(BlockState):
    """Stamps top-level tokens with the offset where their block starts (``_pos``)."""

    block_start: int = 0

    def append_token(self, token: dict[str, Any]) -> None:
        if self.parent is None:
            token.setdefault("_pos", self.block_start)
        self.tokens.append(token)

    def add_paragraph(self, text: str) -> None:
        """The hook mistune calls for paragraph text (``BlockState.add_paragraph``), plus the start.

        Nothing in taskyard calls it, yet it is needed: a paragraph is not matched by a block
        rule, so ``_PosBlockParser`` never sees where it starts. Without it every paragraph
        would take the position of the block before it (the recorded plans catch that).
        """
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
    if "**" in text and "`" not in text:
        return _strong_inline(text)
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


_NOT_STAR_SYNTAX = re.compile(r"[\\_!\[\]<~]")
"""``_INLINE_SYNTAX`` without ``*``: what ``_strong_inline`` leaves to mistune."""


def _strong_inline(text: str) -> list[dict[str, Any]] | None:
    """The tokens of text whose only markup is ``**bold**`` spans (``**Done when**``, ``**P0**``).

    PRDs bold a lead word in a quarter of their paragraphs and items, and mistune's delimiter
    algorithm costs ~30x the plain path. Only the case with one answer is taken: every run of
    ``*`` is exactly ``**``, the runs alternate between one that can only open and one that can
    only close (CommonMark's flanking rules, as mistune applies them: text edges count as
    whitespace, punctuation is anything neither space nor alphanumeric), and nothing else is
    markup. Then each pair is a ``strong`` span; anything else returns ``None`` for mistune.
    """
    if _syntax(text, _NOT_STAR_SYNTAX):
        return None
    tokens: list[dict[str, Any]] = []
    pos = 0
    opening = True
    star = text.find("*")
    while star >= 0:
        if not text.startswith("**", star) or text.startswith("***", star):
            return None
        before = text[star - 1] if star else "\n"
        after = text[star + 2] if star + 2 < len(text) else "\n"
        if _flanking(before, after) != (opening, not opening):
            return None
        piece = {"type": "text", "raw": _breaks(text[pos:star])}
        tokens.append(piece if opening else {"type": "strong", "children": [piece]})
        opening = not opening
        pos = star + 2
        star = text.find("*", pos)
    if not opening:
        return None
    tokens.append({"type": "text", "raw": _breaks(text[pos:])})
    return tokens


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """Whether a ``**`` run between these characters can open, and whether it can close."""
    before_punct = not before.isspace() and not before.isalnum()
    after_punct = not after.isspace() and not after.isalnum()
    can_open = not after.isspace() and not (
        after_punct and not before.isspace() and not before_punct
    )
    can_close = not before.isspace() and not (
        before_punct and not after.isspace() and not after_punct
    )
    return can_open, can_close


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


def chunk_tokens(text: str) -> list[dict[str, Any]]:
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
