"""Who is acting: one answer for the CLI, the TUI and the server.

The acting user is the OS login of a uid the kernel vouches for: the real uid of this
process (in-process mode) or the peer's uid from SO_PEERCRED (the server). Never
`getpass.getuser()`, which believes $USER and $LOGNAME: roles and the audit trail hang on
this name, so `USER=lead cxinbox` must not act as lead.
"""

from __future__ import annotations

import os
import pwd


def login_of(uid: int) -> str:
    """The login name of `uid`; `uid<N>` for a uid with no passwd entry."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"


def acting_user() -> str:
    """The login of this process's real uid: who runs cxinbox, whatever the environment says."""
    return login_of(os.getuid())
