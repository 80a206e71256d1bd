"""A theme made of the terminal's own 16 colours.

Thin clients and the Linux console have 16 colours, and people set their terminal palette
for legibility; an ANSI theme uses that palette instead of truecolor approximations, and
survives a slow SSH link with short escape sequences. Nothing on screen depends on colour
alone (states are spelled out), so a monochrome terminal loses nothing essential.
"""

from __future__ import annotations

from textual.theme import Theme

CXINBOX_ANSI = Theme(
    name="cxinbox-ansi",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    accent="ansi_magenta",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "text-muted": "ansi_bright_black",
        "border-blurred": "ansi_bright_black",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "input-cursor-background": "ansi_white",
        "input-cursor-foreground": "ansi_black",
        "input-cursor-text-style": "none",
        "input-selection-background": "ansi_blue",
        "input-selection-foreground": "ansi_white",
        "footer-key-foreground": "ansi_cyan",
        "footer-description-foreground": "ansi_default",
        "footer-background": "ansi_default",
        "scrollbar": "ansi_bright_black",
        "scrollbar-background": "ansi_default",
    },
)
