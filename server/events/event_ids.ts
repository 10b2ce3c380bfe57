/**
 * Event ids that increase strictly and stay unique across Flock restarts.
 * Ids are handed out from blocks reserved in the `event_sequence` table:
 * reserving a block bumps `next_block_start` in one transaction, so a new
 * run (or a second allocator) always starts above every id handed out
 * before, even when the earlier run died without a clean shutdown.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { transaction } from "../db/database.ts";

/** Hands out event ids. */
export interface EventIdSource {
  /** The next id: greater than every id returned before, in this run or any earlier one. */
  next(): number;
}

/** Options for {@linkcode EventIdAllocator}. */
export interface EventIdAllocatorOptions {
  /** How many ids one reservation covers. Default 100,000. */
  blockSize?: number;
}

/** The default number of ids reserved at a time. */
export const DEFAULT_ID_BLOCK_SIZE = 100_000;

/**
 * Allocates event ids from blocks reserved in the database.
 *
 * @example
 * ```ts
 * const ids = new EventIdAllocator(db);
 * ids.next(); // e.g. 1
 * ids.next(); // 2
 * ```
 */
export class EventIdAllocator implements EventIdSource {
  #db: DatabaseSync;
  #blockSize: number;
  #next = 0;
  #end = 0;

  /**
   * @param db A migrated database (it needs the `event_sequence` table).
   */
  constructor(db: DatabaseSync, options: EventIdAllocatorOptions = {}) {
    const blockSize = options.blockSize ?? DEFAULT_ID_BLOCK_SIZE;
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
      throw new RangeError(
        `Cannot use blockSize as it is not a positive integer: ${blockSize}`,
      );
    }
    this.#db = db;
    this.#blockSize = blockSize;
  }

  /** Returns the next id, reserving a new block when the current one is used up. */
  next(): number {
    if (this.#next >= this.#end) this.#reserve();
    return this.#next++;
  }

  #reserve(): void {
    const start = transaction(this.#db, () => {
      const row = this.#db.prepare(
        "SELECT next_block_start FROM event_sequence WHERE id = 1",
      ).get() as { next_block_start: number } | undefined;
      const start = row?.next_block_start ?? 1;
      const end = start + this.#blockSize;
      this.#db.prepare(
        `INSERT INTO event_sequence (id, next_block_start) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET next_block_start = excluded.next_block_start`,
      ).run(end);
      return start;
    });
    this.#next = start;
    this.#end = start + this.#blockSize;
  }
}

/** An in-memory id source for tests and benchmarks: 1, 2, 3, … from `start`. */
export class MemoryEventIds implements EventIdSource {
  #next: number;
  constructor(start = 1) {
    this.#next = start;
  }
  /** Returns the next id. */
  next(): number {
    return this.#next++;
  }
}
