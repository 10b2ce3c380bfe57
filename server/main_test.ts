/**
 * `runFlock` and `main` in process (no OpenCode, no child process): the
 * bind rule at start and `--token generate`. The real-process tests are in
 * `main_e2e_test.ts`.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "./testing/assert.ts";
import type { Config } from "./config.ts";
import { main, runFlock, StartupError } from "./main.ts";

Deno.test("a non-loopback bind without a token is refused at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-bind-" });
  try {
    const config: Config = {
      port: 0,
      host: "0.0.0.0",
      dataDir: dir,
      dbPath: `${dir}/flock.db`,
      opencode: undefined,
      opencodeConfig: undefined,
      token: undefined,
      generateToken: false,
      allowedHosts: [],
      roots: [],
      eventBuffer: 100,
      idleTimeoutS: 900,
      maxInstanceMemoryBytes: null,
      remoteHosts: [],
    };
    const error = await assertRejects(() => runFlock(config), StartupError);
    assertMatch(error.message, /without a token/);
    assertMatch(error.message, /--token/);
    // Nothing was created: the refusal comes before the database.
    assertEquals([...Deno.readDirSync(dir)].length, 0);
    // The CLI turns it into exit code 1.
    assertEquals(
      await main(["--host", "192.0.2.1", "--port", "0", "--data-dir", dir]),
      1,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFlock with --token generate makes a token and a one-time login URL", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-gen-" });
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    dataDir: dir,
    dbPath: `${dir}/flock.db`,
    opencode: undefined,
    opencodeConfig: undefined,
    token: undefined,
    generateToken: true,
    allowedHosts: [],
    roots: [],
    eventBuffer: 100,
    idleTimeoutS: 900,
    maxInstanceMemoryBytes: null,
    remoteHosts: [],
  };
  const flock = await runFlock(config);
  try {
    assert(flock.token !== undefined && flock.token.length >= 40);
    assertMatch(
      flock.loginUrl ?? "",
      /^http:\/\/127\.0\.0\.1:\d+\/login\?code=/,
    );
    const denied = await fetch(`${flock.url}/api/health`);
    assertEquals(denied.status, 401);
    await denied.body?.cancel();
    const login = await fetch(flock.loginUrl ?? "", { redirect: "manual" });
    assertEquals(login.status, 303);
    await login.body?.cancel();
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const ok = await fetch(`${flock.url}/api/health`, { headers: { cookie } });
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    await flock.close();
    await Deno.remove(dir, { recursive: true });
  }
});
