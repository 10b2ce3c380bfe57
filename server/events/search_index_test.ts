import { MIGRATIONS } from "../../migrations/migrations.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { SearchStore } from "../db/search_store.ts";
import { SessionStore } from "../db/session_store.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import {
  flockEvent,
  openCodeSession,
  textPart,
} from "../testing/event_fixtures.ts";
import { SearchIndex, SearchQueryError } from "./search_index.ts";

function setup() {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db);
  instances.create({ id: "inst_a", name: "alpha", working_directory: "/a" });
  const sessions = new SessionStore(db);
  sessions.upsert({ id: "s1", instance_id: "inst_a", title: "Plans" });
  const index = new SearchIndex({
    store: new SearchStore(db),
    sessions,
    instances,
  });
  return { db, index };
}

Deno.test("SearchIndex: titles and text parts from the events, grouped by session", () => {
  const { db, index } = setup();
  try {
    index.apply(
      flockEvent("session.updated", {
        sessionID: "s1",
        info: openCodeSession({ id: "s1", title: "Harbour plans" }),
      }),
    );
    const part = (id: string, text: string) =>
      flockEvent("message.part.updated", {
        sessionID: "s1",
        part: textPart(id, "m1", "s1", text),
        time: 1,
      });
    index.apply(part("p1", "")); // created empty: nothing to index
    index.apply(part("p1", "We sail to the harbour at dawn"));
    index.apply(part("p2", "The harbour master agreed"));
    const found = index.search("harbour", 10);
    assertEquals(found.query, "harbour");
    assertEquals(found.results.length, 1);
    const [result] = found.results;
    assertEquals(result!.session.id, "s1");
    assertEquals(result!.instance_name, "alpha");
    assertEquals(result!.hits.length, 3);
    assertEquals(index.search("nothing here", 10).results, []);
    index.apply(
      flockEvent("session.deleted", {
        sessionID: "s1",
        info: openCodeSession({ id: "s1" }),
      }),
    );
    assertEquals(index.search("harbour", 10).results, []);
  } finally {
    db.close();
  }
});

Deno.test("SearchIndex: fetched messages are backfilled; synthetic text is not indexed", () => {
  const { db, index } = setup();
  try {
    index.backfill("inst_a", [{
      info: {
        id: "m1",
        sessionID: "s1",
        role: "user",
        time: { created: 1 },
        agent: "build",
        model: { providerID: "fake", modelID: "fake-model" },
      },
      parts: [
        textPart("p1", "m1", "s1", "a lighthouse question"),
        { ...textPart("p2", "m1", "s1", "system lighthouse"), synthetic: true },
      ],
    }]);
    const hits = index.search("lighthouse", 10).results[0]?.hits;
    assertEquals(hits?.map((h) => h.part_id), ["p1"]);
  } finally {
    db.close();
  }
});

Deno.test("SearchIndex: empty, wordless and too long queries are refused", () => {
  const { db, index } = setup();
  try {
    for (const q of ["", "   ", "?!", "x".repeat(201)]) {
      assertThrows(() => index.search(q, 10), SearchQueryError);
    }
  } finally {
    db.close();
  }
});
