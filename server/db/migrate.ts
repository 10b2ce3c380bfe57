/**
 * Applies the embedded migrations to a database, each exactly once, in order,
 * inside one transaction per migration.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Migration } from "../../migrations/migrations.ts";
import { transaction } from "./database.ts";

/** A migration failed, or the database was written by a newer Flock. */
export class MigrationError extends Error {
  /** The migration file that failed, if one did. */
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationError";
    this.file = file;
  }
}

/** What {@linkcode migrate} did. */
export interface MigrateResult {
  /** The versions applied by this call, in order. */
  applied: number[];
  /** The schema version after this call. */
  version: number;
}

/**
 * Brings the database up to the newest migration.
 *
 * @throws {MigrationError} when a migration fails (the database is left as it
 * was before that migration) or when the database records a version this
 * Flock does not know.
 */
export function migrate(
  db: DatabaseSync,
  migrations: readonly Migration[],
): MigrateResult {
  checkSequence(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ) STRICT`);
  const rows = db.prepare(
    "SELECT version, name FROM schema_migrations ORDER BY version",
  ).all() as { version: number; name: string }[];
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of rows) {
    if (!known.has(row.version)) {
      throw new MigrationError(
        `Cannot use the database as it was written by a newer Flock: it records migration ${row.version} (${row.name}), and this Flock knows migrations up to ${
          migrations.at(-1)?.version ?? 0
        }`,
      );
    }
  }
  const done = new Set(rows.map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    // The pragma is a no-op inside a transaction, so it goes around it.
    if (m.foreignKeysOff) db.exec("PRAGMA foreign_keys = OFF");
    try {
      transaction(db, () => {
        db.exec(m.sql);
        if (m.foreignKeysOff) assertForeignKeys(db);
        db.prepare(
          "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
        ).run(m.version, m.name);
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MigrationError(
        `Cannot apply migration ${m.name}: ${reason}`,
        m.name,
        { cause: error },
      );
    } finally {
      if (m.foreignKeysOff) db.exec("PRAGMA foreign_keys = ON");
    }
    applied.push(m.version);
  }
  return { applied, version: migrations.at(-1)?.version ?? 0 };
}

/** Throws when a row points at a row that does not exist. */
function assertForeignKeys(db: DatabaseSync): void {
  const broken = db.prepare("PRAGMA foreign_key_check").all();
  if (broken.length > 0) {
    throw new Error(
      `it leaves ${broken.length} broken foreign key(s), e.g. ${
        JSON.stringify(broken[0])
      }`,
    );
  }
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(
        `Cannot order migrations: expected version ${
          i + 1
        } at position ${i}, found ${m.version} (${m.name})`,
        m.name,
      );
    }
  });
}
