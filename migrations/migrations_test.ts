import {
  assert,
  assertEquals,
  assertMatch,
  assertThrows,
} from "../server/testing/assert.ts";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../server/db/database.ts";
import { migrate, MigrationError } from "../server/db/migrate.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";

function tempDb(): { path: string; dir: string } {
  const dir = Deno.makeTempDirSync({ prefix: "flock-mig-" });
  return { path: `${dir}/flock.db`, dir };
}

function tables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
  ).all() as { name: string }[]).map((r) => r.name);
}

Deno.test("every migrations/*.sql file is embedded, in order", () => {
  const files = [...Deno.readDirSync(new URL(".", import.meta.url))]
    .map((e) => e.name).filter((n) => n.endsWith(".sql")).sort();
  assertEquals(MIGRATIONS.map((m) => m.name), files);
  MIGRATIONS.forEach((m, i) => {
    assertEquals(m.version, i + 1);
    assertEquals(Number(m.name.slice(0, 4)), m.version);
  });
});

Deno.test("migrate applies every migration to a fresh file DB, once", () => {
  const { path, dir } = tempDb();
  try {
    const db = openDatabase(path);
    const first = migrate(db, MIGRATIONS);
    assertEquals(first.applied, MIGRATIONS.map((m) => m.version));
    assert(tables(db).includes("instances"));
    assert(tables(db).includes("sessions"));
    const second = migrate(db, MIGRATIONS);
    assertEquals(second.applied, []);
    const count = db.prepare("SELECT count(*) AS n FROM schema_migrations")
      .get() as { n: number };
    assertEquals(count.n, MIGRATIONS.length);
    db.close();
    // A new connection sees the same state, and still applies nothing.
    const again = openDatabase(path);
    assertEquals(migrate(again, MIGRATIONS).applied, []);
    assertEquals(
      (again.prepare("PRAGMA journal_mode").get() as { journal_mode: string })
        .journal_mode,
      "wal",
    );
    assertEquals(
      (again.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number })
        .foreign_keys,
      1,
    );
    again.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a failing migration leaves the DB unchanged and names the file", () => {
  const { path, dir } = tempDb();
  try {
    const db = openDatabase(path);
    migrate(db, MIGRATIONS);
    const before = tables(db);
    const broken: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: "0099_broken.sql",
        sql:
          "CREATE TABLE half_done (a INTEGER);\nINSERT INTO no_such_table VALUES (1);",
      },
    ];
    const error = assertThrows(() => migrate(db, broken), MigrationError);
    assertMatch(error.message, /0099_broken\.sql/);
    assertMatch(error.message, /no such table: no_such_table/);
    assertEquals(tables(db), before);
    const count = db.prepare("SELECT count(*) AS n FROM schema_migrations")
      .get() as { n: number };
    assertEquals(count.n, MIGRATIONS.length);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a DB written by a newer Flock is refused", () => {
  const { path, dir } = tempDb();
  try {
    const db = openDatabase(path);
    migrate(db, MIGRATIONS);
    db.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")
      .run(999, "0999_from_the_future.sql");
    const error = assertThrows(() => migrate(db, MIGRATIONS), MigrationError);
    assertMatch(error.message, /newer Flock/);
    assertMatch(error.message, /999/);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the fleet migration rebuilds instances and keeps every session", () => {
  const { path, dir } = tempDb();
  try {
    const db = openDatabase(path);
    const at = MIGRATIONS.findIndex((m) => m.name.endsWith("_fleet.sql"));
    assert(at > 0);
    migrate(db, MIGRATIONS.slice(0, at));
    db.exec(
      `INSERT INTO instances (id, name, working_directory, status, pid, port)
       VALUES ('inst_a', 'a', '/a', 'running', 42, 4096);
       INSERT INTO sessions (id, instance_id, title) VALUES ('ses_1', 'inst_a', 't');`,
    );
    assertEquals(migrate(db, MIGRATIONS).applied.includes(at + 1), true);
    const row = db.prepare(
      "SELECT kind, status, pid, idle_timeout_s, remote_url FROM instances",
    ).get();
    assertEquals({ ...row }, {
      kind: "local",
      status: "running",
      pid: 42,
      idle_timeout_s: null,
      remote_url: null,
    });
    assertEquals(
      (db.prepare("SELECT count(*) AS n FROM sessions").get() as { n: number })
        .n,
      1,
    );
    assertEquals(
      (db.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number })
        .foreign_keys,
      1,
    );
    db.exec("UPDATE instances SET status = 'hibernated'");
    assertThrows(
      () => db.exec("UPDATE instances SET status = 'asleep'"),
      Error,
    );
    // A remote instance needs its URL, and a local one has none.
    assertThrows(() => db.exec("UPDATE instances SET kind = 'remote'"), Error);
    // The cascade still works on the rebuilt table.
    db.exec("DELETE FROM instances WHERE id = 'inst_a'");
    assertEquals(
      (db.prepare("SELECT count(*) AS n FROM sessions").get() as { n: number })
        .n,
      0,
    );
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
