import { assert, assertEquals, assertMatch } from "../server/testing/assert.ts";
import {
  bakedPermissionFlags,
  compileArgs,
  denortZipPath,
  findDenort,
  missingDenortMessage,
  ROOT,
} from "./compile.ts";

const root = ROOT.pathname.replace(/\/$/, "");

Deno.test("findDenort follows deno compile's order: DENORT_BIN, then the cached zip", () => {
  const zip = denortZipPath("/dd", "2.9.6", "x86_64-unknown-linux-gnu");
  assertEquals(
    zip,
    "/dd/dl/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
  );
  const base = {
    denoDir: "/dd",
    version: "2.9.6",
    target: "x86_64-unknown-linux-gnu",
  };
  assertEquals(
    findDenort({ ...base, denortBin: "/x/denort", isFile: () => true }),
    { kind: "env", path: "/x/denort" },
  );
  assertEquals(
    findDenort({
      ...base,
      denortBin: undefined,
      isFile: (p) => p === zip,
    }),
    { kind: "zip", path: zip },
  );
  assertEquals(
    findDenort({ ...base, denortBin: undefined, isFile: () => false }),
    { kind: "missing", zipPath: zip },
  );
  const bad = findDenort({
    ...base,
    denortBin: "/typo",
    isFile: (p) => p === zip,
  });
  assertEquals(bad, { kind: "missing", zipPath: zip, badEnv: "/typo" });
  if (bad.kind !== "missing") throw new Error("unreachable");
  const message = missingDenortMessage(bad, "2.9.6", base.target);
  assert(!message.includes("\n"), "one paragraph");
  assertMatch(message, /DENORT_BIN is set to \/typo/);
  assertMatch(message, /\/dd\/dl\/release\/v2\.9\.6\/denort-x86_64/);
});

Deno.test("the baked permissions mirror the serve task, with $HOME and relative paths resolved", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  ) as { tasks: Record<string, string> };
  const serve = config.tasks["serve"] ?? "";
  const flags = bakedPermissionFlags(serve, "/home/u", root);
  // Same flags in the same order; only $HOME and ./paths differ.
  const words = serve.split(/\s+/);
  const original = words.slice(
    words.indexOf("run") + 1,
    words.findIndex((w) => w.endsWith(".ts")),
  );
  assertEquals(flags.length, original.length);
  assert(flags.includes("--no-prompt"));
  for (const f of flags) {
    assert(!f.includes("$HOME"), f);
    assert(!/[=,]\.\.?\//.test(f), `relative path left in ${f}`);
    assert(f !== "-A" && f !== "--allow-all", "never -A");
  }
  const write = flags.find((f) => f.startsWith("--allow-write="));
  assertEquals(write, "--allow-write=/home/u/.local/share/flock");
  const run = flags.find((f) => f.startsWith("--allow-run=")) ?? "";
  assertMatch(
    run,
    new RegExp(`${root}/node_modules/opencode-linux-x64/bin/opencode`),
  );
  assertEquals(
    compileArgs({
      permissions: ["--allow-read"],
      output: "/o/flock",
      entry: "/r/server/main.ts",
      config: "/r/deno.json",
    }),
    [
      "compile",
      "--config",
      "/r/deno.json",
      "--unstable-raw-imports",
      "--allow-read",
      "--output",
      "/o/flock",
      "/r/server/main.ts",
    ],
  );
});
