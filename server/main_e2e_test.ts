import { assert, assertEquals, assertMatch } from "./testing/assert.ts";
import { DatabaseSync } from "node:sqlite";
import { startFlockProcess } from "./testing/flock_process.ts";
import { pinnedOpenCodePath } from "./opencode/opencode_binary.ts";

Deno.test("Flock as a real process: health, shell, SIGTERM exits 0 with a clean DB", async () => {
  const home = await Deno.makeTempDir({ prefix: "flock-main-" });
  try {
    await using flock = await startFlockProcess({
      home,
      args: ["--port", "0"],
    });
    const health = await fetch(`${flock.url}/api/health`);
    assertEquals(health.status, 200);
    const body = await health.json();
    assertEquals(body.ok, true);
    assertEquals(typeof body.version, "string");
    assertEquals(typeof body.uptime_s, "number");
    const page = await fetch(`${flock.url}/`);
    assertEquals(page.status, 200);
    assertMatch(page.headers.get("content-type") ?? "", /text\/html/);
    await page.body?.cancel();

    // How long this takes is a bench figure (bench/shutdown_bench.ts).
    flock.child.kill("SIGTERM");
    const status = await flock.exited;
    assertEquals(status.code, 0, status.stderr);

    const dbPath = `${home}/.local/share/flock/flock.db`;
    const db = new DatabaseSync(dbPath);
    try {
      const check = db.prepare("PRAGMA integrity_check").get() as {
        integrity_check: string;
      };
      assertEquals(check.integrity_check, "ok");
      const migrations = db.prepare(
        "SELECT count(*) AS n FROM schema_migrations",
      ).get() as { n: number };
      assert(migrations.n >= 1);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a port that is taken gives a clear message and exit 1", async () => {
  const home = await Deno.makeTempDir({ prefix: "flock-main-" });
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    await using flock = await startFlockProcess({
      home,
      args: ["--port", String(port)],
      waitForListening: false,
    });
    const status = await flock.exited;
    assertEquals(status.code, 1);
    assertMatch(
      status.stderr,
      new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use`),
    );
    assertEquals(
      /\bat .*\.ts:\d+/.test(status.stderr),
      false,
      "no stack trace",
    );
  } finally {
    blocker.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("an unknown flag prints one error line plus usage and exits 2", async () => {
  const home = await Deno.makeTempDir({ prefix: "flock-main-" });
  try {
    await using flock = await startFlockProcess({
      home,
      args: ["--bogus"],
      waitForListening: false,
    });
    const status = await flock.exited;
    assertEquals(status.code, 2);
    const lines = status.stderr.split("\n");
    assertMatch(
      lines.find((l) => l.startsWith("flock:")) ?? "",
      /Unknown option '--bogus'/,
    );
    assertMatch(status.stderr, /Usage: flock/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("an --opencode binary outside --allow-run is an instance error that says how to fix it", async () => {
  const home = await Deno.makeTempDir({ prefix: "flock-main-" });
  try {
    await using flock = await startFlockProcess({
      home,
      args: ["--port", "0", "--opencode", "/bin/true"],
      // As when the binary changed after the launcher granted another one.
      adjust: (grants) => ({ ...grants, run: [pinnedOpenCodePath()] }),
    });
    const created = await fetch(`${flock.url}/api/instances`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ working_directory: home }),
    });
    assertEquals(created.status, 201);
    const { id } = await created.json();
    let last = { status: "", last_error: "" };
    for (let i = 0; i < 100 && last.status !== "error"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = await (await fetch(`${flock.url}/api/instances/${id}`)).json();
    }
    assertEquals(last.status, "error");
    assertMatch(last.last_error, /Requires run access to "\/bin\/true"/);
    assertMatch(last.last_error, /--allow-run/);
    flock.child.kill("SIGTERM");
    assertEquals((await flock.exited).code, 0);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
