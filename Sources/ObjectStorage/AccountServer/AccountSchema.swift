/// The tables of an account database (one SQLite file per account), after Swift's:
///
/// - `container`: one row per container name with the stats its container servers last
///   reported; a row is deleted (`deleted = 1`) when the container's DELETE is newer than its
///   PUT and it holds no objects. Rows are replaced, never updated; triggers keep the totals,
///   the per-policy totals and the hash of `account_stat` in step.
/// - `account_stat`: one row (name, timestamps, status, totals, hash, id, metadata JSON).
/// - `policy_stat`: totals per storage policy index.
/// - `incoming_sync`, `outgoing_sync`: replication sync points.
enum AccountSchema {
    static let statements =
        [
            """
            CREATE TABLE container (
                ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                put_timestamp TEXT NOT NULL,
                delete_timestamp TEXT NOT NULL,
                object_count INTEGER NOT NULL DEFAULT 0,
                bytes_used INTEGER NOT NULL DEFAULT 0,
                deleted INTEGER NOT NULL DEFAULT 0,
                storage_policy_index INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX ix_container_deleted_name ON container (deleted, name)",
            """
            CREATE TABLE account_stat (
                account TEXT NOT NULL,
                created_at TEXT NOT NULL,
                put_timestamp TEXT NOT NULL DEFAULT '0',
                delete_timestamp TEXT NOT NULL DEFAULT '0',
                container_count INTEGER NOT NULL DEFAULT 0,
                object_count INTEGER NOT NULL DEFAULT 0,
                bytes_used INTEGER NOT NULL DEFAULT 0,
                hash TEXT NOT NULL DEFAULT '00000000000000000000000000000000',
                id TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT '',
                status_changed_at TEXT NOT NULL DEFAULT '0',
                metadata TEXT NOT NULL DEFAULT ''
            )
            """,
            """
            CREATE TABLE policy_stat (
                storage_policy_index INTEGER PRIMARY KEY,
                container_count INTEGER NOT NULL DEFAULT 0,
                object_count INTEGER NOT NULL DEFAULT 0,
                bytes_used INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TRIGGER container_insert AFTER INSERT ON container
            BEGIN
                UPDATE account_stat
                SET container_count = container_count + (1 - new.deleted),
                    object_count = object_count + new.object_count,
                    bytes_used = bytes_used + new.bytes_used,
                    hash = chexor(hash, new.name, new.put_timestamp || '-' || new.delete_timestamp || '-' ||
                                  new.object_count || '-' || new.bytes_used);
                INSERT OR IGNORE INTO policy_stat (storage_policy_index) VALUES (new.storage_policy_index);
                UPDATE policy_stat
                SET container_count = container_count + (1 - new.deleted),
                    object_count = object_count + new.object_count,
                    bytes_used = bytes_used + new.bytes_used
                WHERE storage_policy_index = new.storage_policy_index;
            END
            """,
            """
            CREATE TRIGGER container_delete AFTER DELETE ON container
            BEGIN
                UPDATE account_stat
                SET container_count = container_count - (1 - old.deleted),
                    object_count = object_count - old.object_count,
                    bytes_used = bytes_used - old.bytes_used,
                    hash = chexor(hash, old.name, old.put_timestamp || '-' || old.delete_timestamp || '-' ||
                                  old.object_count || '-' || old.bytes_used);
                UPDATE policy_stat
                SET container_count = container_count - (1 - old.deleted),
                    object_count = object_count - old.object_count,
                    bytes_used = bytes_used - old.bytes_used
                WHERE storage_policy_index = old.storage_policy_index;
            END
            """,
            """
            CREATE TRIGGER container_update BEFORE UPDATE ON container
            BEGIN
                SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
            END
            """,
        ] + SyncPoints.schema
}
