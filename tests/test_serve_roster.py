"""`roster()` and `known_tags()`: the data of the assignee picker and of tag completion.

Through a real `cxinbox serve` and `SocketAPI` (the transport the desk uses), and through
the validator on its own for the fields a client may send.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.test_bulk_cli import fill
from tests.test_serve_support import ME, Server, socket_dir, write_config
from tests.test_serve_validate import refusal

from cxinbox.api.socket_client import SocketAPI, probe
from cxinbox.api.validate import Validator
from cxinbox.config import load_config
from cxinbox.contract.errors import BadRequest
from cxinbox.contract.team_types import StaffView, TagView
from cxinbox.store.db import Database


@pytest.fixture
def sockdir() -> Iterator[Path]:
    with socket_dir() as path:
        yield path


async def _client(sock: Path) -> SocketAPI:
    found = probe(sock)
    assert found is not None, "server not answering"
    return SocketAPI(sock, *found)


async def test_roster_and_tags_over_the_socket(tmp_path: Path, sockdir: Path) -> None:
    sock = sockdir / "s.sock"
    cfg = write_config(tmp_path, sock, {ME: "supervisor", "colleague": "agent"})
    db = Database(load_config(cfg).db_path)
    ids = fill(db, 4)
    db.close()
    with Server(cfg, sock):
        api = await _client(sock)
        try:
            roster = await api.roster()
            # Typed values on the client, roster order, and only this user is connected.
            assert roster == [StaffView(ME, f"{ME.title()} Desk", "supervisor", True),
                              StaffView("colleague", "Colleague Desk", "agent", False)]

            assert await api.known_tags() == []
            await api.tag(ids[0], ["lab-results", "billing"], [])
            await api.tag(ids[1], ["lab-results"], [])
            assert await api.known_tags() == [TagView("lab-results", 2), TagView("billing", 1)]
            assert await api.known_tags(1) == [TagView("lab-results", 2)]

            for args, kwargs, expected in [
                ((1,), {}, "roster: too many positional arguments"),
                ((), {"online": True}, "roster: got an unexpected keyword argument"),
                ((-1,), {}, "known_tags: limit: must be between 0 and"),
                (("50",), {}, "known_tags: limit: expected an integer, got a string"),
                ((True,), {}, "known_tags: limit: expected an integer, got true/false"),
                ((), {"prefix": "lab"}, "known_tags: got an unexpected keyword argument"),
            ]:
                method = "roster" if expected.startswith("roster") else "known_tags"
                with pytest.raises(BadRequest) as caught:
                    await api.request(method, *args, **kwargs)
                assert str(caught.value).startswith(expected), str(caught.value)
            assert await api.roster() == roster  # a refusal costs the connection nothing
        finally:
            await api.aclose()


def test_the_validator_refuses_bad_fields(tmp_path: Path) -> None:
    from tests.test_serve_support import write_config as serve_config

    check: Any = Validator(load_config(serve_config(tmp_path, tmp_path / "s.sock",
                                                    {"maria": "agent"}))).check
    assert check("roster", [], {}) == ((), {})
    assert check("known_tags", [10], {}) == ((10,), {})
    assert "too many positional arguments" in refusal(check, "roster", "maria")
    assert "limit: must be between 0 and" in refusal(check, "known_tags", 10**9)
    assert "limit: expected an integer, got a number" in refusal(check, "known_tags", 1.5)
