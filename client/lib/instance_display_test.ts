import { assertEquals } from "../../server/testing/assert.ts";
import {
  acceptsMessages,
  formatBytes,
  formatIdleTimeout,
  instancePhase,
  isAsleep,
  memoryTotal,
  parseIdleTimeout,
  phaseDotClass,
  phaseLabel,
  recycleNote,
  remoteHost,
} from "./instance_display.ts";

const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

Deno.test("formatBytes: binary units, one decimal below 10, none when it is .0", () => {
  assertEquals(
    [
      0,
      512,
      1536,
      10 * KIB,
      437.3 * MIB,
      1023.9 * MIB,
      GIB,
      1.2 * GIB,
      15.3 * GIB,
      2048 * GIB,
    ].map(formatBytes),
    [
      "0 B",
      "512 B",
      "1.5 KiB",
      "10 KiB",
      "437 MiB",
      "1 GiB",
      "1 GiB",
      "1.2 GiB",
      "15 GiB",
      "2 TiB",
    ],
  );
  assertEquals([formatBytes(-1), formatBytes(NaN)], ["?", "?"]);
});

Deno.test("instancePhase: starting with hibernated_at set is waking; labels and dots", () => {
  const at = "2026-12-01T14:00:00.000Z";
  assertEquals(
    instancePhase({ status: "starting", hibernated_at: at }),
    "waking",
  );
  assertEquals(
    instancePhase({ status: "starting", hibernated_at: null }),
    "starting",
  );
  assertEquals(
    instancePhase({ status: "hibernated", hibernated_at: at }),
    "hibernated",
  );
  assertEquals(
    ["waking", "starting", "hibernated", "hibernating", "running"].map((p) =>
      phaseLabel(p as Parameters<typeof phaseLabel>[0])
    ),
    [
      "Waking…",
      "Starting…",
      "Hibernated · wakes on use",
      "Going to sleep…",
      "Running",
    ],
  );
  assertEquals(phaseDotClass("waking"), "bg-sky-400 animate-pulse");
  assertEquals(phaseDotClass("running"), "bg-emerald-400");
  assertEquals(
    (["hibernated", "hibernating", "waking", "running"] as const).map(isAsleep),
    [true, true, false, false],
  );
});

Deno.test("memoryTotal: sums the measured instances and counts them", () => {
  assertEquals(memoryTotal([]), { bytes: 0, measured: 0 });
  assertEquals(
    memoryTotal([
      { memory_rss_bytes: 400 * MIB },
      { memory_rss_bytes: null },
      { memory_rss_bytes: 600 * MIB },
    ]),
    { bytes: GIB - 24 * MIB, measured: 2 },
  );
});

Deno.test("recycleNote: when, how much and the ceiling", () => {
  const note = recycleNote(
    { at: "2026-12-01T14:02:00.000Z", rss_bytes: 1.2 * GIB, limit_bytes: GIB },
    (ms) => new Date(ms).toISOString().slice(11, 16),
  );
  assertEquals(note, "Recycled at 14:02: 1.2 GiB over 1 GiB");
  assertEquals(
    recycleNote(
      { at: "garbage", rss_bytes: 2 * GIB, limit_bytes: GIB },
      () => "never",
    ),
    "Recycled at garbage: 2 GiB over 1 GiB",
  );
});

Deno.test("remoteHost: host and port without the user", () => {
  assertEquals(remoteHost("http://opencode@10.0.0.5:4096"), "10.0.0.5:4096");
  assertEquals(remoteHost("https://box.example"), "box.example");
  assertEquals(remoteHost("not a url"), "not a url");
});

Deno.test("idle timeouts: shown for people, parsed as whole seconds or blank", () => {
  assertEquals(
    [0, 5, 90, 900, 3600, 5400].map(formatIdleTimeout),
    ["never", "5 s", "90 s", "15 min", "1 h", "1 h 30 min"],
  );
  assertEquals(parseIdleTimeout(" "), { value: null });
  assertEquals(parseIdleTimeout("0"), { value: 0 });
  assertEquals(parseIdleTimeout(" 300 "), { value: 300 });
  for (const bad of ["-1", "1.5", "15m", "abc"]) {
    const parsed = parseIdleTimeout(bad);
    assertEquals("error" in parsed, true, bad);
  }
});

Deno.test("acceptsMessages: running or on its way there (a send wakes a sleeping instance)", () => {
  assertEquals(
    ([
      "running",
      "starting",
      "hibernating",
      "hibernated",
      "stopped",
      "stopping",
      "error",
      undefined,
    ] as const).map(acceptsMessages),
    [true, true, true, true, false, false, false, false],
  );
});
