/**
 * Imported first by `deno task test:unit` (`scripts/test_unit.ts`): from then
 * on, starting a child process throws. Unit tests start no process; a test
 * that needs one is named `*_e2e_test.ts` and runs only in `deno task test`.
 *
 * Permissions cannot say this: `--deny-run` (or any scoped `--allow-run`)
 * also makes Deno refuse every read under `/proc`, which unit tests of the
 * `/proc` parser need. So `Deno.Command` and the `node:child_process`
 * functions (what Playwright uses to start Chromium) are replaced instead.
 *
 * @module
 */
import childProcess from "node:child_process";

/** Thrown when a unit test tries to start a child process. */
export class ChildProcessInUnitTestError extends Error {
  constructor(what: string) {
    super(
      `Cannot start ${what} in a unit test as deno task test:unit forbids child processes: name the test file *_e2e_test.ts`,
    );
    this.name = "ChildProcessInUnitTestError";
  }
}

class DeniedCommand {
  constructor(command: string | URL) {
    throw new ChildProcessInUnitTestError(`"${String(command)}"`);
  }
}

Object.defineProperty(Deno, "Command", {
  value: DeniedCommand,
  configurable: true,
  writable: false,
});

const NODE_FUNCTIONS = [
  "spawn",
  "spawnSync",
  "exec",
  "execSync",
  "execFile",
  "execFileSync",
  "fork",
] as const;
for (const name of NODE_FUNCTIONS) {
  Object.defineProperty(childProcess, name, {
    value: (command: unknown) => {
      throw new ChildProcessInUnitTestError(
        `"${String(command)}" (node:child_process.${name})`,
      );
    },
    configurable: true,
    writable: false,
  });
}
