import GRDB

/// The store's schema, as ordered, named migrations.
///
/// A migration is never edited once released: a change to the schema is a new migration appended to the
/// list. GRDB records the names it applied in `grdb_migrations`; a file that lists a name this build does not
/// know was written by a newer careline, and opening it fails with ``StoreError/Code/schemaTooNew``.
enum Migrations {
    /// The migration names, oldest first.
    static let names = [
        "v1-patients", "v2-outbox", "v3-opt-outs", "v4-audit", "v5-dispatch", "v6-approval", "v7-retention",
    ]

    /// A migrator with every migration registered.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-patients") { db in
            // WITHOUT ROWID: rows are stored in id order, so a queue run streams patients by id without an
            // index lookup per row, and an import writes one b-tree instead of a table plus an index.
            try db.execute(
                sql: """
                    CREATE TABLE patients (
                        id TEXT NOT NULL PRIMARY KEY,
                        name TEXT NOT NULL,
                        phone TEXT CHECK (phone IS NULL OR phone GLOB '+[1-9]*'),
                        gender TEXT CHECK (gender IN ('F', 'M')),
                        birth_date TEXT,
                        timezone TEXT,
                        locale TEXT,
                        tags TEXT NOT NULL DEFAULT '[]',
                        opt_out INTEGER NOT NULL DEFAULT 0 CHECK (opt_out IN (0, 1)),
                        preferred_time TEXT,
                        extra TEXT NOT NULL DEFAULT '{}',
                        digest TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-outbox") { db in
            // Instants are integer milliseconds since 1970 (UTC); local dates are ISO text (`2026-12-01`).
            try db.execute(
                sql: """
                    CREATE TABLE batches (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        campaigns TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        queued INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE messages (
                        id TEXT NOT NULL PRIMARY KEY,
                        batch_id INTEGER NOT NULL REFERENCES batches(id),
                        campaign TEXT NOT NULL,
                        step TEXT NOT NULL,
                        patient_id TEXT NOT NULL,
                        recipient TEXT NOT NULL CHECK (recipient GLOB '+[1-9]*'),
                        senders TEXT NOT NULL,
                        due_date TEXT NOT NULL,
                        send_at INTEGER NOT NULL,
                        local_date TEXT NOT NULL,
                        time_zone TEXT NOT NULL,
                        expires_at INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        encoding TEXT NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
                        segments INTEGER NOT NULL,
                        content_hash TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN (
                            'queued', 'sending', 'sent', 'retry', 'failed', 'unknown', 'expired', 'cancelled')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX messages_state_send_at ON messages(state, send_at);
                    CREATE INDEX messages_patient_id ON messages(patient_id);
                    CREATE INDEX messages_recipient ON messages(recipient);
                    CREATE INDEX messages_campaign ON messages(campaign);
                    CREATE INDEX messages_batch_id ON messages(batch_id);
                    """)
        }
        migrator.registerMigration("v3-opt-outs") { db in
            // One row per phone and one per patient: adding the same one again keeps the first entry.
            try db.execute(
                sql: """
                    CREATE TABLE opt_outs (
                        id INTEGER PRIMARY KEY,
                        phone TEXT UNIQUE,
                        patient_id TEXT UNIQUE,
                        reason TEXT,
                        at INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        CHECK (phone IS NOT NULL OR patient_id IS NOT NULL)
                    );
                    """)
        }
        migrator.registerMigration("v4-audit") { db in
            // Append-only: the triggers refuse to change or remove a line, whoever asks.
            try db.execute(
                sql: """
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        subject TEXT,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX audit_at ON audit(at);
                    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                    BEGIN
                        SELECT RAISE(ABORT, 'the audit trail is append-only');
                    END;
                    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                    BEGIN
                        SELECT RAISE(ABORT, 'the audit trail is append-only');
                    END;
                    """)
        }
        migrator.registerMigration("v5-dispatch") { db in
            // The sender chain position, the provider's id, the last failure, and each batch's campaign files
            // as queued, so the dispatcher re-checks windows against what was planned.
            try db.execute(
                sql: """
                    ALTER TABLE messages ADD COLUMN sender_index INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE messages ADD COLUMN provider_id TEXT;
                    ALTER TABLE messages ADD COLUMN last_error TEXT;
                    CREATE TABLE campaign_sources (
                        batch_id INTEGER NOT NULL REFERENCES batches(id),
                        campaign TEXT NOT NULL,
                        source TEXT NOT NULL,
                        PRIMARY KEY (batch_id, campaign)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6-approval") { db in
            // Which messages wait for a reviewer, what each queue run left out, and the approvals: the latest
            // decision per batch wins; an approval pins a SHA-256 of every message it covered. Also the index of
            // pending messages in send order for the dispatcher.
            try db.execute(
                sql: """
                    ALTER TABLE messages ADD COLUMN requires_approval INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE batches ADD COLUMN skipped_duplicate INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE batches ADD COLUMN skipped_opted_out INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE batches ADD COLUMN skipped_expired INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE batches ADD COLUMN skipped_capped INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE batches ADD COLUMN skipped_invalid INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE approvals (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        batch_id INTEGER NOT NULL REFERENCES batches(id),
                        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
                        reviewer TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        note TEXT,
                        batch_hash TEXT NOT NULL
                    );
                    CREATE INDEX approvals_batch_id ON approvals(batch_id, id);
                    -- The dispatcher's page query walks the pending messages in (send_at, id) order: with this
                    -- partial index each page is read in order instead of sorting every due message again.
                    CREATE INDEX messages_pending ON messages(send_at, id) WHERE state IN ('queued', 'retry');
                    -- Listings (preview, review, status) page through messages in (send_at, id) order, with or
                    -- without a filter: these indexes return each page in order instead of sorting the whole
                    -- table (or batch) again per page, which made a 100,000-message preview quadratic.
                    CREATE INDEX messages_send_order ON messages(send_at, id);
                    DROP INDEX messages_batch_id;
                    CREATE INDEX messages_batch_send_order ON messages(batch_id, send_at, id);
                    DROP INDEX messages_campaign;
                    CREATE INDEX messages_campaign_send_order ON messages(campaign, send_at, id);
                    DROP INDEX messages_state_send_at;
                    CREATE INDEX messages_state_send_order ON messages(state, send_at, id);
                    CREATE TABLE approved_messages (
                        approval_id INTEGER NOT NULL REFERENCES approvals(id),
                        message_id TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        PRIMARY KEY (message_id, approval_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v7-retention") { db in
            // When a retention purge erased a finished message's body and full number (`careline purge`,
            // `[store] retention`); NULL while it has them. No table rebuild: the purge writes '' for the body
            // and the masked number (which still passes the recipient CHECK) in place. The partial index holds
            // only finished messages not purged yet, so the purge after every dispatch reads just those instead
            // of scanning the whole outbox.
            try db.execute(
                sql: """
                    ALTER TABLE messages ADD COLUMN purged_at INTEGER;
                    CREATE INDEX messages_purgeable ON messages(updated_at)
                        WHERE purged_at IS NULL AND state IN ('sent', 'failed', 'expired', 'cancelled');
                    """)
        }
        return migrator
    }

    /// Migrates `writer` to the newest schema.
    ///
    /// - Throws: ``StoreError`` `.schemaTooNew` when the file has migrations this build does not know (nothing
    ///   is changed then); `DatabaseError` from SQLite.
    static func migrate(_ writer: some DatabaseWriter, path: String) throws {
        let migrator = self.migrator
        let (unknown, complete) = try writer.read { db in
            (
                try migrator.appliedIdentifiers(db).subtracting(names).sorted(),
                try migrator.hasCompletedMigrations(db)
            )
        }
        guard unknown.isEmpty else {
            throw StoreError(
                code: .schemaTooNew, path: path,
                message: "the database was written by a newer careline (unknown migrations: "
                    + "\(unknown.joined(separator: ", "))). Use that version or a newer one; this one must not "
                    + "change the file.")
        }
        // An up-to-date file is not written to at all: opening the store to read must leave it byte-identical.
        if !complete { try migrator.migrate(writer) }
    }
}
