import { assert, assertEquals } from "../testing/assert.ts";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import { openDatabase } from "./database.ts";
import { InstanceStore } from "./instance_store.ts";
import { migrate } from "./migrate.ts";
import { SessionStore } from "./session_store.ts";

function withStores(
  fn: (stores: { instances: InstanceStore; sessions: SessionStore }) => void,
): void {
  const dir = Deno.makeTempDirSync({ prefix: "flock-store-" });
  const db = openDatabase(`${dir}/flock.db`);
  try {
    migrate(db, MIGRATIONS);
    fn({ instances: new InstanceStore(db), sessions: new SessionStore(db) });
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("InstanceStore creates, reads, lists, updates and deletes", () => {
  withStores(({ instances }) => {
    const a = instances.create({
      id: "inst_a",
      name: "a",
      working_directory: "/tmp/a",
    });
    assertEquals(a.status, "starting");
    assertEquals(a.pid, null);
    assertEquals(a.port, null);
    assertEquals(a.restart_count, 0);
    instances.create({ id: "inst_b", name: "b", working_directory: "/tmp/b" });
    assertEquals(instances.get("inst_a")?.name, "a");
    assertEquals(instances.get("nope"), undefined);
    assertEquals(instances.list().map((i) => i.id), ["inst_b", "inst_a"]);

    const running = instances.update("inst_a", {
      status: "running",
      pid: 1234,
      port: 4096,
      restart_count: 2,
    });
    assertEquals(running?.status, "running");
    assertEquals(running?.pid, 1234);
    assertEquals(running?.port, 4096);
    assertEquals(running?.restart_count, 2);
    assert((running?.updated_at ?? "") >= a.updated_at);
    assertEquals(instances.findActiveByDirectory("/tmp/a")?.id, "inst_a");

    const stopped = instances.update("inst_a", {
      status: "error",
      pid: null,
      exit_code: 137,
      last_error: "killed",
    });
    assertEquals(stopped?.pid, null);
    assertEquals(stopped?.exit_code, 137);
    assertEquals(stopped?.last_error, "killed");
    assertEquals(instances.findActiveByDirectory("/tmp/a"), undefined);
    assertEquals(instances.listUnsettled().map((i) => i.id), ["inst_b"]);
    assertEquals(instances.update("nope", { status: "stopped" }), undefined);

    assert(instances.delete("inst_a"));
    assert(!instances.delete("inst_a"));
    assertEquals(instances.list().map((i) => i.id), ["inst_b"]);
  });
});

Deno.test("the status column refuses unknown states", () => {
  withStores(({ instances }) => {
    instances.create({ id: "inst_a", name: "a", working_directory: "/tmp/a" });
    let failed = false;
    try {
      // @ts-expect-error: deliberately invalid status
      instances.update("inst_a", { status: "bogus" });
    } catch {
      failed = true;
    }
    assert(failed);
  });
});

Deno.test("SessionStore records sessions; deleting an instance cascades", () => {
  withStores(({ instances, sessions }) => {
    instances.create({ id: "inst_a", name: "a", working_directory: "/tmp/a" });
    const s = sessions.upsert({
      id: "ses_1",
      instance_id: "inst_a",
      title: "one",
    });
    assertEquals(s.status, "idle");
    sessions.upsert({ id: "ses_2", instance_id: "inst_a", title: "two" });
    assertEquals(sessions.get("ses_1")?.title, "one");
    assertEquals(sessions.setStatus("ses_1", "busy")?.status, "busy");
    assertEquals(sessions.setTitle("ses_1", "renamed")?.title, "renamed");
    assertEquals(
      sessions.upsert({
        id: "ses_1",
        instance_id: "inst_a",
        title: "again",
        status: "busy",
      }).title,
      "again",
    );
    assertEquals(sessions.listByInstance("inst_a").length, 2);
    sessions.settleInstance("inst_a");
    assertEquals(sessions.get("ses_1")?.status, "idle");

    const synced = sessions.replaceForInstance("inst_a", [
      { id: "ses_2", instance_id: "inst_a", title: "two" },
      { id: "ses_3", instance_id: "inst_a", title: "three" },
    ]);
    assertEquals(synced.map((x) => x.id).sort(), ["ses_2", "ses_3"]);
    assert(sessions.delete("ses_3"));
    assert(!sessions.delete("ses_3"));

    // A session of an unknown instance violates the foreign key.
    let failed = false;
    try {
      sessions.upsert({ id: "ses_x", instance_id: "inst_nope", title: "" });
    } catch (error) {
      failed = String(error).includes("FOREIGN KEY");
    }
    assert(failed);

    assert(instances.delete("inst_a"));
    assertEquals(sessions.get("ses_2"), undefined);
    assertEquals(sessions.listByInstance("inst_a"), []);
  });
});
