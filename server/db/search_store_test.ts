import { MIGRATIONS } from "../../migrations/migrations.ts";
import { assertEquals } from "../testing/assert.ts";
import { openDatabase } from "./database.ts";
import { InstanceStore } from "./instance_store.ts";
import { migrate } from "./migrate.ts";
import { ftsQuery, SearchStore, segmentsOf } from "./search_store.ts";

Deno.test("ftsQuery: every word, each as a prefix; none without a word", () => {
  assertEquals(ftsQuery('blue "button"'), '"blue"* "button"*');
  assertEquals(ftsQuery("café-au-lait"), '"café"* "au"* "lait"*');
  assertEquals(ftsQuery("OR NOT *"), '"OR"* "NOT"*');
  assertEquals(ftsQuery("!!! ???"), null);
  assertEquals(ftsQuery(""), null);
  assertEquals(ftsQuery("a ".repeat(40))?.split(" ").length, 16);
});

Deno.test("segmentsOf: markers become hit segments, adjacent ones merge", () => {
  assertEquals(segmentsOf("a \u0001b\u0002 c"), [
    { text: "a ", hit: false },
    { text: "b", hit: true },
    { text: " c", hit: false },
  ]);
  assertEquals(segmentsOf("\u0001x\u0002\u0001y\u0002"), [
    { text: "xy", hit: true },
  ]);
  assertEquals(segmentsOf("plain"), [{ text: "plain", hit: false }]);
  assertEquals(segmentsOf(""), []);
});

Deno.test("SearchStore: documents are replaced by key, matched by prefix, forgotten per session", () => {
  const db = openDatabase(":memory:");
  try {
    migrate(db, MIGRATIONS);
    new InstanceStore(db).create({
      id: "i1",
      name: "a",
      working_directory: "/a",
    });
    const store = new SearchStore(db);
    const doc = (part: string, session: string, body: string) => ({
      kind: "text" as const,
      session_id: session,
      instance_id: "i1",
      message_id: "m1",
      part_id: part,
      body,
    });
    store.put(doc("p1", "s1", "the zeppelin flies"));
    store.put(doc("p1", "s1", "the airship flies")); // replaced
    store.put(doc("p2", "s2", "Zeppelins over \u0001 the bay"));
    store.put({
      kind: "title",
      session_id: "s1",
      instance_id: "i1",
      message_id: null,
      part_id: null,
      body: "Fleet review",
    });
    const hits = store.match(ftsQuery("zeppelin")!, 10);
    assertEquals(hits.map((h) => [h.session_id, h.part_id]), [["s2", "p2"]]);
    assertEquals(
      hits[0]!.snippet.filter((s) => s.hit).map((s) => s.text),
      ["Zeppelins"],
    );
    assertEquals(store.match(ftsQuery("airship")!, 10).length, 1);
    assertEquals(store.match(ftsQuery("fleet")!, 10)[0]?.kind, "title");
    store.forgetSession("s1");
    assertEquals(store.match(ftsQuery("airship")!, 10), []);
    assertEquals(store.match(ftsQuery("fleet")!, 10), []);
  } finally {
    db.close();
  }
});
