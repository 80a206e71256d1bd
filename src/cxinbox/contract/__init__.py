"""The value types and errors that cross layers.

They sit below `service/` so the service, the API transports, the TUI and the CLI share one
definition without the service importing the API. Nothing here does I/O or knows a store.
"""
