/**
 * Keeps the benchmark code from rotting: runs `bench/main.ts --quick` (tiny
 * counts) as a child process and checks that the JSON holds every figure
 * with a sane value. It never asserts timing thresholds: the goals are
 * judged by `deno task bench`, on a quiet machine, not by the test suite.
 *
 * @module
 */
import { assert, assertEquals } from "../server/testing/assert.ts";
import { processesWithEnv } from "./processes.ts";
import type { BenchResults } from "./report.ts";

const ROOT = new URL("../", import.meta.url);

/**
 * Number leaves, or objects of them, that may be zero or negative
 * (differences, counts of failures).
 */
const MAY_BE_NON_POSITIVE = new Set([
  "overhead_ms",
  "added",
  "added_over_global",
  "global_minus_event",
  "dropped_clients",
  // Copies of figures checked above (a count of dropped clients is 0).
  "goals",
  "max_deliveries_per_s",
  "fcp_runs",
  "load_before",
  "load_after",
  "long_tasks",
]);

/** Every number leaf of `value` with its dotted path. */
function numbers(value: unknown, path = ""): Array<[string, number]> {
  if (typeof value === "number") return [[path, value]];
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) =>
      numbers(v, path ? `${path}.${k}` : k)
    );
  }
  return [];
}

function positive(value: unknown, what: string): void {
  assert(
    typeof value === "number" && Number.isFinite(value) && value > 0,
    `${what} should be a finite positive number, got ${value}`,
  );
}

Deno.test({
  name: "deno task bench --quick writes every figure with sane values",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "flock-bench-test-" });
    const out = `${dir}/quick.json`;
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "bench/main.ts", "--quick", "--out", out],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGTERM"), 300_000);
      const [status, stdout, stderr] = await Promise.all([
        child.status,
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]).finally(() => clearTimeout(timer));
      assertEquals(
        status.code,
        0,
        `bench --quick failed:\n${stdout}\n${stderr}`,
      );
      assert(stdout.includes("Goals"), `No table printed:\n${stdout}`);

      const results = JSON.parse(await Deno.readTextFile(out)) as BenchResults;
      assertEquals(results.meta.mode, "quick");

      // Every figure is present …
      assertEquals(results.relay.map((l) => l.clients), [1, 10, 100, 1000]);
      for (const level of results.relay) {
        for (
          const v of [
            level.direct.p50_ms,
            level.direct.p99_ms,
            level.flock.p50_ms,
            level.flock.p99_ms,
            level.ratio_p50,
            level.ratio_p99,
            level.flock_cpu_us_per_event,
          ]
        ) positive(v, `relay at ${level.clients} clients`);
        // Every Flock sample was matched with the reference's.
        assertEquals(level.added.samples, level.flock.samples);
        assert(Number.isFinite(level.added.p50_ms), "added latency p50");
      }
      assertEquals(results.relay_real_opencode.map((l) => l.clients), [1]);
      for (const level of results.relay_real_opencode) {
        positive(level.deltas, "real OpenCode deltas");
        positive(level.added.samples, "real OpenCode added samples");
      }
      // The best step under the p99 limit can be none on a loaded machine:
      // that is a timing threshold, so only the steps must be sane.
      assert(results.throughput.steps.length > 0, "No fan-out steps");
      for (const step of results.throughput.steps) {
        positive(step.deliveries_per_s, `deliveries at ${step.rate_per_s}/s`);
      }
      positive(results.memory.idle_rss_mb, "idle RSS");
      positive(results.memory.loaded_rss_mb, "loaded RSS");
      positive(results.startup.first_ms, "first start-up");
      positive(results.startup.p50_ms, "start-up p50");
      positive(results.startup.p99_ms, "start-up p99");
      positive(results.shutdown.idle_p50_ms, "shutdown idle p50");
      positive(results.shutdown.streams_max_ms, "shutdown with streams max");
      positive(
        results.stalled_client.events_until_dropped,
        "events until the stalled client is dropped",
      );
      positive(results.stalled_client.wait_max_ms, "stalled client wait max");
      positive(results.readiness.own_ready_ms, "synthetic own ready");
      positive(results.readiness.flock_running_ms, "synthetic via Flock");
      positive(
        results.readiness_real_opencode.own_ready_ms,
        "OpenCode own ready",
      );
      positive(
        results.readiness_real_opencode.flock_running_ms,
        "OpenCode via Flock",
      );
      assertEquals(results.api.map((a) => a.route), [
        "GET /api/instances",
        "GET /api/sessions/{id}",
      ]);
      for (const a of results.api) {
        positive(a.p50_ms, `${a.route} p50`);
        positive(a.p99_ms, `${a.route} p99`);
      }
      positive(results.client.js_gzip_kb, "client first-paint JS");
      positive(results.client.js_lazy_gzip_kb, "client JS on demand");
      positive(results.client.css_gzip_kb, "client CSS");
      if (results.client.fcp_skipped === undefined) {
        positive(results.client.fcp_p50_ms, "first paint p50");
        positive(results.client.fcp_p99_ms, "first paint p99");
        const stream = results.client.stream;
        assert(stream, "No streamed-reply figures");
        positive(stream.deltas, "streamed deltas");
        positive(stream.first_tenth_us_per_delta, "CPU per delta, first");
        positive(stream.last_tenth_us_per_delta, "CPU per delta, last");
        positive(stream.longest_task_cpu_ms, "longest task (CPU)");
      } else {
        assert(
          Deno.env.get("CI") !== "true",
          `First paint skipped in CI: ${results.client.fcp_skipped}`,
        );
      }
      assertEquals(results.handoff.handoffs, 5);
      positive(results.handoff.p50_ms, "hand-off p50");
      positive(results.handoff.p99_ms, "hand-off p99");
      assertEquals(
        results.goals.length,
        results.client.stream === null ? 12 : 14,
      );

      // … and every number in the file is finite (positive unless it is a difference).
      for (const [path, value] of numbers(results)) {
        assert(Number.isFinite(value), `${path} is not finite: ${value}`);
        const keys = path.split(/[.[]/);
        if (!keys.some((key) => MAY_BE_NON_POSITIVE.has(key))) {
          assert(value > 0, `${path} should be positive, got ${value}`);
        }
      }

      // Nothing the bench started is left running.
      const runId = stderr.match(/run (\S+) done/)?.[1];
      assert(runId, `The bench did not report its run id:\n${stderr}`);
      assertEquals(processesWithEnv("FLOCK_BENCH_RUN", runId), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
