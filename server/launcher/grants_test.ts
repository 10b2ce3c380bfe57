import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { parseConfig } from "../config.ts";
import {
  COMPILED_FLAGS,
  firstMissingGrant,
  FLOCK_ENV_VARS,
  GrantError,
  grantFlags,
  type GrantQuery,
  type Grants,
  launcherFlags,
  type LaunchNeeds,
  LOOPBACK_HOSTS,
  narrowGrants,
} from "./grants.ts";
import { type LaunchFacts, resolveLaunchNeeds } from "./needs.ts";

const HOME = "/home/u";
const PINNED = "/repo/node_modules/opencode-linux-x64/bin/opencode";

/** A machine with git and the pinned OpenCode, no opencode on PATH. */
function facts(
  env: Record<string, string> = {},
  executables: string[] = ["/usr/bin/git", PINNED],
): LaunchFacts {
  const all: Record<string, string> = {
    HOME,
    PATH: "/usr/local/bin:/usr/bin",
    ...env,
  };
  return {
    cwd: "/work/here",
    env: (name) => all[name],
    pathDirs: (all["PATH"] ?? "").split(":"),
    isExecutable: (p) => executables.includes(p),
    pinnedOpenCode: PINNED,
  };
}

/** Flags → config → needs → grants, the launcher's whole pure path. */
function grantsFor(
  args: string[],
  machine: LaunchFacts = facts(),
): Grants {
  const parsed = parseConfig(args, { os: "linux", get: machine.env });
  if (parsed.kind !== "run") throw new Error("not a run");
  return narrowGrants(resolveLaunchNeeds(parsed.config, machine));
}

const BASELINE: Grants = {
  read: "all",
  write: [`${HOME}/.local/share/flock`],
  run: [PINNED, "/usr/bin/git"],
  net: ["127.0.0.1", "localhost", "[::1]"],
  env: [...FLOCK_ENV_VARS],
};

Deno.test("no flags: write the default data dir, run OpenCode and git, loopback only, the env list", () => {
  assertEquals(grantsFor([]), BASELINE);
  assertEquals(
    grantsFor([], facts({ XDG_DATA_HOME: "/xdg" })).write,
    ["/xdg/flock"],
    "XDG_DATA_HOME moves the default",
  );
});

Deno.test("--data-dir and --db: write exactly there (the database's dir, for its WAL files)", () => {
  assertEquals(grantsFor(["--data-dir", "/elsewhere/fl"]).write, [
    "/elsewhere/fl",
  ]);
  assertEquals(
    grantsFor(["--data-dir", "rel/data"]).write,
    ["/work/here/rel/data"],
    "relative to the cwd",
  );
  assertEquals(
    grantsFor(["--data-dir", "/d", "--db", "/other/x.db"]).write,
    ["/d", "/other"],
  );
  assertEquals(
    grantsFor(["--data-dir", "/d", "--db", "/d/sub/x.db"]).write,
    ["/d"],
    "a db inside the data dir adds nothing",
  );
  assertEquals(
    grantsFor(["--data-dir", "/d/inner", "--db", "/d/x.db"]).write,
    ["/d"],
    "a data dir inside the db's dir is covered by it",
  );
  assertEquals(grantsFor(["--data-dir", "/d", "--db", ":memory:"]).write, [
    "/d",
  ]);
  assertEquals(
    grantsFor(["--db", "/x.db"]).write,
    ["/"],
    "a database in / needs / itself, which covers the data dir",
  );
});

Deno.test("--opencode and FLOCK_OPENCODE: run exactly that binary (plus git)", () => {
  const other = facts({}, ["/opt/oc/opencode", "/usr/bin/git", PINNED]);
  assertEquals(grantsFor(["--opencode", "/opt/oc/opencode"], other).run, [
    "/opt/oc/opencode",
    "/usr/bin/git",
  ]);
  assertEquals(
    grantsFor(
      [],
      facts({ FLOCK_OPENCODE: "/opt/oc/opencode" }, [
        "/opt/oc/opencode",
        PINNED,
      ]),
    ).run,
    ["/opt/oc/opencode"],
    "no git on PATH: nothing for it",
  );
  assertEquals(
    grantsFor(["--opencode", "./oc"], facts({}, ["/work/here/oc"])).run,
    ["/work/here/oc"],
  );
  assertEquals(
    grantsFor(["--opencode", "/missing"]).run,
    ["/usr/bin/git"],
    "a missing binary is not granted (the instance says what to fix)",
  );
});

Deno.test("--host and --port: loopback names add nothing; any other address is granted at its port", () => {
  for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "LOCALHOST"]) {
    assertEquals(grantsFor(["--host", host]).net, LOOPBACK_HOSTS, host);
  }
  const net = (args: string[]) => grantsFor(args).net.slice(3);
  assertEquals(net(["--host", "127.0.0.2"]), ["127.0.0.2:8080"]);
  assertEquals(net(["--host", "127.0.0.2", "--port", "0"]), ["127.0.0.2"]);
  assertEquals(
    net(["--host", "0.0.0.0", "--port", "9000", "--token", "generate"]),
    ["0.0.0.0:9000"],
  );
  assertEquals(
    net(["--host", "192.0.2.2", "--token", "x".repeat(16)]),
    ["192.0.2.2:8080"],
  );
  assertEquals(net(["--host", "fe80::1", "--token", "generate"]), [
    "[fe80::1]:8080",
  ]);
  assertEquals(net(["--host", "[::]", "--port", "0", "--token", "generate"]), [
    "[::]",
  ]);
  assertEquals(net(["--host", "flock.lan", "--token", "generate"]), [
    "flock.lan:8080",
  ]);
  assertEquals(net(["--port", "9999"]), [], "loopback already has any port");
});

