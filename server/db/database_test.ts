import { assert, assertEquals } from "../testing/assert.ts";
import { openDatabase, prepareCached } from "./database.ts";

Deno.test("prepareCached compiles a statement once per database and SQL", () => {
  const a = openDatabase(":memory:");
  const b = openDatabase(":memory:");
  try {
    const first = prepareCached(a, "SELECT ? AS value");
    assert(prepareCached(a, "SELECT ? AS value") === first);
    assert(prepareCached(b, "SELECT ? AS value") !== first);
    assert(prepareCached(a, "SELECT ? + 1 AS value") !== first);
    // A reused statement binds fresh values each time.
    assertEquals({ ...first.get(1) }, { value: 1 });
    assertEquals({ ...first.get(2) }, { value: 2 });
  } finally {
    a.close();
    b.close();
  }
});
