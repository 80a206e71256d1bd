"""The PostgreSQL store (issue #16): the same `Store` interface as the SQLite store, for a
group of sites whose servers share one database. Built step by step: the schema and its
migrations first (schema.py, migrate.py); the operations follow."""
