/**
 * The one-file bundle, and compile-safety proven offline.
 *
 * - `dist/flock.js` run the documented way (README, "One file": only the
 *   launcher's permissions) from an empty directory re-runs itself narrowed
 *   to a non-default `--data-dir` and an `--opencode` at another path, and
 *   serves the PWA, migrates a brand-new database and drives a real OpenCode
 *   child to a streamed fake-model reply.
 * - `server/main.ts` bundled (exactly what `deno compile` packs) does the
 *   same with the permissions `deno compile` bakes and the source tree
 *   denied to it.
 * - When a denort is available, the real `dist/flock` runs the scenario too;
 *   otherwise that test is reported as ignored.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch } from "../server/testing/assert.ts";
import { MIGRATIONS } from "../migrations/migrations.ts";
import type { InstanceJson } from "../server/contract/instances.ts";
import type { SessionJson } from "../server/contract/sessions.ts";
import { pinnedOpenCodePath } from "../server/opencode/opencode_binary.ts";
import { CLIENT_ASSETS } from "../server/static/client_assets.gen.ts";
import { fakeReply, startFakeModel } from "../server/testing/fake_model.ts";
import {
  createOpenCodeEnv,
  type OpenCodeEnv,
} from "../server/testing/opencode_env.ts";
import { SseReader } from "../server/testing/sse_reader.ts";
import { defaultDataDir } from "../server/config.ts";
import { COMPILED_FLAGS, launcherFlags } from "../server/launcher/grants.ts";
import { denoCacheDir } from "../server/testing/flock_process.ts";
import { descendants } from "../server/testing/procfs.ts";
import { bundle } from "./bundle.ts";
import { findDenort, ROOT } from "./compile.ts";

const root = ROOT.pathname.replace(/\/$/, "");

/** The source tree the bundle must never touch (node_modules stays readable: the pinned OpenCode lives there). */
const SOURCE_PATHS = [
  "server",
  "client",
  "migrations",
  "scripts",
  "deno.json",
  "deno.lock",
  "dist",
].map((p) => `${root}/${p}`);

interface Started {
  url: string;
  child: Deno.ChildProcess;
  output(): string;
  exited: Promise<Deno.CommandStatus>;
}

