/**
 * `deno task test`: every test, as two `deno test` processes, one after the
 * other.
 *
 * - **server**: every unit test in one module (as `deno task test:unit`
 *   does, which saves Deno's ~0.3–0.6 s worker start per file, ~150 files),
 *   then every `*_e2e_test.ts` under `server/` but `server/fleet/`;
 * - **client**: every other `*_e2e_test.ts`: the Chromium tests in
 *   `client/tests/`, the bundle, compile and bench runs (`scripts/`,
 *   `bench/`), which also build the client or drive Chromium, and the fleet's
 *   (the twenty-instance hibernation test alone is two minutes), which evens
 *   out the two.
 *
 * They ran side by side once, but tests rebuild `client/dist` (`deno task
 * start`, the bench) while the other group imports it, so they run one after
 * the other; the unit module still saves the per-file worker starts. With
 * `--junit-path=<file>` each group writes its own report and the two are
 * merged into `<file>`. Paths on the command line run just those, in one
 * plain `deno test` process.
 *
 * Usage: `deno task test [path…] [deno test flags…]` (flag values with `=`).
 *
 * @module
 */
import { log } from "../server/log.ts";
import {
  E2E_SUFFIX,
  findTests,
  findUnitTests,
  splitArgs,
  writeAggregator,
} from "./test_unit.ts";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname)
  .replace(/\/$/, "");
const SERVER_DIR = "server/";
/** Server e2e files run in the client group, to even out the two. */
const MOVED_DIR = "server/fleet/";
const JUNIT_FLAG = "--junit-path=";

/** One `deno test` process of the suite. */
export interface TestGroup {
  /** Its name (in the summary and the JUnit report's file name). */
  name: "server" | "client";
  /** The test modules it runs (absolute paths). */
  files: string[];
}

/**
 * Splits the suite into the two groups: the unit aggregator and the server's
 * e2e files (the fleet's aside), and every other e2e file.
 *
 * @param root The checkout (absolute).
 * @param aggregator The module importing every unit test.
 * @param e2e Every `*_e2e_test.ts` (absolute paths).
 */
export function groupTests(
  root: string,
  aggregator: string,
  e2e: readonly string[],
): TestGroup[] {
  const server = e2e.filter((f) =>
    f.startsWith(`${root}/${SERVER_DIR}`) &&
    !f.startsWith(`${root}/${MOVED_DIR}`)
  );
  return [
    { name: "server", files: [aggregator, ...server] },
    { name: "client", files: e2e.filter((f) => !server.includes(f)) },
  ];
}

/** The totals of a JUnit report's `<testsuites>` element. */
interface Totals {
  tests: number;
  failures: number;
  errors: number;
  time: number;
}

function totalsOf(attributes: string): Totals {
  const get = (name: string) =>
    Number(new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1] ?? 0) || 0;
  return {
    tests: get("tests"),
    failures: get("failures"),
    errors: get("errors"),
    time: get("time"),
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Merges the groups' JUnit reports into one: their suites side by side, the
 * counts summed, the time the longest group's. A group without a report
 * (its process died before writing one) counts as one error, named.
 *
 * @param reports Each group's name, report text (or null) and exit code.
 * @returns The merged report.
 */
export function mergeJunit(
  reports: readonly { name: string; xml: string | null; code: number }[],
): string {
  const sum: Totals = { tests: 0, failures: 0, errors: 0, time: 0 };
  const bodies: string[] = [];
  for (const { name, xml, code } of reports) {
    const match = xml === null
      ? null
      : /<testsuites\b([^>]*)>([\s\S]*)<\/testsuites>/.exec(xml);
    if (!match) {
      const why =
        `the ${name} group's deno test wrote no JUnit report (exit ${code})`;
      sum.tests += 1;
      sum.errors += 1;
      bodies.push(
        `  <testsuite name="${
          escapeXml(name)
        }" tests="1" failures="0" errors="1" time="0">\n` +
          `    <testcase name="${escapeXml(name)}" classname="${
            escapeXml(name)
          }" time="0">\n` +
          `      <error message="${escapeXml(why)}"></error>\n` +
          `    </testcase>\n  </testsuite>\n`,
      );
      continue;
    }
    const totals = totalsOf(match[1] ?? "");
    sum.tests += totals.tests;
    sum.failures += totals.failures;
    sum.errors += totals.errors;
    sum.time = Math.max(sum.time, totals.time);
    bodies.push(match[2] ?? "");
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="deno test" tests="${sum.tests}" failures="${sum.failures}" errors="${sum.errors}" time="${
      sum.time.toFixed(3)
    }">\n${bodies.join("")}</testsuites>\n`;
}

async function runGroup(
  group: TestGroup,
  flags: readonly string[],
  junit: string | null,
): Promise<{ code: number; seconds: number }> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      `--config=${ROOT}/deno.json`,
      ...flags,
      ...(junit === null ? [] : [`${JUNIT_FLAG}${junit}`]),
      ...group.files,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status = await child.status;
  return {
    code: status.code,
    seconds: Math.round((performance.now() - started) / 1000),
  };
}

async function main(args: string[]): Promise<number> {
  const junitArg = args.find((a) => a.startsWith(JUNIT_FLAG));
  const junit = junitArg?.slice(JUNIT_FLAG.length) ?? null;
  const { paths, flags } = await splitArgs(
    args.filter((a) => a !== junitArg),
    Deno.cwd(),
  );
  if (paths.length > 0) {
    // a selection: one plain deno test process
    const group: TestGroup = { name: "server", files: paths };
    return (await runGroup(group, flags, junit)).code;
  }
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as {
    exclude?: string[];
  };
  const excluded = config.exclude ?? [];
  const unit = await findUnitTests(ROOT, [ROOT], excluded);
  const e2e = await findTests(
    ROOT,
    [ROOT],
    excluded,
    (name) => name.endsWith(E2E_SUFFIX),
  );
  const groups = groupTests(ROOT, await writeAggregator(unit), e2e);
  log.info(
    `test: ${unit.length} unit files in one module and ${e2e.length} e2e files, as ${
      groups.map((g) => `${g.name} (${g.files.length} modules)`).join(" then ")
    }`,
  );
  // One after the other: a server e2e test runs `deno task start`, which
  // rebuilds client/dist while the other group would be importing it (seen
  // in CI: "Import client/dist/app.css failed, not found").
  const results: { code: number; seconds: number }[] = [];
  for (const group of groups) {
    results.push(
      await runGroup(
        group,
        flags,
        junit === null ? null : `${junit}.${group.name}.xml`,
      ),
    );
  }
  if (junit !== null) {
    const reports = await Promise.all(groups.map(async (group, i) => {
      const path = `${junit}.${group.name}.xml`;
      const xml = await Deno.readTextFile(path).catch(() => null);
      await Deno.remove(path).catch(() => {});
      return { name: group.name, xml, code: results[i]?.code ?? 1 };
    }));
    await Deno.writeTextFile(junit, mergeJunit(reports));
  }
  const summary = groups.map((group, i) => {
    const result = results[i];
    return `${group.name} ${result?.code === 0 ? "ok" : "FAILED"} in ${
      result?.seconds ?? 0
    } s`;
  }).join(", ");
  const failed = results.some((r) => r.code !== 0);
  if (failed) log.error(`test: ${summary}`);
  else log.info(`test: ${summary}`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    log.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
}
