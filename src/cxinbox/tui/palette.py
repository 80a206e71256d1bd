"""The command palette lists every action of the registry, with its current key.

Discoverability for people who do not remember keys: everything `?` documents can be
found and run from Ctrl+P by typing part of its description.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from cxinbox.tui.actions import ACTIONS, ActionSpec

if TYPE_CHECKING:
    from cxinbox.tui.app import CxInboxApp


class ActionsProvider(Provider):
    @property
    def _inbox(self) -> CxInboxApp:
        return cast("CxInboxApp", self.app)

    def _specs(self) -> list[ActionSpec]:
        return [spec for spec in ACTIONS if spec.palette]

    def _runner(self, spec: ActionSpec) -> Callable[[], None]:
        inbox = self._inbox

        def run() -> None:
            inbox.call_later(inbox.run_registry_action, spec.id)

        return run

    def _help(self, spec: ActionSpec) -> str:
        keys = self._inbox.registry_key_display(spec)
        return f"{spec.group} - key {keys}" if keys else spec.group

    async def discover(self) -> Hits:
        for spec in self._specs():
            yield DiscoveryHit(Content(spec.help), self._runner(spec), text=spec.help,
                               help=self._help(spec))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in self._specs():
            score = matcher.match(spec.help)
            if score > 0:
                yield Hit(score, matcher.highlight(spec.help), self._runner(spec),
                          text=spec.help, help=self._help(spec))
