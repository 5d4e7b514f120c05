/// The tables of a container database (one SQLite file per container), after Swift's:
///
/// - `object`: one row per object name (the newest put or delete), `ROWID` autoincrement so
///   that replication can ask for the rows after a point. Rows are never updated in place: a
///   newer row replaces an older one by delete and insert, and the triggers keep the count,
///   bytes and hash of `container_info` in step.
/// - `container_info`: one row (names, timestamps, status, counts, reported counts, hash, id,
///   metadata JSON).
/// - `incoming_sync`, `outgoing_sync`: replication sync points.
enum ContainerSchema {
    static let statements =
        [
            """
            CREATE TABLE object (
                ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                created_at TEXT NOT NULL,
                size INTEGER NOT NULL DEFAULT 0,
                content_type TEXT NOT NULL DEFAULT '',
                etag TEXT NOT NULL DEFAULT '',
                deleted INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX ix_object_deleted_name ON object (deleted, name)",
            """
            CREATE TABLE container_info (
                account TEXT NOT NULL,
                container TEXT NOT NULL,
                created_at TEXT NOT NULL,
                put_timestamp TEXT NOT NULL DEFAULT '0',
                delete_timestamp TEXT NOT NULL DEFAULT '0',
                reported_put_timestamp TEXT NOT NULL DEFAULT '0',
                reported_delete_timestamp TEXT NOT NULL DEFAULT '0',
                reported_object_count INTEGER NOT NULL DEFAULT 0,
                reported_bytes_used INTEGER NOT NULL DEFAULT 0,
                hash TEXT NOT NULL DEFAULT '00000000000000000000000000000000',
                id TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT '',
                status_changed_at TEXT NOT NULL DEFAULT '0',
                metadata TEXT NOT NULL DEFAULT '',
                object_count INTEGER NOT NULL DEFAULT 0,
                bytes_used INTEGER NOT NULL DEFAULT 0,
                storage_policy_index INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TRIGGER object_insert AFTER INSERT ON object
            BEGIN
                UPDATE container_info
                SET object_count = object_count + (1 - new.deleted),
                    bytes_used = bytes_used + new.size,
                    hash = chexor(hash, new.name, new.created_at);
            END
            """,
            """
            CREATE TRIGGER object_delete AFTER DELETE ON object
            BEGIN
                UPDATE container_info
                SET object_count = object_count - (1 - old.deleted),
                    bytes_used = bytes_used - old.size,
                    hash = chexor(hash, old.name, old.created_at);
            END
            """,
            """
            CREATE TRIGGER object_update BEFORE UPDATE ON object
            BEGIN
                SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
            END
            """,
        ] + SyncPoints.schema
}
