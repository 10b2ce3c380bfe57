/**
 * Typed reads of the columns of a `node:sqlite` result row, so the stores
 * build their JSON from checked values instead of casting rows.
 *
 * @module
 */
import type { SQLOutputValue } from "node:sqlite";

/** A row as `node:sqlite` returns it. */
export type Row = Record<string, SQLOutputValue>;

/** A column held a value of the wrong type (a schema this Flock does not know). */
export class RowError extends Error {
  constructor(column: string, value: SQLOutputValue | undefined) {
    super(
      `Cannot read column ${column} as it holds ${
        value === null ? "null" : typeof value
      }`,
    );
    this.name = "RowError";
  }
}

/** The text in `column`. */
export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new RowError(column, value);
  return value;
}

/** The text in `column`, or null. */
export function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  return value === null ? null : text(row, column);
}

/** The integer in `column` (SQLite integers arrive as numbers). */
export function int(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "number") throw new RowError(column, value);
  return value;
}

/** The integer in `column`, or null. */
export function intOrNull(row: Row, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

/** The text in `column`, which must be one of `allowed`. */
export function oneOf<T extends string>(
  row: Row,
  column: string,
  allowed: readonly T[],
): T {
  const value = text(row, column);
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new RowError(column, value);
  return found;
}
