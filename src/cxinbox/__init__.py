"""cxinbox: a keyboard-driven shared inbox for clinic front desks."""

__version__ = "0.1.0"
