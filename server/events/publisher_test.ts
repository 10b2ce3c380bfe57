import type { WireEvent } from "../contract/events.ts";
import { assertEquals } from "../testing/assert.ts";
import { Publisher } from "./publisher.ts";

const event = (type: string): WireEvent => ({ type, properties: {} });

Deno.test("Publisher: observers see each event in order, then the sink; events they publish follow the cause", () => {
  const sunk: string[] = [];
  const seen: string[] = [];
  const publisher = new Publisher({ publish: (e) => sunk.push(e.type) });
  publisher.observe("first", (e) => {
    seen.push(`first:${e.type}`);
    if (e.type === "cause") publisher.publish(event("effect"));
  });
  publisher.observe("second", (e) => seen.push(`second:${e.type}`));
  publisher.publish(event("cause"));
  publisher.publish(event("later"));
  assertEquals(sunk, ["cause", "effect", "later"]);
  assertEquals(seen, [
    "first:cause",
    "second:cause",
    "first:effect",
    "second:effect",
    "first:later",
    "second:later",
  ]);
});

Deno.test("Publisher: an observer that throws does not stop the others or the sink; enrich applies first", () => {
  const sunk: WireEvent[] = [];
  const publisher = new Publisher(
    { publish: (e) => sunk.push(e) },
    (e) => ({ ...e, properties: { enriched: true } }),
  );
  const seen: unknown[] = [];
  publisher.observe("bad", () => {
    throw new Error("boom");
  });
  publisher.observe("good", (e) => seen.push(e.properties));
  publisher.publish(event("x"));
  assertEquals(seen, [{ enriched: true }]);
  assertEquals(sunk.map((e) => e.properties), [{ enriched: true }]);
});

Deno.test("Publisher: observers get each event's meta; the sink gets its JSON unless the enricher changed the event", () => {
  const sunk: (string | undefined)[] = [];
  const publisher = new Publisher(
    { publish: (_e, json) => sunk.push(json) },
    (e) => e.type === "child" ? { ...e, root_session_id: "ses_root" } : e,
  );
  const seen: (string | undefined)[] = [];
  publisher.observe("dirs", (e, meta) => {
    seen.push(`${e.type}@${meta?.directory}`);
    if (e.type === "cause") publisher.publish(event("effect"));
  });
  publisher.publish(event("cause"), {
    directory: "/wt/a",
    json: '{"type":"cause","properties":{}}',
  });
  publisher.publish(event("child"), {
    directory: "/wt/b",
    json: '{"type":"child","properties":{}}',
  });
  assertEquals(seen, ["cause@/wt/a", "effect@undefined", "child@/wt/b"]);
  // The effect had no JSON; the enriched child must be serialised again.
  assertEquals(sunk, [
    '{"type":"cause","properties":{}}',
    undefined,
    undefined,
  ]);
});
