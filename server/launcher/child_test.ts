import { assertEquals } from "../testing/assert.ts";
import {
  exitCodeOf,
  type ForwardedSignal,
  forwardSignals,
  type ForwardTarget,
  launcherGone,
} from "./child.ts";

Deno.test("exitCodeOf: the child's code, or 128 + the signal that ended it", () => {
  assertEquals(exitCodeOf({ code: 0, signal: null }), 0);
  assertEquals(exitCodeOf({ code: 2, signal: null }), 2);
  assertEquals(exitCodeOf({ code: 130, signal: null }), 130);
  assertEquals(exitCodeOf({ code: 137, signal: "SIGKILL" }), 137);
  assertEquals(exitCodeOf({ code: 0, signal: "SIGTERM" }), 143);
  assertEquals(exitCodeOf({ code: 0, signal: "SIGHUP" }), 129);
  assertEquals(exitCodeOf({ code: 0, signal: "SIGWINCH" }), 1);
});

Deno.test("forwardSignals passes SIGINT, SIGTERM and SIGHUP on until disposed, skipping what the platform lacks", () => {
  const handlers = new Map<ForwardedSignal, () => void>();
  const target: ForwardTarget = {
    add(signal, handler) {
      if (signal === "SIGHUP") throw new TypeError("not on this platform");
      handlers.set(signal, handler);
    },
    remove(signal, handler) {
      if (handlers.get(signal) === handler) handlers.delete(signal);
    },
  };
  const sent: ForwardedSignal[] = [];
  {
    using _f = forwardSignals((s) => sent.push(s), target);
    handlers.get("SIGINT")?.();
    handlers.get("SIGINT")?.();
    handlers.get("SIGTERM")?.();
    assertEquals(sent, ["SIGINT", "SIGINT", "SIGTERM"]);
  }
  assertEquals(handlers.size, 0, "disposing removes every handler");
});

Deno.test("launcherGone resolves when the lifeline ends or breaks, not before", async () => {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  let gone = false;
  const done = launcherGone(pipe.readable).then(() => gone = true);
  const writer = pipe.writable.getWriter();
  await writer.write(new Uint8Array([1]));
  await Promise.resolve();
  assertEquals(gone, false, "data is not the end");
  await writer.close();
  await done;
  assertEquals(gone, true);

  const broken = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error("EPIPE"));
    },
  });
  await launcherGone(broken);
});
