import { Buffer } from "node:buffer";
import { assert, assertEquals, assertMatch } from "../server/testing/assert.ts";
import { MIGRATIONS } from "../migrations/migrations.ts";
import { CLIENT_ASSETS } from "../server/static/client_assets.gen.ts";
import { COMPILED_FLAGS, FLOCK_ENV_VARS } from "../server/launcher/grants.ts";
import { ROOT } from "./compile.ts";

const root = ROOT.pathname.replace(/\/$/, "");

/** An environment in which any network attempt fails at once on a closed local port. */
function offlineEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (k !== "DENORT_BIN" && !/_proxy$/i.test(k)) env[k] = v;
  }
  return {
    ...env,
    NO_COLOR: "1",
    HTTPS_PROXY: "http://127.0.0.1:1",
    HTTP_PROXY: "http://127.0.0.1:1",
    ALL_PROXY: "http://127.0.0.1:1",
    ...extra,
  };
}

async function task(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "compile", ...args],
    cwd: root,
    env,
    clearEnv: true,
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
}

Deno.test("deno task compile without denort fails with the explanation, not a network error", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "flock-denodir-" });
  try {
    const { code, stdout, stderr } = await task(
      [],
      offlineEnv({
        DENO_DIR: denoDir,
      }),
    );
    assert(code !== 0, "the task must fail");
    assertMatch(
      stderr,
      /cannot build dist\/flock because `deno compile` needs denort/,
    );
    assertMatch(stderr, /DENORT_BIN=/);
    assert(
      stderr.includes(
        `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`,
      ),
      stderr,
    );
    const all = stdout + stderr;
    for (const raw of [/dns error/i, /Download/, /Connection refused/i]) {
      assert(!raw.test(all), `raw error ${raw} leaked:\n${all}`);
    }
    // DENORT_BIN pointing nowhere is explained too.
    const typo = await task(
      [],
      offlineEnv({
        DENO_DIR: denoDir,
        DENORT_BIN: `${denoDir}/no-such-denort`,
      }),
    );
    assert(typo.code !== 0);
    assertMatch(typo.stderr, /DENORT_BIN is set to .*no-such-denort/);
    // With --download the network is tried; its failure still gives the explanation.
    const download = await task(
      ["--download"],
      offlineEnv({
        DENO_DIR: denoDir,
      }),
    );
    assert(download.code !== 0);
    assertMatch(download.stderr, /needs denort/);
    assert(!/dns error|os error/i.test(download.stderr), download.stderr);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test({
  name:
    "deno compile (with a stand-in denort) embeds the migrations and client assets and bakes permissions tied to no machine",
  // Writes a ~100 MB file; the stand-in is the full deno binary, so the result is inspected, not run.
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "flock-compile-" });
    try {
      const { code, stdout, stderr } = await task(
        ["--output", `${out}/flock`],
        offlineEnv({ DENORT_BIN: Deno.execPath() }),
      );
      assertEquals(code, 0, stdout + stderr);
      assertMatch(
        stdout,
        new RegExp(`baked permissions: ${COMPILED_FLAGS.join(" ")}\\n`),
      );
      const bin = Buffer.from(await Deno.readFile(`${out}/flock`));
      for (const m of MIGRATIONS) {
        const line = m.sql.split("\n").find((l) => l.trim().length > 20) ??
          m.sql;
        assert(bin.indexOf(line) >= 0, `migration ${m.name} is not embedded`);
      }
      const index = CLIENT_ASSETS.get("/index.html");
      assert(index, "the client build has an index.html");
      const probe = Buffer.from(index.subarray(0, Math.min(120, index.length)));
      assert(bin.indexOf(probe) >= 0, "index.html is not embedded");
      // The metadata records the baked permissions.
      const metaAt = bin.lastIndexOf('"permissions":{');
      assert(metaAt >= 0, "no compile metadata found");
      const meta = bin.subarray(metaAt, metaAt + 4000).toString("latin1");
      const permissions = meta.slice(0, meta.indexOf("}") + 1);
      for (const kind of ["read", "write", "run", "net"]) {
        assertMatch(permissions, new RegExp(`"allow_${kind}":\\[\\]`), kind);
      }
      assertMatch(
        permissions,
        new RegExp(
          `"allow_env":\\[${FLOCK_ENV_VARS.map((v) => `"${v}"`).join(",")}\\]`,
        ),
      );
      assertMatch(permissions, /"prompt":false/);
      assertMatch(meta, /"raw_imports":true/);
      const home = Deno.env.get("HOME") ?? "/root";
      assert(
        !permissions.includes(home),
        `the builder's HOME is baked in: ${permissions}`,
      );
      assert(
        !permissions.includes(root),
        `the checkout is baked in: ${permissions}`,
      );
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
