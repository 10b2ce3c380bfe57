/**
 * Opens Flock's SQLite database through `node:sqlite`. This is the only
 * module that opens the database file.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** Milliseconds a writer waits for a lock before failing. Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Makes the database file and its `-wal`/`-shm` companions readable and
 * writable by their owner only (0600): the database holds the passwords of
 * remote OpenCode servers. A new file is created with that mode before
 * SQLite opens it (SQLite gives its companions the database file's mode),
 * and an existing one is narrowed. Nothing to do on Windows or in memory.
 */
export function restrictDatabaseFiles(path: string): void {
  if (path === ":memory:" || Deno.build.os === "windows") return;
  try {
    Deno.openSync(path, { createNew: true, write: true, mode: 0o600 }).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((Deno.statSync(file).mode ?? 0) & 0o077) Deno.chmodSync(file, 0o600);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/**
 * Opens (creating if needed, owner-only: {@linkcode restrictDatabaseFiles})
 * a SQLite database with WAL, foreign keys and a busy timeout.
 *
 * @param path A file path, or `:memory:`.
 * @returns The open database; the caller owns it and must close it.
 */
export function openDatabase(
  path: string,
  options: OpenDatabaseOptions = {},
): DatabaseSync {
  restrictDatabaseFiles(path);
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = NORMAL");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
 *
 * @returns What `fn` returns.
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/**
 * `db.prepare(sql)`, compiled once per database and SQL text and reused:
 * compiling costs about 30 µs, more than a cached point query runs.
 *
 * @example
 * ```ts
 * prepareCached(db, "SELECT 1 AS one").get(); // { one: 1 }
 * ```
 */
export function prepareCached(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/**
 * Opens an existing database read-only (the launcher reads the remote hosts
 * to grant), or returns null when there is none.
 */
export function openDatabaseReadOnly(path: string): DatabaseSync | null {
  if (path === ":memory:") return null;
  try {
    Deno.statSync(path);
  } catch {
    return null;
  }
  return new DatabaseSync(path, { readOnly: true });
}
