import {
  deepStrictEqual,
  notStrictEqual,
  strictEqual,
} from "node:assert/strict";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import { sameRecord, withEntry } from "./immutable.ts";
import {
  memo,
  NONE,
  permissionsBySession,
  sessionsByInstance,
  stableList,
} from "./selectors.ts";

function session(id: string, instanceId: string, created: string): SessionJson {
  return {
    id,
    instance_id: instanceId,
    title: id,
    status: "idle",
    created_at: created,
    updated_at: created,
  };
}

Deno.test("sessionsByInstance: newest first, unchanged groups keep their identity", () => {
  const byId = new Map([
    ["a", session("a", "i1", "1")],
    ["b", session("b", "i1", "2")],
    ["c", session("c", "i2", "1")],
  ]);
  const first = sessionsByInstance(byId);
  deepStrictEqual(first.get("i1")?.map((s) => s.id), ["b", "a"]);
  strictEqual(sessionsByInstance(byId), first);
  const changed = withEntry(byId, "c", { ...byId.get("c")!, title: "new" });
  const second = sessionsByInstance(changed);
  notStrictEqual(second, first);
  strictEqual(second.get("i1"), first.get("i1"));
  notStrictEqual(second.get("i2"), first.get("i2"));
});

Deno.test("permissionsBySession groups and keeps identity", () => {
  const p = (id: string, sessionID: string): PermissionJson => ({
    id,
    sessionID,
    permission: "bash",
    patterns: [],
    metadata: {},
    always: [],
    instance_id: "i1",
  });
  const map = new Map([["p1", p("p1", "s1")], ["p2", p("p2", "s2")]]);
  const groups = permissionsBySession(map);
  deepStrictEqual(groups.get("s1")?.map((x) => x.id), ["p1"]);
  const more = permissionsBySession(withEntry(map, "p3", p("p3", "s2")));
  strictEqual(more.get("s1"), groups.get("s1"));
  deepStrictEqual(more.get("s2")?.map((x) => x.id), ["p2", "p3"]);
});

Deno.test("memo and stableList", () => {
  let calls = 0;
  const double = memo((xs: readonly number[]) => {
    calls++;
    return xs.map((x) => x * 2);
  });
  const xs = [1, 2];
  strictEqual(double(xs), double(xs));
  strictEqual(calls, 1);
  const old = [1, 2];
  strictEqual(stableList(old, [1, 2]), old);
  strictEqual(stableList(old, []), NONE);
  deepStrictEqual(stableList(old, [2, 1]), [2, 1]);
});

Deno.test("sameRecord: one level deep for literals, identity for the rest", () => {
  const x = {};
  strictEqual(sameRecord({ a: x, b: 1 }, { a: x, b: 1 }), true);
  strictEqual(sameRecord({ a: {} }, { a: {} }), false);
  strictEqual(sameRecord([x, 1], [x, 1]), true);
  strictEqual(sameRecord([x], { 0: x }), false);
  strictEqual(sameRecord(new Map(), new Map()), false);
  strictEqual(sameRecord(new Set([1]), new Set([1])), false);
});
