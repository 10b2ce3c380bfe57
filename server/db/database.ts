/**
 * Opens Flock's SQLite database through `node:sqlite`. This is the only
 * module that opens the database file.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** Milliseconds a writer waits for a lock before failing. Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) a SQLite database with WAL, foreign keys and a
 * busy timeout.
 *
 * @param path A file path, or `:memory:`.
 * @returns The open database; the caller owns it and must close it.
 */
export function openDatabase(
  path: string,
  options: OpenDatabaseOptions = {},
): DatabaseSync {
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
