import { assertEquals, assertMatch } from "../server/testing/assert.ts";
import { groupTests, mergeJunit } from "./test_all.ts";

Deno.test("groupTests: the unit module and the server e2e files, then every other e2e file and the fleet's", () => {
  assertEquals(
    groupTests("/r", "/tmp/unit_test.ts", [
      "/r/client/tests/a_browser_e2e_test.ts",
      "/r/server/b_e2e_test.ts",
      "/r/server/api/c_e2e_test.ts",
      "/r/scripts/d_e2e_test.ts",
      "/r/bench/e_e2e_test.ts",
      "/r/server/fleet/f_e2e_test.ts",
    ]),
    [
      {
        name: "server",
        files: [
          "/tmp/unit_test.ts",
          "/r/server/b_e2e_test.ts",
          "/r/server/api/c_e2e_test.ts",
        ],
      },
      {
        name: "client",
        files: [
          "/r/client/tests/a_browser_e2e_test.ts",
          "/r/scripts/d_e2e_test.ts",
          "/r/bench/e_e2e_test.ts",
          "/r/server/fleet/f_e2e_test.ts",
        ],
      },
    ],
  );
});

const report = (tests: number, failures: number, time: number, suite: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n` +
  `<testsuites name="deno test" tests="${tests}" failures="${failures}" errors="0" time="${time}">\n` +
  `  <testsuite name="${suite}" tests="${tests}" disabled="0" errors="0" failures="${failures}">\n` +
  `    <testcase name="t" classname="${suite}" time="0.1"></testcase>\n` +
  `  </testsuite>\n</testsuites>\n`;

Deno.test("mergeJunit sums the counts, keeps both groups' suites and the longest time", () => {
  const merged = mergeJunit([
    { name: "server", xml: report(700, 1, 480.5, "./a_test.ts"), code: 1 },
    { name: "client", xml: report(90, 0, 300, "./b_test.ts"), code: 0 },
  ]);
  assertMatch(
    merged,
    /<testsuites name="deno test" tests="790" failures="1" errors="0" time="480.500">/,
  );
  assertMatch(
    merged,
    /<testsuite name="\.\/a_test\.ts"[\s\S]*<testsuite name="\.\/b_test\.ts"/,
  );
  assertEquals(merged.match(/<testsuites\b/g)?.length, 1);
  assertMatch(merged, /<\/testsuites>\n$/);
});

Deno.test("mergeJunit counts a group that wrote no report as one named error", () => {
  const merged = mergeJunit([
    { name: "server", xml: report(5, 0, 1, "./a_test.ts"), code: 0 },
    { name: "client", xml: null, code: 137 },
  ]);
  assertMatch(merged, /tests="6" failures="0" errors="1"/);
  assertMatch(
    merged,
    /<error message="the client group's deno test wrote no JUnit report \(exit 137\)">/,
  );
});
