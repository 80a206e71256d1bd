"""The command palette lists every action of the registry, with its current key.

Discoverability for people who do not remember keys: everything `?` documents can be
found and run from Ctrl+P by typing part of its description.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from cxinbox.tui.actions import ACTIONS, ActionSpec


class ActionsProvider(Provider):
    def _specs(self) -> list[ActionSpec]:
        return [spec for spec in ACTIONS if spec.palette]

    def _runner(self, spec: ActionSpec) -> partial[None]:
        return partial(self.app.call_later, self.app.run_registry_action, spec.id)  # type: ignore[attr-defined]

    def _help(self, spec: ActionSpec) -> str:
        keys = self.app.registry_key_display(spec)  # type: ignore[attr-defined]
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
