/**
 * Test hooks for counting renders: when a test installed
 * `globalThis.__flockProbe` (e.g. with Playwright's `addInitScript`), each
 * element reports its renders and the store reports each event it gets.
 * Without one, each call is a property read.
 *
 * @module
 */
import type { WireEvent } from "../../server/contract/events.ts";

/** What a test may install as `globalThis.__flockProbe`. */
export interface FlockProbe {
  /** An element finished an update (`key`: what it shows, e.g. a message id). */
  render?(tag: string, key: string): void;
  /** The store received an event from the stream. */
  event?(event: WireEvent): void;
  /** The store applied an action other than an event (e.g. a REST answer). */
  action?(kind: string): void;
}

function probe(): FlockProbe | undefined {
  const value: unknown = Reflect.get(globalThis, "__flockProbe");
  return typeof value === "object" && value !== null ? value : undefined;
}

/**
 * Reports a render to the test probe, if any.
 *
 * @param tag The element's tag name.
 * @param key What it shows (a message id, a session id), or "".
 */
export function noteRender(tag: string, key: string): void {
  probe()?.render?.(tag, key);
}

/**
 * Reports a received event to the test probe, if any.
 *
 * @param event The event.
 */
export function noteEvent(event: WireEvent): void {
  probe()?.event?.(event);
}

/**
 * Reports an applied action that is not an event (a REST answer, a choice)
 * to the test probe, if any.
 *
 * @param kind The action's kind.
 */
export function noteAction(kind: string): void {
  probe()?.action?.(kind);
}
