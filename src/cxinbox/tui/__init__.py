"""The front-desk terminal UI (Textual). Presentation only: it talks to `cxinbox.api`.

Nothing here is imported by the command line until a TUI command runs (`launch` imports
Textual lazily), so `cxinbox list` and friends stay quick to start.
"""
