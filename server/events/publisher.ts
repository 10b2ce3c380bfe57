/**
 * The one way an event is published: it is enriched (a child session's
 * events get their top-level session's id), every observer applies it in
 * the order they were added (the session table first), then the broker
 * fans it out.
 *
 * An observer may publish events of its own while it applies one (a
 * queue change, a mark); those are queued and published, in order, right
 * after the event that caused them, so a stream always carries the cause
 * before the effect and an observer never sees events out of order.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import { log } from "../log.ts";

/** Something that follows the published events (it must not throw; errors are logged). */
export type EventObserver = (event: WireEvent) => void;

/** Where published events end up (the SSE broker). */
export interface EventSink {
  publish(event: WireEvent): void;
}

/** See the module documentation. */
export class Publisher {
  #sink: EventSink;
  #enrich: (event: WireEvent) => WireEvent;
  #observers: { name: string; observe: EventObserver }[] = [];
  #queue: WireEvent[] = [];
  #draining = false;

  /**
   * @param enrich Adds what Flock knows to an event before anyone sees it.
   */
  constructor(
    sink: EventSink,
    enrich: (event: WireEvent) => WireEvent = (event) => event,
  ) {
    this.#sink = sink;
    this.#enrich = enrich;
  }

  /** Adds an observer after the existing ones. */
  observe(name: string, observe: EventObserver): void {
    this.#observers.push({ name, observe });
  }

  /** Publishes one event (and then any it causes). Never throws. */
  publish(event: WireEvent): void {
    this.#queue.push(event);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        this.#publishOne(next);
      }
    } finally {
      this.#draining = false;
    }
  }

  #publishOne(raw: WireEvent): void {
    let event = raw;
    try {
      event = this.#enrich(raw);
    } catch (error) {
      log.warn(`Cannot enrich ${raw.type}:`, error);
    }
    for (const { name, observe } of this.#observers) {
      try {
        observe(event);
      } catch (error) {
        log.warn(`The ${name} cannot apply ${event.type}:`, error);
      }
    }
    this.#sink.publish(event);
  }
}
