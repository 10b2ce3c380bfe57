import { assertEquals } from "./testing/assert.ts";
import { processEnv, readCommandLine, readEnv } from "./command_line.ts";

Deno.test("readCommandLine gives the config of a valid command line, read with the process's environment", () => {
  const parsed = readCommandLine(["--port", "0", "--data-dir", "/d"]);
  if (parsed.kind !== "run") throw new Error(`not a run: ${parsed.code}`);
  assertEquals(parsed.config.port, 0);
  assertEquals(parsed.config.dbPath, "/d/flock.db");
  assertEquals(processEnv().os, Deno.build.os);
  assertEquals(readEnv("FLOCK_SURELY_UNSET_VARIABLE"), undefined);
  assertEquals(processEnv().get("PATH"), Deno.env.get("PATH"));
});
