/**
 * A fixed-size ring of a child's recent output lines.
 *
 * @module
 */
import type { LogLineJson } from "../contract/instances.ts";

/** Keeps the last `capacity` lines; older ones are dropped. */
export class LogRing {
  #capacity: number;
  #lines: LogLineJson[] = [];
  #start = 0;

  /** @param capacity How many lines to keep (at least 1). */
  constructor(capacity = 500) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** Adds a line, dropping the oldest one when full. */
  push(line: LogLineJson): void {
    if (this.#lines.length < this.#capacity) {
      this.#lines.push(line);
      return;
    }
    this.#lines[this.#start] = line;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  /** The kept lines, oldest first (a copy). */
  lines(): LogLineJson[] {
    return [
      ...this.#lines.slice(this.#start),
      ...this.#lines.slice(0, this.#start),
    ];
  }

  /** The last `n` lines as text, one per line, for error messages. */
  tail(n: number): string {
    return this.lines().slice(-n).map((l) => `[${l.stream}] ${l.line}`)
      .join("\n");
  }

  /** Forgets every line. */
  clear(): void {
    this.#lines = [];
    this.#start = 0;
  }
}
