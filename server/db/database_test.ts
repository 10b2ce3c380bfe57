import { assert, assertEquals } from "../testing/assert.ts";
import {
  openDatabase,
  openDatabaseReadOnly,
  prepareCached,
} from "./database.ts";

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

Deno.test("the database file and its -wal and -shm are readable by their owner only", () => {
  const dir = Deno.makeTempDirSync({ prefix: "flock-db-mode-" });
  const old = Deno.umask(0o022);
  try {
    const path = `${dir}/flock.db`;
    const db = openDatabase(path);
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('secret')");
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assertEquals((Deno.statSync(file).mode ?? 0) & 0o777, 0o600, file);
    }
    db.close();
    // A database left readable by an older Flock is narrowed when opened.
    Deno.chmodSync(path, 0o644);
    Deno.writeFileSync(`${path}-wal`, new Uint8Array(), { mode: 0o644 });
    Deno.chmodSync(`${path}-wal`, 0o644);
    const again = openDatabase(path);
    assertEquals((Deno.statSync(path).mode ?? 0) & 0o777, 0o600);
    assertEquals((Deno.statSync(`${path}-wal`).mode ?? 0) & 0o777, 0o600);
    again.close();
    const reader = openDatabaseReadOnly(path);
    assert(reader !== null);
    assertEquals({ ...reader.prepare("SELECT x FROM t").get() }, {
      x: "secret",
    });
    reader.close();
    assertEquals(openDatabaseReadOnly(`${dir}/missing.db`), null);
  } finally {
    Deno.umask(old);
    Deno.removeSync(dir, { recursive: true });
  }
});
