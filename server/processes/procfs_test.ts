import assert from "node:assert/strict";
import {
  ancestorsOf,
  descendantsOf,
  parseEnviron,
  parseNulList,
  parseRssBytes,
  parseStat,
  ProcReader,
  type ProcStat,
} from "./procfs.ts";
import { fakeProc, statLine } from "../testing/fake_proc.ts";

Deno.test("parseStat reads fields after the last ')' and drops zombies", () => {
  const line = statLine(42, "we) ird (name", "S", 7, 12345);
  assert.deepEqual(parseStat(42, line), {
    pid: 42,
    comm: "we) ird (name",
    state: "S",
    ppid: 7,
    pgid: 42,
    sid: 42,
    start: 12345,
  });
  assert.equal(parseStat(42, statLine(42, "z", "Z", 7, 1)), null);
  assert.equal(parseStat(42, statLine(42, "x", "X", 7, 1)), null);
  assert.equal(parseStat(42, "garbage"), null);
  assert.equal(parseStat(42, "42 (a) S x y"), null);
});

Deno.test("a real /proc/<pid>/stat parses to this process", () => {
  const stat = parseStat(
    Deno.pid,
    Deno.readTextFileSync(`/proc/${Deno.pid}/stat`),
  );
  assert.equal(stat?.pid, Deno.pid);
  assert.equal(stat?.ppid, Deno.ppid);
  assert.ok(stat && stat.start > 0);
});

Deno.test("NUL lists, environ and VmRSS", () => {
  assert.deepEqual(parseNulList("a\0b c\0"), ["a", "b c"]);
  assert.deepEqual(parseNulList(""), []);
  assert.deepEqual(parseEnviron("A=1\0B=x=y\0junk\0=z\0"), {
    A: "1",
    B: "x=y",
  });
  assert.equal(parseRssBytes("Name:\tx\nVmRSS:\t  1234 kB\n"), 1234 * 1024);
  assert.equal(parseRssBytes("Name:\tkthread\n"), null);
});

const tree: ProcStat[] = [
  [1, 0],
  [10, 1],
  [11, 10],
  [12, 11],
  [13, 10],
  [20, 1],
  [21, 20],
].map(([pid, ppid]) => ({
  pid: pid!,
  ppid: ppid!,
  comm: "x",
  state: "S",
  pgid: pid!,
  sid: pid!,
  start: 1,
}));

Deno.test("descendantsOf and ancestorsOf", () => {
  assert.deepEqual(
    descendantsOf([10], tree).map((p) => p.pid).sort(),
    [11, 12, 13],
  );
  assert.deepEqual(
    descendantsOf([11, 20], tree).map((p) => p.pid).sort(),
    [12, 21],
  );
  assert.deepEqual(descendantsOf([99], tree), []);
  assert.deepEqual([...ancestorsOf(12, tree)], [12, 11, 10]);
});

Deno.test("ProcReader over a fake /proc: env match, describe, pid reuse", () => {
  const reader = new ProcReader(fakeProc({
    "5/stat": statLine(5, "sleep", "S", 1, 100),
    "5/cmdline": "sleep\x0030\0",
    "5/environ": "FLOCK_INSTANCE_ID=inst_a\0HOME=/h\0",
    "6/stat": statLine(6, "zombie", "Z", 1, 100),
    "6/environ": "FLOCK_INSTANCE_ID=inst_a\0",
    "7/stat": statLine(7, "bash", "S", 1, 200),
    "7/environ": "FLOCK_INSTANCE_ID=inst_b\0",
    "8/stat": statLine(8, "secret", "S", 1, 300),
  }));
  assert.deepEqual(reader.all().map((p) => p.pid), [5, 7, 8]);
  assert.deepEqual(
    reader.withEnv("FLOCK_INSTANCE_ID", "inst_a").map((p) => p.pid),
    [5],
  );
  const five = reader.stat(5)!;
  assert.deepEqual(reader.describe(five, ["FLOCK_INSTANCE_ID", "NOPE"]), {
    pid: 5,
    ppid: 1,
    pgid: 5,
    sid: 5,
    state: "S",
    start: 100,
    cmdline: ["sleep", "30"],
    env: { FLOCK_INSTANCE_ID: "inst_a" },
  });
  assert.deepEqual(reader.describe(reader.stat(8)!, ["X"]).cmdline, []);
  assert.ok(reader.isSame(5, 100));
  assert.ok(!reader.isSame(5, 101), "a reused pid has another start time");
  assert.ok(!reader.isSame(6, 100), "a zombie is gone");
  assert.equal(reader.rssBytes(5), null);
});
