/**
 * The one way an event is published: it is enriched (a child session's
 * events get their top-level session's id), every observer applies it in
 * the order they were added (the session table first), then the broker
 * fans it out. The event's {@linkcode PublishMeta} goes with it: every
 * observer gets it (`meta.directory`), and the broker sends `meta.json`
 * instead of serialising the event, unless the enricher changed the event
 * (then the broker serialises the enriched event once).
 *
 * An observer may publish events of its own while it applies one (a
 * queue change, a mark); those are queued and published, in order, right
 * after the event that caused them, so a stream always carries the cause
 * before the effect and an observer never sees events out of order.
 *
 * @module
 */
import type { PublishMeta, WireEvent } from "../contract/events.ts";
import { log } from "../log.ts";

/** Something that follows the published events (it must not throw; errors are logged). */
export type EventObserver = (
  event: WireEvent,
  meta: PublishMeta | undefined,
) => void;

/** Where published events end up (the SSE broker). */
export interface EventSink {
  /** `json`, when given, is the event's JSON text, sent as is. */
  publish(event: WireEvent, json?: string): void;
}

/** See the module documentation. */
export class Publisher {
  #sink: EventSink;
  #enrich: (event: WireEvent) => WireEvent;
  #observers: { name: string; observe: EventObserver }[] = [];
  #queue: { event: WireEvent; meta: PublishMeta | undefined }[] = [];
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
  publish(event: WireEvent, meta?: PublishMeta): void {
    this.#queue.push({ event, meta });
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        this.#publishOne(next.event, next.meta);
      }
    } finally {
      this.#draining = false;
    }
  }

  #publishOne(raw: WireEvent, meta: PublishMeta | undefined): void {
    let event = raw;
    try {
      event = this.#enrich(raw);
    } catch (error) {
      log.warn(`Cannot enrich ${raw.type}:`, error);
    }
    for (const { name, observe } of this.#observers) {
      try {
        observe(event, meta);
      } catch (error) {
        log.warn(`The ${name} cannot apply ${event.type}:`, error);
      }
    }
    this.#sink.publish(event, event === raw ? meta?.json : undefined);
  }
}
