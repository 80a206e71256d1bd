"""The typed service interface every client uses, and its in-process transport.

The TUI and CLI depend only on `InboxAPI`. `InProcessAPI` runs the service in worker
threads so an event loop is never blocked by SQLite; a socket transport (for
`cxinbox serve`) implements the same protocol.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from cxinbox.api.types import ConversationDetail, Event, FolderStatus, Page
from cxinbox.service.inbox import InboxService


class InboxAPI(Protocol):
    actor: str

    async def list_conversations(self, query: str = "", offset: int = 0,
                                 limit: int = 50) -> Page: ...

    async def get_conversation(self, conv_id: int) -> ConversationDetail: ...

    async def sync_status(self) -> list[FolderStatus]: ...

    async def attachment(self, message_id: int, part_path: str) -> tuple[str, str, bytes]: ...

    async def events_since(self, seq: int, limit: int = 500) -> list[Event]: ...

    async def last_event_seq(self) -> int: ...

    async def tag(self, conv_id: int, add: list[str], remove: list[str]) -> None: ...

    async def add_note(self, conv_id: int, body: str) -> int: ...

    async def mark_read(self, conv_id: int) -> int: ...

    async def set_status(self, conv_id: int, status: str, until: int | None = None) -> None: ...

    async def assign(self, conv_id: int, user: str | None) -> None: ...

    async def set_priority(self, conv_id: int, priority: str) -> None: ...


class InProcessAPI:
    """The service objects themselves, called from worker threads."""

    def __init__(self, service: InboxService) -> None:
        self.service = service
        self.actor = service.actor

    async def list_conversations(self, query: str = "", offset: int = 0,
                                 limit: int = 50) -> Page:
        return await asyncio.to_thread(self.service.list_conversations, query, offset, limit)

    async def get_conversation(self, conv_id: int) -> ConversationDetail:
        return await asyncio.to_thread(self.service.get_conversation, conv_id)

    async def sync_status(self) -> list[FolderStatus]:
        return await asyncio.to_thread(self.service.sync_status)

    async def events_since(self, seq: int, limit: int = 500) -> list[Event]:
        return await asyncio.to_thread(self.service.events_since, seq, limit)

    async def last_event_seq(self) -> int:
        return await asyncio.to_thread(self.service.last_event_seq)

    async def tag(self, conv_id: int, add: list[str], remove: list[str]) -> None:
        await asyncio.to_thread(self.service.tag, conv_id, add, remove)

    async def add_note(self, conv_id: int, body: str) -> int:
        return await asyncio.to_thread(self.service.add_note, conv_id, body)

    async def set_status(self, conv_id: int, status: str, until: int | None = None) -> None:
        await asyncio.to_thread(self.service.set_status, conv_id, status, until)

    async def assign(self, conv_id: int, user: str | None) -> None:
        await asyncio.to_thread(self.service.assign, conv_id, user)

    async def set_priority(self, conv_id: int, priority: str) -> None:
        await asyncio.to_thread(self.service.set_priority, conv_id, priority)

    async def attachment(self, message_id: int, part_path: str) -> tuple[str, str, bytes]:
        return await asyncio.to_thread(self.service.attachment, message_id, part_path)

    async def mark_read(self, conv_id: int) -> int:
        return await asyncio.to_thread(self.service.mark_read, conv_id)
