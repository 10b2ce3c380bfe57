import childProcess from "node:child_process";
import { createRequire } from "node:module";
import { assertMatch, assertThrows } from "./assert.ts";
import { ChildProcessInUnitTestError } from "./deny_child_processes.ts";

Deno.test("after the guard, Deno.Command and node:child_process throw and name the fix", () => {
  const error = assertThrows(
    () => new Deno.Command("true").outputSync(),
    ChildProcessInUnitTestError,
  );
  assertMatch(error.message, /^Cannot start "true" in a unit test as /);
  assertMatch(error.message, /_e2e_test\.ts/);
  assertThrows(() => childProcess.spawn("true"), ChildProcessInUnitTestError);
  assertThrows(
    () => childProcess.execFileSync("true"),
    ChildProcessInUnitTestError,
  );
  // CommonJS code (Playwright) sees the same module object.
  const required = createRequire(import.meta.url)("child_process") as {
    spawn: (command: string) => unknown;
  };
  assertThrows(() => required.spawn("true"), ChildProcessInUnitTestError);
});
