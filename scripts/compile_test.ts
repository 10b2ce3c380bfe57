import { assert, assertEquals, assertMatch } from "../server/testing/assert.ts";
import { COMPILED_FLAGS, FLOCK_ENV_VARS } from "../server/launcher/grants.ts";
import {
  compileArgs,
  denortZipPath,
  findDenort,
  missingDenortMessage,
} from "./compile.ts";

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

Deno.test("the baked permissions name no path of the builder's machine, and compileArgs puts them before the entry", () => {
  assertEquals(COMPILED_FLAGS, [
    "--no-prompt",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--allow-net",
    `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
  ]);
  for (const flag of COMPILED_FLAGS) {
    assert(!flag.includes("/"), `no path in ${flag}`);
    assert(flag !== "-A" && flag !== "--allow-all", "never -A");
  }
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
