"""`HOST:PORT` for a listener that must stay on this machine (the metrics endpoint).

Prometheus metrics carry no patient text, but they tell whoever can read them how busy a
clinic is and when its mail stops; a scraper on another host reaches them through its own
tunnel or a local agent, so the address must be a loopback one, and is refused otherwise.
"""

from __future__ import annotations

import ipaddress


def loopback_listen(value: str) -> tuple[str, int]:
    """(host, port) from "127.0.0.1:9464", "[::1]:9464" or "localhost:9464"; ValueError
    with one line naming what is wrong."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{value!r} is not HOST:PORT (e.g. \"127.0.0.1:9464\")")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost":
        return "127.0.0.1", int(port_text)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"{value!r} is not a loopback address; the metrics endpoint listens"
                         " on 127.0.0.1 or [::1] only")
    return host, int(port_text)
