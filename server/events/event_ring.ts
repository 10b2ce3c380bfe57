/**
 * The broker's replay ring: the most recent published events (their frames
 * and scopes), oldest first, in a fixed-size circular array.
 *
 * @module
 */
import type { EventScope } from "./event_scope.ts";

/** A published event as the ring keeps it. */
export interface RingEntry extends EventScope {
  id: number;
  frame: Uint8Array;
}

/** A bounded FIFO of the newest events. */
export class EventRing {
  readonly #size: number;
  readonly #entries: (RingEntry | undefined)[];
  #start = 0;
  #length = 0;
  #evicted = 0;

  constructor(size: number) {
    this.#size = size;
    this.#entries = new Array(size);
  }

  /** The id of the newest event evicted from the ring (0: none yet). */
  get evicted(): number {
    return this.#evicted;
  }

  /** Adds the newest entry, evicting the oldest when full. */
  push(entry: RingEntry): void {
    if (this.#length < this.#size) {
      this.#entries[(this.#start + this.#length) % this.#size] = entry;
      this.#length++;
      return;
    }
    this.#evicted = this.#entries[this.#start]!.id;
    this.#entries[this.#start] = entry;
    this.#start = (this.#start + 1) % this.#size;
  }

  /** Calls `each` with every entry whose id is after `position`, oldest first. */
  forEachAfter(position: number, each: (entry: RingEntry) => void): void {
    // Walk back from the newest to find the first event after `position`.
    let count = 0;
    while (count < this.#length) {
      if (this.#at(this.#length - 1 - count).id <= position) break;
      count++;
    }
    for (let i = this.#length - count; i < this.#length; i++) {
      each(this.#at(i));
    }
  }

  #at(index: number): RingEntry {
    return this.#entries[(this.#start + index) % this.#size]!;
  }
}
