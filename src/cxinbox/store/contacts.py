"""Contacts: one person behind several e-mail addresses and phone numbers. SQL only.

An address (lower-case e-mail or E.164 phone) belongs to exactly one contact; a
conversation points at the contact of its patient. Ingest (e-mail and SMS) calls
`link_conversation` for the patient side of every new conversation, so a patient who
texts and later e-mails shows up as one person once staff link the two addresses.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from cxinbox.domain.addresses import (  # noqa: F401 - the names this module offered
    AddressError,
    canonical_address,
    normalize_address,
    stored_address,
)
from cxinbox.store import records
from cxinbox.store.dialect import inserted_id

if TYPE_CHECKING:
    from cxinbox.store.records import (
        ContactConversationRecord,
    )


def contact_of_address(conn: sqlite3.Connection, address: str) -> int | None:
    row = conn.execute("SELECT contact_id FROM contact_addresses WHERE address = ?",
                       (canonical_address(address)[0],)).fetchone()
    return int(row[0]) if row else None


def create_contact(conn: sqlite3.Connection, name: str, first_address: str | None) -> int:
    return inserted_id(conn.execute("INSERT INTO contacts (name, first_address) VALUES (?, ?)"
                                    " RETURNING id", (name, first_address)))


def add_address(conn: sqlite3.Connection, contact_id: int, address: str, name: str) -> None:
    """Give `address` to `contact_id` (taking it from any other contact)."""
    canon, kind = canonical_address(address)
    conn.execute(
        "INSERT INTO contact_addresses (address, contact_id, kind, name) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (address) DO UPDATE SET contact_id = excluded.contact_id,"
        " name = CASE WHEN excluded.name != '' THEN excluded.name"
        " ELSE contact_addresses.name END",
        (canon, contact_id, kind, name))


def ensure_contact(conn: sqlite3.Connection, address: str, name: str) -> int:
    """The contact owning `address`, created on first sight (caller's transaction).

    A name seen with the address fills in a missing one but never overwrites what staff
    or earlier mail set.
    """
    canon, kind = canonical_address(address)
    row = conn.execute("SELECT contact_id, name FROM contact_addresses WHERE address = ?",
                       (canon,)).fetchone()
    if row is None:
        contact_id = create_contact(conn, name, canon)
        conn.execute("INSERT INTO contact_addresses (address, contact_id, kind, name)"
                     " VALUES (?, ?, ?, ?)", (canon, contact_id, kind, name))
        return contact_id
    contact_id = int(row[0])
    if name and not row[1]:
        conn.execute("UPDATE contact_addresses SET name = ? WHERE address = ?", (name, canon))
        conn.execute("UPDATE contacts SET name = ? WHERE id = ? AND name = ''",
                     (name, contact_id))
    return contact_id


def link_conversation(conn: sqlite3.Connection, conv_id: int, address: str, name: str) -> int:
    """Point a conversation at the contact owning `address`, creating it on first sight.

    Runs in the caller's transaction; returns the contact id.
    """
    contact_id = ensure_contact(conn, address, name)
    conn.execute("UPDATE conversations SET contact_id = ? WHERE id = ?", (contact_id, conv_id))
    return contact_id


def attach_conversation(conn: sqlite3.Connection, conv_id: int, address: str,
                        name: str) -> tuple[int, bool, list[int]]:
    """Give a conversation without a contact (one staff started) the contact of its patient
    address, created if nobody has that address yet. Other conversations from the same
    address that have no contact either come along.

    Runs in the caller's transaction; returns (contact id, whether it was created, the
    conversations now pointing at it).
    """
    created = contact_of_address(conn, address) is None
    contact_id = link_conversation(conn, conv_id, address, name)
    moved = move_conversations_by_address(conn, None, contact_id, address)
    return contact_id, created, sorted({conv_id, *moved})


def live_contact_id(conn: sqlite3.Connection, contact_id: int) -> int | None:
    """The contact still in use for `contact_id`: itself, or where its merges forwarded it.

    None when there is no such contact (or, never written by this module, a forwarding loop).
    """
    seen: set[int] = set()
    current = contact_id
    while current not in seen:
        seen.add(current)
        row = conn.execute("SELECT merged_into FROM contacts WHERE id = ?",
                           (current,)).fetchone()
        if row is None:
            return None
        if row[0] is None:
            return current
        current = int(row[0])
    return None


def contact_id_of_conversation(conn: sqlite3.Connection, conv_id: int) -> int | None:
    row = conn.execute("SELECT contact_id FROM conversations WHERE id = ?", (conv_id,)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


ContactRow = records.ContactRecord


def get_contact(conn: sqlite3.Connection, contact_id: int) -> ContactRow | None:
    row = conn.execute("SELECT id, name, merged_into FROM contacts WHERE id = ?",
                       (contact_id,)).fetchone()
    if row is None:
        return None
    addresses = tuple((a[0], a[1], a[2]) for a in conn.execute(
        "SELECT address, kind, name FROM contact_addresses WHERE contact_id = ?"
        " ORDER BY kind, address", (contact_id,)))
    return ContactRow(int(row[0]), str(row[1]), row[2], addresses)


def conversations_of_contact(conn: sqlite3.Connection,
                             contact_id: int) -> list[ContactConversationRecord]:
    return [records.ContactConversationRecord(*r) for r in conn.execute(
        "SELECT id, subject, channel, mailbox, status, from_addr, last_message_at"
        " FROM conversations WHERE contact_id = ? AND merged_into IS NULL"
        " ORDER BY last_message_at DESC, id DESC", (contact_id,))]


def move_conversations_by_address(conn: sqlite3.Connection, from_contact: int | None,
                                  to_contact: int, address: str) -> list[int]:
    """Conversations whose patient is `address` and that belong to `from_contact` (or to
    no contact at all) move to `to_contact`; returns their ids."""
    canon = canonical_address(address)[0]
    ids = [int(r[0]) for r in conn.execute(
        "SELECT id FROM conversations WHERE lower(trim(from_addr)) = ?"
        " AND (contact_id IS NOT DISTINCT FROM ? OR contact_id IS NULL) AND merged_into IS NULL ORDER BY id",
        (canon, from_contact))]
    conn.executemany("UPDATE conversations SET contact_id = ? WHERE id = ?",
                     [(to_contact, i) for i in ids])
    return ids


def merge_contacts(conn: sqlite3.Connection, into_id: int, other_id: int) -> list[int]:
    """Every address and conversation of `other_id` moves to `into_id`; returns the moved
    conversations. The other contact stays as a forwarding row (merged_into)."""
    ids = [int(r[0]) for r in conn.execute(
        "SELECT id FROM conversations WHERE contact_id = ?", (other_id,))]
    conn.execute("UPDATE conversations SET contact_id = ? WHERE contact_id = ?",
                 (into_id, other_id))
    conn.execute("UPDATE contact_addresses SET contact_id = ? WHERE contact_id = ?",
                 (into_id, other_id))
    conn.execute("UPDATE contacts SET name = (SELECT name FROM contacts WHERE id = ?)"
                 " WHERE id = ? AND name = ''", (other_id, into_id))
    conn.execute("UPDATE contacts SET merged_into = ? WHERE id = ? OR merged_into = ?",
                 (into_id, other_id, other_id))
    return ids


def mark_merged_if_empty(conn: sqlite3.Connection, contact_id: int, into_id: int) -> bool:
    """A contact left with no address and no conversation forwards to `into_id`."""
    left = conn.execute(
        "SELECT (SELECT count(*) FROM contact_addresses WHERE contact_id = ?)"
        " + (SELECT count(*) FROM conversations WHERE contact_id = ?)",
        (contact_id, contact_id)).fetchone()[0]
    if left:
        return False
    conn.execute("UPDATE contacts SET merged_into = ? WHERE id = ?", (into_id, contact_id))
    return True