Deno.test("flags that need no permission add none", () => {
  const args = [
    ["--token", "0123456789abcdef"],
    ["--token", "generate"],
    ["--allowed-host", "flock.example"],
    ["--root", "/projects"],
    ["--event-buffer", "5"],
    ["--opencode-config", "/etc/oc.json"],
  ];
  for (const a of args) assertEquals(grantsFor(a), BASELINE, a.join(" "));
  assertEquals(
    grantsFor([], facts({ FLOCK_TOKEN: "0123456789abcdef" })),
    BASELINE,
  );
});

const NEEDS: LaunchNeeds = {
  dataDir: "/d",
  dbPath: "/d/flock.db",
  host: "127.0.0.1",
  port: 8080,
  run: [],
  outboundHosts: [],
  write: [],
  env: [],
};

Deno.test("declared outbound hosts, writes and variables are granted as given", () => {
  const grants = narrowGrants({
    ...NEEDS,
    run: ["/bin/x", "/bin/x"],
    outboundHosts: ["oc.example:4096", "[2001:db8::1]:4096"],
    write: ["/d/worktrees", "/srv/trees"],
    env: ["OC_REMOTE_TOKEN", "HOME"],
  });
  assertEquals(grants.run, ["/bin/x"]);
  assertEquals(grants.net.slice(3), ["oc.example:4096", "[2001:db8::1]:4096"]);
  assertEquals(grants.write, ["/d", "/srv/trees"]);
  assertEquals(grants.env, [...FLOCK_ENV_VARS, "OC_REMOTE_TOKEN"]);
});

Deno.test("a comma, which Deno's flags cannot escape, is refused with a clear message", () => {
  const error = assertThrows(
    () => narrowGrants({ ...NEEDS, dataDir: "/a,b" }),
    GrantError,
  );
  assert(error.message.includes("/a,b"), error.message);
  assertThrows(
    () => narrowGrants({ ...NEEDS, run: ["/x,y/opencode"] }),
    GrantError,
  );
});

Deno.test("grantFlags: --no-prompt, read everywhere, scoped lists; nothing to run gives no --allow-run", () => {
  assertEquals(grantFlags(narrowGrants(NEEDS)), [
    "--no-prompt",
    "--allow-read",
    "--allow-write=/d",
    "--allow-net=127.0.0.1,localhost,[::1]",
    `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
  ]);
  assertEquals(
    grantFlags(narrowGrants({ ...NEEDS, run: ["/o/opencode", "/usr/bin/git"] }))
      .find((f) => f.startsWith("--allow-run")),
    "--allow-run=/o/opencode,/usr/bin/git",
  );
});

Deno.test("firstMissingGrant names the first permission the process lacks", () => {
  const grants = narrowGrants({ ...NEEDS, run: ["/o/opencode"] });
  const held = (except: (q: GrantQuery) => boolean) => (q: GrantQuery) =>
    !except(q);
  assertEquals(firstMissingGrant(grants, () => true), undefined);
  assertEquals(
    firstMissingGrant(grants, held((q) => q.name === "run")),
    "--allow-run=/o/opencode",
  );
  assertEquals(
    firstMissingGrant(
      grants,
      held((q) => q.name === "net" && q.host === "localhost"),
    ),
    "--allow-net=localhost",
  );
  assertEquals(
    firstMissingGrant(grants, held((q) => q.name === "read")),
    "--allow-read",
  );
});

Deno.test("the launcher's and the compiled binary's flags: no path of any machine but the Deno to run", () => {
  assertEquals(launcherFlags("/opt/deno"), [
    "--no-prompt",
    "--allow-read",
    `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
    "--allow-run=/opt/deno",
  ]);
  assert(COMPILED_FLAGS.includes("--no-prompt"));
  assert(!COMPILED_FLAGS.some((f) => f.includes("/") || f === "-A"));
});

Deno.test("deno.json: start, serve and dev run the launcher with exactly launcherFlags (start installs and builds first, without a nested deno task) and no -A", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const deno = `"$(deno eval 'console.log(Deno.execPath())')"`;
  const line = `deno run ${launcherFlags(deno).join(" ")}`;
  assertEquals(config.tasks["serve"], `${line} server/cli.ts`);
  assertEquals(
    config.tasks["dev"],
    `deno task build && ${line} scripts/dev.ts`,
  );
  // The launcher is the task runner's own child (no `deno task serve` in
  // between), so a SIGKILLed `deno task start` re-parents it and its parent
  // watch (parent_watch.ts) stops Flock.
  assertEquals(
    config.tasks["start"],
    `deno install --frozen && deno task build && ${line} server/cli.ts`,
  );
  for (const task of ["start", "serve", "dev"]) {
    assert(!/\s(-A|--allow-all)\b/.test(config.tasks[task] ?? ""), task);
  }
});

Deno.test("every environment variable the server reads is in FLOCK_ENV_VARS", async () => {
  const root = new URL("../", import.meta.url);
  const read = new Set<string>();
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory && entry.name !== "testing") await walk(url);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(url);
        for (
          const m of text.matchAll(/\b(?:get|readEnv|env)\("([A-Z_]+)"\)/g)
        ) {
          if (m[1]) read.add(m[1]);
        }
      }
    }
  };
  await walk(root);
  assert(read.has("HOME") && read.has("FLOCK_TOKEN"), "the scan finds reads");
  for (const name of read) {
    assert(FLOCK_ENV_VARS.includes(name), `${name} is read but not granted`);
  }
});
