"""The board's colour themes. Every state is also shown by words and glyphs, never colour alone.

``high-contrast`` keeps text at 7:1 or better against every background it is drawn on (WCAG
AAA); the ``ansi-*`` themes (Textual's) use the terminal's own 16 colours, which the user
controls. A test computes the contrast ratios.
"""

from __future__ import annotations

from textual.theme import Theme

TASKYARD_DARK = Theme(
    name="taskyard-dark",
    primary="#5fafff",
    secondary="#87d7af",
    accent="#ffaf5f",
    warning="#ffd75f",
    error="#ff6b6b",
    success="#5fd787",
    foreground="#e4e4e4",
    background="#1c1c1c",
    surface="#262626",
    panel="#303030",
    dark=True,
    variables={
        "block-cursor-background": "#1d4e7e",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-blurred-background": "#34393f",
    },
)

TASKYARD_LIGHT = Theme(
    name="taskyard-light",
    primary="#005faf",
    secondary="#007f5f",
    accent="#a34d00",
    warning="#7a5c00",
    error="#b00020",
    success="#006b2f",
    foreground="#1c1c1c",
    background="#fafafa",
    surface="#f0f0f0",
    panel="#e4e4e4",
    dark=False,
    variables={
        "block-cursor-background": "#005faf",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-blurred-background": "#d8e2ec",
    },
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffffff",
    warning="#ffff00",
    error="#ff8080",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#000000",
    dark=True,
    text_alpha=1.0,
    luminosity_spread=0.0,
    variables={
        # Selection is reverse video: black on yellow (19.6:1), never white on yellow.
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#303030",
        "block-cursor-blurred-foreground": "#ffffff",
        "text-muted": "#e0e0e0",
        "footer-key-foreground": "#ffff00",
    },
)

TASKYARD_THEMES = (TASKYARD_DARK, TASKYARD_LIGHT, HIGH_CONTRAST)
