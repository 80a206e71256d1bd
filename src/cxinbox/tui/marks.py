"""Which conversations are marked for one triage action on all of them.

A mark set is either single rows (`x` / space on each) or "every match of the view's
query" (`*`), from which single rows can be taken out again. Either way it becomes one
query in the query language (`id:12,15` or `(status:open tag:billing) -id:12`), so a
bulk action in the TUI goes through exactly the service call, the per-person limit and
the audit trail the bulk CLI uses, and "all matching" means the whole query, never the
page on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_MARK_QUERY = 3900
"""Below the API's 4,000-character query limit (about 600 single marks)."""


@dataclass(slots=True)
class Marks:
    ids: set[int] = field(default_factory=set)
    all_query: str | None = None  # every match of this query is marked ...
    all_total: int = 0
    excluded: set[int] = field(default_factory=set)  # ... except these

    @property
    def count(self) -> int:
        if self.all_query is not None:
            return max(0, self.all_total - len(self.excluded))
        return len(self.ids)

    def __bool__(self) -> bool:
        return self.count > 0

    def is_marked(self, conv_id: int) -> bool:
        if self.all_query is not None:
            return conv_id not in self.excluded
        return conv_id in self.ids

    def toggle(self, conv_id: int) -> bool:
        """Flip one row; returns whether it is marked now."""
        if self.all_query is not None:
            self.excluded.symmetric_difference_update({conv_id})
            return conv_id not in self.excluded
        self.ids.symmetric_difference_update({conv_id})
        return conv_id in self.ids

    def mark_all(self, query: str, total: int) -> None:
        self.ids.clear()
        self.excluded.clear()
        self.all_query = query
        self.all_total = total

    def clear(self) -> None:
        self.ids.clear()
        self.excluded.clear()
        self.all_query = None
        self.all_total = 0

    def query(self) -> str:
        """The one query that selects exactly the marked conversations."""
        if self.all_query is not None:
            base = f"({self.all_query})" if self.all_query.strip() else ""
            if self.excluded:
                base = f"{base} -id:{_id_list(self.excluded)}".strip()
            return base
        return f"id:{_id_list(self.ids)}"

    def describe(self) -> str:
        noun = "conversation" if self.count == 1 else "conversations"
        return f"{self.count} marked {noun}"


def _id_list(ids: set[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))
