import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { flockEvent, openCodeSession } from "../testing/event_fixtures.ts";
import { rootEnricher } from "./root_enricher.ts";

const roots = new Map([["ses_child", "ses_root"], ["ses_grand", "ses_root"]]);
const enrich = rootEnricher({ rootIfChild: (id) => roots.get(id) });

Deno.test("rootEnricher: a known child session's events carry its root", () => {
  const event = flockEvent("session.idle", { sessionID: "ses_child" });
  assertEquals(enrich(event), { ...event, root_session_id: "ses_root" });
});

Deno.test("rootEnricher: a top-level session's events are unchanged", () => {
  const event = flockEvent("session.idle", { sessionID: "ses_top" });
  assertEquals(enrich(event), event);
});

Deno.test("rootEnricher: a new child is rooted through its parent", () => {
  const direct = flockEvent("session.created", {
    sessionID: "ses_new",
    info: openCodeSession({ id: "ses_new", parentID: "ses_top" }),
  });
  assertEquals(enrich(direct), { ...direct, root_session_id: "ses_top" });
  const nested = flockEvent("session.created", {
    sessionID: "ses_new2",
    info: openCodeSession({ id: "ses_new2", parentID: "ses_child" }),
  });
  assertEquals(enrich(nested), { ...nested, root_session_id: "ses_root" });
});

Deno.test("rootEnricher: Flock's own events are unchanged", () => {
  const event = flockEvent("stream.reset", { reason: "test" });
  assertEquals(enrich(event), event);
});
