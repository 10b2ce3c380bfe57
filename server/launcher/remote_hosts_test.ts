import { MIGRATIONS } from "../../migrations/migrations.ts";
import { type Config, parseConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { assertEquals } from "../testing/assert.ts";
import { grantFlags, narrowGrants } from "./grants.ts";
import { resolveLaunchNeeds } from "./needs.ts";
import {
  makeRemoteHostsContributor,
  recordedRemoteHosts,
} from "./remote_hosts.ts";

function config(args: string[]): Config {
  const parsed = parseConfig(args, { os: "linux", get: () => undefined });
  if (parsed.kind !== "run") throw new Error("not a run");
  return parsed.config;
}

Deno.test("recordedRemoteHosts: the host:port of every remote instance in the database", () => {
  const dir = Deno.makeTempDirSync({ prefix: "flock-hosts-" });
  try {
    const path = `${dir}/flock.db`;
    assertEquals(recordedRemoteHosts(path), [], "no database yet");
    const db = openDatabase(path);
    // The schema before remotes: every migration before 0006_fleet.sql.
    migrate(db, MIGRATIONS.filter((m) => m.version < 6));
    db.close();
    assertEquals(recordedRemoteHosts(path), [], "a schema without remotes");
    const again = openDatabase(path);
    migrate(again, MIGRATIONS);
    const store = new InstanceStore(again);
    store.create({ id: "inst_l", name: "l", working_directory: "/l" });
    for (
      const [id, origin] of [
        ["inst_a", "http://box.lan:4096"],
        ["inst_b", "https://10.0.0.2"],
        ["inst_c", "http://[fe80::1]:80"],
      ]
    ) {
      store.createRemote({
        id: id!,
        name: id!,
        working_directory: "/r",
        origin: origin!,
        username: "opencode",
        password: "secret",
      });
    }
    again.close();
    assertEquals(recordedRemoteHosts(path).sort(), [
      "10.0.0.2:443",
      "[fe80::1]:80",
      "box.lan:4096",
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the contributor grants recorded hosts and --remote-host, and nothing else", () => {
  const contribute = makeRemoteHostsContributor((db) =>
    db === "/d/flock.db" ? ["box.lan:4096"] : []
  );
  assertEquals(
    contribute(config(["--data-dir", "/elsewhere"]), undefined!),
    {},
  );
  const both = contribute(
    config(["--data-dir", "/d", "--remote-host", "gpu.lan:4096"]),
    undefined!,
  );
  assertEquals(both, { outboundHosts: ["gpu.lan:4096", "box.lan:4096"] });
  const needs = resolveLaunchNeeds(
    config(["--data-dir", "/d", "--remote-host", "gpu.lan:4096"]),
    {
      cwd: "/",
      env: () => undefined,
      pathDirs: [],
      isExecutable: () => false,
      pinnedOpenCode: "/p/opencode",
    },
    [contribute],
  );
  const net = grantFlags(narrowGrants(needs)).find((f) =>
    f.startsWith("--allow-net=")
  );
  assertEquals(
    net,
    "--allow-net=127.0.0.1,localhost,[::1],gpu.lan:4096,box.lan:4096",
  );
});
