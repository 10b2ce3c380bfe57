import { notStrictEqual, strictEqual } from "node:assert/strict";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import { flockEvent } from "../../../server/testing/event_fixtures.ts";
import { usageRevision } from "./driving_selectors.ts";
import { reduce } from "./reducer.ts";
import { EMPTY_STATE } from "./state.ts";

function session(id: string, extra: Partial<SessionJson> = {}): SessionJson {
  return {
    id,
    instance_id: "inst_a",
    title: id,
    status: "idle",
    created_at: "1",
    updated_at: "1",
    ...extra,
  };
}

const tokens = (input: number) => ({
  input,
  output: 10,
  reasoning: 0,
  cache: { read: 0, write: 0 },
});

Deno.test("usageRevision follows the instance's sessions' tokens, cost and work", () => {
  let state = reduce(EMPTY_STATE, {
    kind: "session-saved",
    session: session("ses_1"),
  });
  const first = usageRevision(state, "inst_a");
  strictEqual(first, "1/0/0/0");
  // another instance's session changes nothing here
  state = reduce(state, {
    kind: "session-saved",
    session: session("ses_other", {
      instance_id: "inst_b",
      tokens: tokens(500),
      cost: 1,
    }),
  });
  strictEqual(usageRevision(state, "inst_a"), first);
  const status = (type: "busy" | "idle") =>
    reduce(state, {
      kind: "event",
      live: true,
      event: flockEvent("session.status", {
        sessionID: "ses_1",
        status: { type },
      }),
    });
  state = status("busy");
  strictEqual(usageRevision(state, "inst_a"), "1/1/0/0");
  state = status("idle");
  state = reduce(state, {
    kind: "session-saved",
    session: session("ses_1", { tokens: tokens(90), cost: 0.25 }),
  });
  strictEqual(usageRevision(state, "inst_a"), "1/0/100/0.25");
  // a subagent's child session counts too
  state = reduce(state, {
    kind: "children-loaded",
    children: [
      session("ses_child", {
        parent_id: "ses_1",
        tokens: tokens(20),
        cost: 0.5,
      }),
    ],
  });
  const withChild = usageRevision(state, "inst_a");
  strictEqual(withChild, "2/0/130/0.75");
  notStrictEqual(withChild, first);
  strictEqual(usageRevision(state, "inst_b"), "1/0/510/1");
});
