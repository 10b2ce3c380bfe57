import { assertEquals } from "./testing/assert.ts";
import {
  type ShutdownSignal,
  type SignalTarget,
  watchShutdownSignals,
} from "./shutdown_signals.ts";

function fakeTarget() {
  const handlers = new Map<ShutdownSignal, Set<() => void>>();
  const target: SignalTarget = {
    add: (s, h) => {
      if (!handlers.has(s)) handlers.set(s, new Set());
      handlers.get(s)!.add(h);
    },
    remove: (s, h) => handlers.get(s)?.delete(h),
  };
  const send = (s: ShutdownSignal) => {
    for (const h of handlers.get(s) ?? []) h();
  };
  const count = () => [...handlers.values()].reduce((n, s) => n + s.size, 0);
  return { target, send, count };
}

Deno.test("the first signal resolves; a duplicate inside the window is ignored; a later one forces", async () => {
  const { target, send, count } = fakeTarget();
  let t = 0;
  const forced: ShutdownSignal[] = [];
  {
    using watch = watchShutdownSignals({
      target,
      now: () => t,
      onForce: (s) => forced.push(s),
    });
    assertEquals(count(), 3);
    send("SIGINT");
    assertEquals(await watch.first, "SIGINT");
    t = 5; // deno task forwarding the same Ctrl+C
    send("SIGINT");
    assertEquals(forced, []);
    t = 2500; // the user presses Ctrl+C again
    send("SIGTERM");
    assertEquals(forced, ["SIGTERM"]);
  }
  assertEquals(count(), 0, "disposing removes the handlers");
});

Deno.test("SIGHUP (the terminal closed) shuts down like SIGINT, with the same duplicate window", async () => {
  const { target, send } = fakeTarget();
  let t = 0;
  const forced: ShutdownSignal[] = [];
  using watch = watchShutdownSignals({
    target,
    now: () => t,
    onForce: (s) => forced.push(s),
  });
  send("SIGHUP");
  assertEquals(await watch.first, "SIGHUP");
  t = 10; // the launcher passing the same hang-up on
  send("SIGHUP");
  assertEquals(forced, []);
  t = 1500;
  send("SIGHUP");
  assertEquals(forced, ["SIGHUP"]);
});
