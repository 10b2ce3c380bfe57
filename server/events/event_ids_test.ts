import { MIGRATIONS } from "../../migrations/migrations.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { EventIdAllocator, MemoryEventIds } from "./event_ids.ts";

Deno.test("EventIdAllocator hands out increasing ids and reserves blocks", () => {
  const db = openDatabase(":memory:");
  try {
    migrate(db, MIGRATIONS);
    const ids = new EventIdAllocator(db, { blockSize: 3 });
    const got = Array.from({ length: 7 }, () => ids.next());
    assertEquals(got, [1, 2, 3, 4, 5, 6, 7]);
    const row = db.prepare("SELECT next_block_start FROM event_sequence")
      .get() as { next_block_start: number };
    assertEquals(row.next_block_start, 10);
  } finally {
    db.close();
  }
});

Deno.test("EventIdAllocator: a restart starts above every earlier id", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/flock.db`;
  try {
    let last = 0;
    for (let run = 0; run < 3; run++) {
      const db = openDatabase(path);
      migrate(db, MIGRATIONS);
      const ids = new EventIdAllocator(db, { blockSize: 100 });
      const first = ids.next();
      assert(first > last, `run ${run}: ${first} > ${last}`);
      for (let i = 0; i < 150 + run; i++) last = ids.next();
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two allocators on one database never share an id", () => {
  const db = openDatabase(":memory:");
  try {
    migrate(db, MIGRATIONS);
    const a = new EventIdAllocator(db, { blockSize: 5 });
    const b = new EventIdAllocator(db, { blockSize: 5 });
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      for (const id of [a.next(), b.next()]) {
        assert(!seen.has(id), `duplicate ${id}`);
        seen.add(id);
      }
    }
  } finally {
    db.close();
  }
});

Deno.test("MemoryEventIds counts up", () => {
  const ids = new MemoryEventIds(10);
  assertEquals([ids.next(), ids.next()], [10, 11]);
});
