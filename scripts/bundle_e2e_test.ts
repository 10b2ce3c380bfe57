/**
 * Compile-safety, proven offline: the server bundled into one file by
 * `deno bundle --platform deno` runs alone in an empty directory, with the
 * permissions `deno task compile` bakes into `dist/flock` (the serve task's)
 * and with the source tree denied to it, and still serves the PWA, migrates a
 * brand-new database and drives a real OpenCode child to a streamed fake-model
 * reply. When a denort is available, the real `dist/flock` runs the same
 * scenario; otherwise a loud SKIP line says why.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch } from "../server/testing/assert.ts";
import { MIGRATIONS } from "../migrations/migrations.ts";
import type { InstanceJson, SessionJson } from "../server/api_types.ts";
import { pinnedOpenCodePath } from "../server/opencode/opencode_binary.ts";
import { CLIENT_ASSETS } from "../server/static/client_assets.gen.ts";
import { fakeReply, startFakeModel } from "../server/testing/fake_model.ts";
import { createOpenCodeEnv } from "../server/testing/opencode_env.ts";
import { SseReader } from "../server/testing/sse_reader.ts";
import { bundle } from "./bundle.ts";
import { bakedPermissionFlags, findDenort, ROOT } from "./compile.ts";

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

async function serveTask(): Promise<string> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  ) as { tasks: Record<string, string> };
  const serve = config.tasks["serve"];
  if (!serve) throw new Error("deno.json has no serve task");
  return serve;
}

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return (JSON.parse(new TextDecoder().decode(out.stdout)) as {
    denoDir: string;
  }).denoDir;
}

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
    home: string;
    workspace: string;
  },
): Promise<void> {
  const flock = await start(command, args, options.cwd, options.env);
  try {
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
    const dbPath = `${options.home}/.local/share/flock/flock.db`;
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
    try {
      flock.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await flock.exited;
  }
}

Deno.test({
  name:
    "compile-safety: the one-file bundle runs alone in an empty dir with the baked permissions (and dist/flock when denort exists)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using model = await startFakeModel();
    await using ocEnv = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
    });
    const realDenoDir = await denoDir();
    const opencode = pinnedOpenCodePath();
    const serve = await serveTask();

    /** A fresh HOME, an empty run dir, and the env Flock (and so its children) gets. */
    const setup = async (name: string) => {
      const home = `${ocEnv.root}/${name}-home`;
      const run = `${ocEnv.root}/${name}-run`;
      await Deno.mkdir(home);
      await Deno.mkdir(run);
      const env: Record<string, string> = {
        // OpenCode's isolation, minus XDG_DATA_HOME: Flock's default data dir is
        // then $HOME/.local/share/flock, the one --allow-write grants.
        ...Object.fromEntries(
          Object.entries(ocEnv.env).filter(([k]) => k !== "XDG_DATA_HOME"),
        ),
        HOME: home,
        PATH: "/usr/bin:/bin",
        DENO_DIR: realDenoDir,
        NO_COLOR: "1",
      };
      const permissions = bakedPermissionFlags(serve, home, root);
      return {
        home,
        run,
        env,
        permissions,
        workspace: await ocEnv.workspace(`${name}-project`),
      };
    };

    await t.step(
      "the bundle (deno run, serve-task permissions, source tree denied)",
      async () => {
        const s = await setup("bundle");
        const built = await bundle(`${ocEnv.root}/build/flock.js`);
        await Deno.copyFile(built, `${s.run}/flock.js`);
        assertEquals(
          [...Deno.readDirSync(s.run)].map((e) => e.name),
          ["flock.js"],
          "the file is alone",
        );
        await exercise("the bundle", Deno.execPath(), [
          "run",
          ...s.permissions,
          `--deny-read=${SOURCE_PATHS.join(",")}`,
          "flock.js",
          "--port",
          "0",
          "--opencode",
          opencode,
        ], { cwd: s.run, env: s.env, home: s.home, workspace: s.workspace });
      },
    );

    await t.step("dist/flock (deno compile)", async () => {
      const lookup = findDenort({
        denortBin: Deno.env.get("DENORT_BIN"),
        denoDir: realDenoDir,
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
      if (lookup.kind === "missing") {
        const line =
          `SKIP: dist/flock not tested: no denort (DENORT_BIN is unset and ${lookup.zipPath} is absent; see scripts/compile.ts)\n`;
        Deno.stderr.writeSync(new TextEncoder().encode(line));
        return;
      }
      const s = await setup("compiled");
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
      await Deno.copyFile(out, `${s.run}/flock`);
      await Deno.chmod(`${s.run}/flock`, 0o755);
      await exercise("dist/flock", `${s.run}/flock`, [
        "--port",
        "0",
        "--opencode",
        opencode,
      ], { cwd: s.run, env: s.env, home: s.home, workspace: s.workspace });
    });
  },
});