/** Starts a Flock command in `cwd` and waits for its listening line. */
async function start(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Started> {
  const child = new Deno.Command(command, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const listening = Promise.withResolvers<string>();
  const pump = async (s: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) listening.resolve(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await pumps;
    return s;
  });
  const timer = setTimeout(
    () => listening.reject(new Error(`No listening line in 30 s:\n${out}`)),
    30_000,
  );
  try {
    const url = await Promise.race([
      listening.promise,
      exited.then((s) => {
        throw new Error(
          `Flock exited with ${s.code} before listening:\n${out}`,
        );
      }),
    ]);
    return { url, child, output: () => out, exited };
  } finally {
    clearTimeout(timer);
  }
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assertEquals(res.status, status, text);
  return JSON.parse(text) as T;
}

/**
 * The scenario both artefacts must pass: static shell and assets, migrations
 * on a fresh DB, a real OpenCode child streaming a fake-model reply.
 */
async function exercise(
  label: string,
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    /** The data dir Flock was told to use. */
    dataDir: string;
    workspace: string;
    /** Called once Flock listens (e.g. to inspect its process tree). */
    onListening?: (flock: Started) => void;
  },
): Promise<void> {
  const flock = await start(command, args, options.cwd, options.env);
  try {
    options.onListening?.(flock);
    const base = flock.url;
    // The PWA shell and its assets, byte for byte, with the CSP on pages.
    const page = await fetch(`${base}/`);
    assertEquals(page.status, 200, label);
    assertMatch(
      page.headers.get("content-security-policy") ?? "",
      /script-src 'self'/,
    );
    assertEquals(
      new Uint8Array(await page.arrayBuffer()),
      CLIENT_ASSETS.get("/index.html"),
      `${label}: / serves the embedded index.html`,
    );
    for (const path of ["/app.js", "/sw.js", "/manifest.webmanifest"]) {
      const res = await fetch(base + path);
      assertEquals(res.status, 200, `${label}: ${path}`);
      assertEquals(
        new Uint8Array(await res.arrayBuffer()),
        CLIENT_ASSETS.get(path),
        `${label}: ${path} is the embedded asset`,
      );
    }

    // The migrations reached the brand-new database.
    const dbPath = `${options.dataDir}/flock.db`;
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      const rows = db.prepare(
        "SELECT version FROM schema_migrations ORDER BY version",
      ).all() as { version: number }[];
      assertEquals(
        rows.map((r) => r.version),
        MIGRATIONS.map((m) => m.version),
        `${label}: every migration is applied`,
      );
    } finally {
      db.close();
    }

    // A real OpenCode child and a streamed fake-model reply.
    const created = await json<InstanceJson>(
      await fetch(`${base}/api/instances`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ working_directory: options.workspace }),
      }),
      201,
    );
    const deadline = Date.now() + 45_000;
    let instance = created;
    while (instance.status !== "running") {
      if (instance.status === "error" || Date.now() > deadline) {
        throw new Error(
          `${label}: the instance did not run: ${
            JSON.stringify(instance)
          }\n${flock.output()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
      instance = await json<InstanceJson>(
        await fetch(`${base}/api/instances/${created.id}`),
        200,
      );
    }
    const session = await json<SessionJson>(
      await fetch(`${base}/api/instances/${instance.id}/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
      201,
    );
    const events = await fetch(`${base}/api/sessions/${session.id}/events`, {
      headers: { accept: "text/event-stream" },
    });
    assertEquals(events.status, 200);
    assert(events.body);
    const sse = new SseReader(events.body);
    try {
      const prompt = `hello from ${label}`;
      const sent = await fetch(`${base}/api/sessions/${session.id}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: prompt }),
      });
      const sentText = await sent.text();
      assert(sent.ok, `${label}: send: ${sent.status} ${sentText}`);
      const want = fakeReply(prompt);
      const until = Date.now() + 30_000;
      let seen = "";
      while (!seen.includes(want)) {
        const left = until - Date.now();
        if (left <= 0) {
          throw new Error(
            `${label}: no streamed reply in 30 s; saw:\n${seen.slice(-2000)}`,
          );
        }
        const ev = await sse.next(left);
        if (!ev) throw new Error(`${label}: the event stream ended`);
        seen += ev.data + "\n";
      }
    } finally {
      await sse.cancel();
    }

    // A clean stop: SIGTERM, exit 0.
    flock.child.kill("SIGTERM");
    const status = await flock.exited;
    assertEquals(status.code, 0, `${label}: exit code\n${flock.output()}`);
    assert(
      !/NotCapable|Requires .* access/.test(flock.output()),
      `${label}: a permission was missing:\n${flock.output()}`,
    );
  } finally {
    // A failed run may leave Flock up: kill its whole tree (its OpenCode
    // children run detached), or they outlive the test.
    const tree = [
      flock.child.pid,
      ...descendants(flock.child.pid).map((p) => p.pid),
    ];
    for (const pid of tree) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await flock.exited;
  }
}

/** A fresh HOME, an empty run dir, a data dir elsewhere, and the env Flock (and so its children) gets. */
async function setup(
  ocEnv: OpenCodeEnv,
  name: string,
): Promise<{
  home: string;
  run: string;
  dataDir: string;
  env: Record<string, string>;
  workspace: string;
}> {
  const home = `${ocEnv.root}/${name}-home`;
  const run = `${ocEnv.root}/${name}-run`;
  await Deno.mkdir(home);
  await Deno.mkdir(run);
  return {
    home,
    run,
    // Not the default ($HOME/.local/share/flock, or $XDG_DATA_HOME/flock).
    dataDir: `${ocEnv.root}/${name}-data/flock`,
    env: {
      ...ocEnv.env,
      HOME: home,
      PATH: "/usr/bin:/bin",
      DENO_DIR: await denoCacheDir(),
      NO_COLOR: "1",
    },
    workspace: await ocEnv.workspace(`${name}-project`),
  };
}

/** Copies a built file alone into an empty directory. */
async function alone(file: string, dir: string, name: string): Promise<void> {
  await Deno.copyFile(file, `${dir}/${name}`);
  assertEquals(
    [...Deno.readDirSync(dir)].map((e) => e.name),
    [name],
    "the file is alone",
  );
}

Deno.test({
  name:
    "the bundle run the documented way re-runs itself narrowed to a non-default --data-dir and --opencode, and serves, migrates and streams",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using model = await startFakeModel();
    await using ocEnv = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
    });
    const s = await setup(ocEnv, "bundle");
    await alone(
      await bundle(`${ocEnv.root}/build/flock.js`),
      s.run,
      "flock.js",
    );
    const opencode = pinnedOpenCodePath();
    let narrowed: string[] = [];
    await exercise("the bundle", Deno.execPath(), [
      "run",
      ...launcherFlags(Deno.execPath()),
      "flock.js",
      "--port",
      "0",
      "--data-dir",
      s.dataDir,
      "--opencode",
      opencode,
    ], {
      cwd: s.run,
      env: s.env,
      dataDir: s.dataDir,
      workspace: s.workspace,
      onListening: (flock) => {
        const child = descendants(flock.child.pid).find((p) =>
          p.cmdline.includes("--launched-child")
        );
        assert(child, "the launcher started a narrowed child");
        narrowed = child.cmdline;
      },
    });
    // The child held exactly what the flags needed, nothing of the defaults.
    assert(narrowed.includes(`--allow-write=${s.dataDir}`), narrowed.join(" "));
    assert(
      narrowed.some((a) =>
        a.startsWith("--allow-run=") && a.includes(opencode)
      ),
      narrowed.join(" "),
    );
    assert(
      !narrowed.some((a) => /^--allow-(all|write|run|net)$|^-A$/.test(a)),
      `an unscoped permission: ${narrowed.join(" ")}`,
    );
    const defaultData = defaultDataDir({
      os: Deno.build.os,
      get: (name) => s.env[name],
    });
    assert(defaultData !== s.dataDir);
    let defaultDir = true;
    try {
      Deno.statSync(defaultData);
    } catch {
      defaultDir = false;
    }
    assertEquals(defaultDir, false, "the default data dir stays untouched");
  },
});

Deno.test({
  name:
    "compile-safety: server/main.ts bundled runs alone in an empty dir with the permissions deno compile bakes and the source tree denied",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using model = await startFakeModel();
    await using ocEnv = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
    });
    const s = await setup(ocEnv, "compiled-js");
    await alone(
      await bundle(`${ocEnv.root}/build/flock-main.js`, "server/main.ts"),
      s.run,
      "flock-main.js",
    );
    await exercise("the compile-safe bundle", Deno.execPath(), [
      "run",
      ...COMPILED_FLAGS,
      `--deny-read=${SOURCE_PATHS.join(",")}`,
      "flock-main.js",
      "--port",
      "0",
      "--data-dir",
      s.dataDir,
      "--opencode",
      pinnedOpenCodePath(),
    ], {
      cwd: s.run,
      env: s.env,
      dataDir: s.dataDir,
      workspace: s.workspace,
    });
  },
});

const denort = findDenort({
  denortBin: Deno.env.get("DENORT_BIN"),
  denoDir: await denoCacheDir(),
  version: Deno.version.deno,
  target: Deno.build.target,
  isFile: (p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  },
});

Deno.test({
  name:
    "dist/flock (deno compile, needs denort) runs anywhere with a non-default --data-dir and --opencode",
  // No denort on this machine (DENORT_BIN unset and no release zip in the Deno cache; see scripts/compile.ts).
  ignore: denort.kind === "missing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using model = await startFakeModel();
    await using ocEnv = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
    });
    const s = await setup(ocEnv, "compiled");
    const out = `${ocEnv.root}/build/flock`;
    const compiled = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}/scripts/compile.ts`, "--output", out],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert(
      compiled.success,
      `deno task compile failed:\n${dec.decode(compiled.stdout)}${
        dec.decode(compiled.stderr)
      }`,
    );
    await alone(out, s.run, "flock");
    await Deno.chmod(`${s.run}/flock`, 0o755);
    await exercise("dist/flock", `${s.run}/flock`, [
      "--port",
      "0",
      "--data-dir",
      s.dataDir,
      "--opencode",
      pinnedOpenCodePath(),
    ], {
      cwd: s.run,
      env: s.env,
      dataDir: s.dataDir,
      workspace: s.workspace,
    });
  },
});
