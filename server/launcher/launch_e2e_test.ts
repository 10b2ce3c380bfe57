/**
 * Every documented flag through the documented ways to start Flock: `deno
 * task start` (install, build, then the launcher), `deno task serve` and the
 * launcher run directly. Real processes, real OpenCode with the fake model,
 * real HTTP. The bundle and the compiled binary are covered in
 * `scripts/bundle_test.ts`.
 */
import type { InstanceJson } from "../contract/instances.ts";
import { defaultDataDir } from "../config.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import { denoCacheDir, startFlockProcess } from "../testing/flock_process.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import { pinnedOpenCodePath } from "../opencode/opencode_binary.ts";
import {
  descendants,
  isAlive,
  procsWithEnv,
  waitFor,
} from "../testing/procfs.ts";
import { FLOCK_ENV_VARS, launcherFlags } from "./grants.ts";
import { api, runningInstance } from "../testing/flock_http.ts";
import { exists } from "../testing/paths.ts";

const ROOT = new URL("../../", import.meta.url);
const MARKER = "FLOCK_INSTANCE_ID";

/** The machine's first non-loopback IPv4 address, if it has one. */
function ownAddress(): string | undefined {
  try {
    return Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.")
    )?.address;
  } catch {
    return undefined;
  }
}

Deno.test({
  name:
    "deno task start --data-dir <a dir outside the default> reaches /api/health and writes only there",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "flock-launch-" });
    try {
      const dataDir = `${home}/elsewhere/flock-data`;
      const defaultDir = defaultDataDir({
        os: Deno.build.os,
        get: (name) => name === "HOME" ? home : undefined,
      });
      await using flock = await startFlockProcess({
        home,
        env: { XDG_DATA_HOME: "" },
        args: ["--port", "0", "--data-dir", dataDir],
        via: "start",
      });
      const health = await api<{ ok: boolean }>(
        flock.url,
        "GET",
        "/api/health",
      );
      assertEquals(health.ok, true);
      assert(
        await exists(`${dataDir}/flock.db`),
        "the database is in --data-dir",
      );
      assertEquals(
        await exists(defaultDir),
        false,
        `${defaultDir} stays untouched`,
      );
      flock.child.kill("SIGTERM");
      const status = await flock.exited;
      assertEquals(status.code, 0, status.stderr);
      assert(
        !/NotCapable|Requires .* access/.test(status.stderr),
        status.stderr,
      );
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "deno task start --opencode <a copy of OpenCode at another path> runs an instance on that copy",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const copy = `${env.root}/other place/bin/opencode`;
    await Deno.mkdir(`${env.root}/other place/bin`, { recursive: true });
    await Deno.copyFile(pinnedOpenCodePath(), copy);
    await Deno.chmod(copy, 0o755);
    await using flock = await startFlockProcess({
      home: env.env.HOME!,
      env: env.env,
      args: ["--port", "0", "--opencode", copy],
      via: "start",
    });
    const inst = await runningInstance(flock.url, await env.workspace("oc"));
    const children = procsWithEnv(MARKER, inst.id);
    assert(
      children.some((p) => p.cmdline[0] === copy),
      `OpenCode runs from the copy: ${
        children.map((p) => p.cmdline.join(" ")).join("\n")
      }`,
    );
    flock.child.kill("SIGTERM");
    assertEquals((await flock.exited).code, 0);
    await waitFor(
      "the copy's processes to stop",
      () => procsWithEnv(MARKER, inst.id).length === 0,
      10_000,
    );
  },
});

Deno.test({
  name:
    "--host 127.0.0.2 (loopback to Flock, but its own address to Deno) works through deno task serve without a token",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "flock-launch-" });
    try {
      await using flock = await startFlockProcess({
        home,
        args: ["--port", "0", "--host", "127.0.0.2", "--data-dir", `${home}/d`],
        via: "serve",
      });
      assertMatch(flock.url, /^http:\/\/127\.0\.0\.2:\d+$/);
      const health = await api<{ ok: boolean }>(
        flock.url,
        "GET",
        "/api/health",
      );
      assertEquals(health.ok, true);
      flock.child.kill("SIGTERM");
      assertEquals((await flock.exited).code, 0);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

const address = ownAddress();

Deno.test({
  name:
    "a non-loopback --host with --token works through deno task serve; /api/ needs the token",
  // Needs a non-loopback IPv4 address on this machine.
  ignore: address === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "flock-launch-" });
    const token = "launcher-test-token-0123456789";
    try {
      await using flock = await startFlockProcess({
        home,
        args: [
          "--port",
          "0",
          "--host",
          address!,
          "--token",
          token,
          "--data-dir",
          `${home}/d`,
        ],
        via: "serve",
      });
      assertEquals(flock.url.startsWith(`http://${address}:`), true);
      const denied = await fetch(`${flock.url}/api/instances`);
      await denied.body?.cancel();
      assertEquals(denied.status, 401);
      const list = await api<InstanceJson[]>(
        flock.url,
        "GET",
        "/api/instances",
        undefined,
        token,
      );
      assertEquals(list, []);
      flock.child.kill("SIGTERM");
      assertEquals((await flock.exited).code, 0);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the launcher passes SIGTERM and SIGHUP on, and a SIGKILLed launcher takes Flock and OpenCode with it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const cases: [Deno.Signal, { code: number; signal: Deno.Signal | null }][] =
      [
        ["SIGTERM", { code: 0, signal: null }],
        ["SIGHUP", { code: 0, signal: null }],
        ["SIGKILL", { code: 137, signal: "SIGKILL" }],
      ];
    for (const [signal, expected] of cases) {
      await t.step(signal, async () => {
        await using flock = await startFlockProcess({
          home: env.env.HOME!,
          env: env.env,
          args: ["--port", "0", "--data-dir", `${env.root}/flock-${signal}`],
          via: "launcher",
        });
        const inst = await runningInstance(
          flock.url,
          await env.workspace(signal.toLowerCase()),
        );
        const server = descendants(flock.pid).find((p) =>
          p.cmdline.includes("--launched-child")
        );
        assert(server, "Flock runs as the launcher's child");
        const opencode = procsWithEnv(MARKER, inst.id).map((p) => p.pid);
        assert(opencode.length > 0);
        flock.child.kill(signal);
        const status = await flock.exited;
        assertEquals(
          { code: status.code, signal: status.signal },
          expected,
          status.stderr,
        );
        await waitFor(
          "Flock and its OpenCode to be gone",
          () =>
            !isAlive(server.pid) && opencode.every((pid) => !isAlive(pid)) &&
            procsWithEnv(MARKER, inst.id).length === 0,
          15_000,
        );
      });
    }
  },
});

