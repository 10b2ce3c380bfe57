import { assertEquals } from "../testing/assert.ts";
import { FLOCK_ENV_VARS, narrowGrants } from "./grants.ts";
import { childArgs, LAUNCHED_CHILD_ARG } from "./launch.ts";

Deno.test("childArgs: deno flags, raw imports, the narrowed permissions, the entry, the child marker, then Flock's own args", () => {
  const grants = narrowGrants({
    dataDir: "/d",
    dbPath: "/d/flock.db",
    host: "127.0.0.1",
    port: 0,
    run: ["/o/opencode"],
    outboundHosts: [],
    write: [],
    env: [],
  });
  assertEquals(
    childArgs({
      grants,
      entry: "file:///r/server/cli.ts",
      args: ["--port", "0"],
      denoFlags: ["--watch=/r/server/"],
    }),
    [
      "run",
      "--watch=/r/server/",
      "--unstable-raw-imports",
      "--no-prompt",
      "--allow-read",
      "--allow-write=/d",
      "--allow-run=/o/opencode",
      "--allow-net=127.0.0.1,localhost,[::1]",
      `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
      "file:///r/server/cli.ts",
      LAUNCHED_CHILD_ARG,
      "--port",
      "0",
    ],
  );
});
