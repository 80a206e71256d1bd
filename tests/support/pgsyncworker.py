"""The end of the child programs the PostgreSQL sync tests run (each puts its own
imports and patches before it): one sync pass (`sys.argv[1]` the config, `sys.argv[2]`
the database URL) that says on stdout when a folder starts, how far it advanced, what it
warned of, when the sync returned ("synced") and when its search-vector pass ended too
("done"). The program before it imports sys, resolve_password, load_config, sync and
PgStore."""

SYNC_AND_INDEX = """
class Say:
    def folder_started(self, account, folder, new):
        print("started", new, flush=True)
    def advanced(self, count):
        print("advanced", count, flush=True)
    def warn(self, message):
        print("warn", message.replace(chr(10), " "), flush=True)

store = PgStore(sys.argv[2], max_size=4)
engine = sync.MailSync(store, load_config(sys.argv[1]),
                       lambda a: resolve_password(a.name, a.credentials), Say())
engine.sync_once()
print("synced", flush=True)
engine.wait_for_search_index()
engine.close()
store.close()
print("done", flush=True)
"""
