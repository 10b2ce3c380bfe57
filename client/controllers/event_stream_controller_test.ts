import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { WireEvent } from "../../server/contract/events.ts";
import {
  type ConnectionStatus,
  EventSourceLike,
  EventStreamController,
  type WindowLike,
} from "./event_stream_controller.ts";

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: EventSourceLike["onopen"] = null;
  onerror: EventSourceLike["onerror"] = null;
  closed = false;
  listeners = new Map<string, (event: MessageEvent) => void>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, listener);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  fail(readyState: number) {
    this.readyState = readyState;
    this.onerror?.(new Event("error"));
  }
  emit(type: string, data: unknown, id = "") {
    this.listeners.get(type)?.(
      new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }),
    );
  }
}

class FakeHost implements ReactiveControllerHost {
  controllers: ReactiveController[] = [];
  updates = 0;
  addController(c: ReactiveController) {
    this.controllers.push(c);
  }
  removeController() {}
  requestUpdate() {
    this.updates++;
  }
  get updateComplete() {
    return Promise.resolve(true);
  }
}

class FakeWindow implements WindowLike {
  listeners = new Map<string, () => void>();
  addEventListener(type: string, l: () => void) {
    this.listeners.set(type, l);
  }
  removeEventListener(type: string) {
    this.listeners.delete(type);
  }
}

function setup(reachable = true) {
  const sources: FakeSource[] = [];
  const events: WireEvent[] = [];
  const statuses: ConnectionStatus[] = [];
  let resyncs = 0;
  let online = true;
  const host = new FakeHost();
  const win = new FakeWindow();
  const controller = new EventStreamController(host, {
    url: "/api/events",
    types: ["session.idle", "stream.lagged", "future.thing"],
    onEvent: (e) => events.push(e),
    onResync: () => resyncs++,
    createEventSource: (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    },
    fetch: () =>
      reachable
        ? Promise.resolve(new Response("{}"))
        : Promise.reject(new TypeError("refused")),
    window: win,
    isOnline: () => online,
    backoffMs: 1,
    maxBackoffMs: 4,
  });
  controller.subscribe((s) => statuses.push(s));
  return {
    sources,
    events,
    statuses,
    host,
    win,
    controller,
    resyncs: () => resyncs,
    setOnline: (v: boolean) => (online = v),
  };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("the first open connects and resyncs once", () => {
  const t = setup();
  t.controller.hostConnected();
  strictEqual(t.sources.length, 1);
  strictEqual(t.controller.status, "connecting");
  t.sources[0]!.open();
  strictEqual(t.controller.status, "connected");
  strictEqual(t.resyncs(), 1);
  t.controller.hostDisconnected();
  strictEqual(t.sources[0]!.closed, true);
  strictEqual(t.win.listeners.size, 0);
});

const idle = {
  id: "evt_1",
  type: "session.idle",
  properties: { sessionID: "s" },
  instance_id: "i",
};

Deno.test("events are read by the contract's guard and their ids remembered", () => {
  const t = setup();
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.sources[0]!.emit("session.idle", idle, "42");
  // A type the page does not know is passed on (the store ignores it).
  const future = { type: "future.thing", properties: { x: 1 } };
  t.sources[0]!.emit("future.thing", future, "43");
  // Malformed: dropped here.
  t.sources[0]!.emit("session.idle", { ...idle, properties: {} }, "44");
  t.sources[0]!.emit("session.idle", "not an event", "45");
  deepStrictEqual(t.events, [idle, future]);
  strictEqual(t.controller.lastEventId, "45");
  t.controller.hostDisconnected();
});

Deno.test("a browser-side reconnect resumes without a resync", async () => {
  const t = setup(true);
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.sources[0]!.fail(0); // CONNECTING: the browser retries with Last-Event-ID
  strictEqual(t.controller.status, "reconnecting");
  await tick();
  strictEqual(t.controller.status, "reconnecting", "server reachable");
  t.sources[0]!.open();
  strictEqual(t.controller.status, "connected");
  strictEqual(t.resyncs(), 1);
  strictEqual(t.sources.length, 1);
  t.controller.hostDisconnected();
});

Deno.test("an unreachable server shows offline", async () => {
  const t = setup(false);
  t.controller.hostConnected();
  t.sources[0]!.fail(0);
  await tick();
  strictEqual(t.controller.status, "offline");
  t.controller.hostDisconnected();
});

Deno.test("a CLOSED source is replaced with backoff and then resyncs", async () => {
  const t = setup(true);
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.sources[0]!.fail(2);
  strictEqual(t.controller.status, "reconnecting");
  await tick(20);
  strictEqual(t.sources.length, 2);
  strictEqual(t.sources[1]!.url, "/api/events", "no id seen: no resume");
  t.sources[1]!.open();
  strictEqual(t.controller.status, "connected");
  strictEqual(t.resyncs(), 2);
  t.controller.hostDisconnected();
});

Deno.test("a replacement source resumes from the last event id", async () => {
  const t = setup(true);
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.sources[0]!.emit("session.idle", idle, "41");
  t.sources[0]!.fail(2);
  await tick(20);
  strictEqual(t.sources[1]!.url, "/api/events?last_event_id=41");
  t.sources[1]!.open();
  strictEqual(t.resyncs(), 1, "resumed: the server replays, no refetch");
  t.controller.hostDisconnected();
});

Deno.test("stream.lagged with an id resumes from it at once", () => {
  const t = setup();
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.sources[0]!.emit("stream.lagged", {
    type: "stream.lagged",
    properties: { dropped_after: 7 },
  }, "7");
  strictEqual(t.sources.length, 2);
  strictEqual(t.sources[1]!.url, "/api/events?last_event_id=7");
  t.controller.hostDisconnected();
});

Deno.test("stream.lagged reconnects at once", () => {
  const t = setup();
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.sources[0]!.emit("stream.lagged", {
    type: "stream.lagged",
    properties: { dropped_after: 7 },
  });
  strictEqual(t.events[0]?.type, "stream.lagged");
  strictEqual(t.sources[0]!.closed, true);
  strictEqual(t.sources.length, 2);
  t.sources[1]!.open();
  strictEqual(t.resyncs(), 2, "no id seen: refetch");
  t.controller.hostDisconnected();
});

Deno.test("going offline and online again", () => {
  const t = setup();
  t.controller.hostConnected();
  t.sources[0]!.open();
  t.setOnline(false);
  t.win.listeners.get("offline")!();
  strictEqual(t.controller.status, "offline");
  t.setOnline(true);
  t.win.listeners.get("online")!();
  strictEqual(t.sources.length, 2);
  strictEqual(t.controller.status, "reconnecting");
  t.sources[1]!.open();
  deepStrictEqual(t.statuses, [
    "connected",
    "offline",
    "reconnecting",
    "connected",
  ]);
  t.controller.hostDisconnected();
});