Deno.test({
  name:
    "a permission Flock lacks is one line naming the flag to add, never a NotCapable stack",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "flock-launch-" });
    try {
      const dataDir = `${home}/not-granted`;
      const cases = [
        {
          args: ["--port", "0", "--data-dir", dataDir],
          adjust: { write: [`${home}/other`] },
          want: `--allow-write=${dataDir}`,
        },
        {
          args: [
            "--port",
            "0",
            "--host",
            "127.0.0.2",
            "--data-dir",
            `${home}/d`,
          ],
          adjust: { net: ["127.0.0.1", "localhost", "[::1]"] },
          want: "--allow-net=127.0.0.2",
        },
      ];
      for (const c of cases) {
        await using flock = await startFlockProcess({
          home,
          args: c.args,
          adjust: (grants) => ({ ...grants, ...c.adjust }),
          waitForListening: false,
        });
        const status = await flock.exited;
        assertEquals(status.code, 1, status.stderr);
        // Log lines aside (migrations may have run), one line says it.
        const lines = status.stderr.trim().split("\n").filter((l) =>
          !/^\S+Z INFO /.test(l)
        );
        assertEquals(lines.length, 1, status.stderr);
        assertMatch(lines[0] ?? "", /^flock: Cannot /);
        assert(lines[0]?.includes(c.want), `${c.want} in ${lines[0]}`);
        assert(lines[0]?.includes("deno task start"), lines[0]);
        assert(!/\bat .*\.ts:\d+/.test(status.stderr), "no stack trace");
      }
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "without permission to run Deno, the launcher serves in-process when it holds every grant, else names the flag to add",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "flock-launch-" });
    const env = {
      HOME: home,
      NO_COLOR: "1",
      XDG_DATA_HOME: "",
      DENO_DIR: await denoCacheDir(),
    };
    const run = (flags: string[], args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", ...flags, "server/cli.ts", ...args],
        cwd: ROOT,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
    try {
      const without = launcherFlags(Deno.execPath()).filter((f) =>
        !f.startsWith("--allow-run")
      );
      const refused = await run(without, ["--port", "0"]).output();
      const stderr = new TextDecoder().decode(refused.stderr);
      assertEquals(refused.code, 1, stderr);
      assertMatch(
        stderr.trim(),
        new RegExp(
          `^flock: Cannot start Flock .* add --allow-run=${
            Deno.execPath().replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
          } `,
        ),
      );
      assertEquals(stderr.trim().split("\n").length, 1);

      // Everything the flags need, but not Deno itself: Flock runs in this process.
      const dataDir = `${home}/inproc`;
      const git = ["/usr/bin/git", "/bin/git"].filter(exists);
      const child = run([
        "--no-prompt",
        "--allow-read",
        `--allow-write=${dataDir}`,
        `--allow-run=${[pinnedOpenCodePath(), ...git].join(",")}`,
        "--allow-net=127.0.0.1,localhost,[::1]",
        `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
      ], [
        "--port",
        "0",
        "--data-dir",
        dataDir,
        "--opencode",
        pinnedOpenCodePath(),
      ]).spawn();
      const lines = child.stdout.pipeThrough(new TextDecoderStream());
      let out = "";
      for await (const chunk of lines) {
        out += chunk;
        if (/listening on/.test(out)) break;
      }
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      assert(url, out);
      assertEquals(descendants(child.pid).length, 0, "no second Deno");
      assertEquals(
        (await api<{ ok: boolean }>(url, "GET", "/api/health")).ok,
        true,
      );
      child.kill("SIGTERM");
      assertEquals((await child.status).code, 0);
      await child.stderr.cancel();
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test("deno task serve answers --help and a bad flag itself, with the usage and exit codes 0 and 2", async () => {
  const task = async (args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "serve", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
    };
  };
  const help = await task(["--help"]);
  assertEquals(help.code, 0, help.stderr);
  assertMatch(help.stdout, /^Usage: flock \[options\]/);
  assertMatch(help.stdout, /--data-dir <dir>/);
  const bad = await task(["--bogus"]);
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /^flock: Unknown option '--bogus'/);
  assertMatch(bad.stderr, /Usage: flock/);
});
