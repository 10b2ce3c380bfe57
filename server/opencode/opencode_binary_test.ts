import assert from "node:assert/strict";
import {
  OpenCodeBinaryError,
  resolveOpenCodeBinary,
  splitPath,
} from "./opencode_binary.ts";

const PINNED = "/flock/node_modules/opencode-linux-x64/bin/opencode";

function existing(...paths: string[]): (p: string) => boolean {
  const set = new Set(paths);
  return (p) => set.has(p);
}

Deno.test("resolveOpenCodeBinary: the flag wins over everything", () => {
  const got = resolveOpenCodeBinary({
    flag: "/opt/oc",
    env: { FLOCK_OPENCODE: "/env/oc" },
    pathDirs: ["/usr/bin"],
    exists: existing("/opt/oc", "/env/oc", "/usr/bin/opencode", PINNED),
    pinnedPath: PINNED,
  });
  assert.deepEqual(got, { path: "/opt/oc", source: "flag" });
});

Deno.test("resolveOpenCodeBinary: FLOCK_OPENCODE comes before PATH", () => {
  const got = resolveOpenCodeBinary({
    env: { FLOCK_OPENCODE: "/env/oc" },
    pathDirs: ["/usr/bin"],
    exists: existing("/env/oc", "/usr/bin/opencode", PINNED),
    pinnedPath: PINNED,
  });
  assert.deepEqual(got, { path: "/env/oc", source: "env" });
});

Deno.test("resolveOpenCodeBinary: PATH in order, before the pinned copy", () => {
  const got = resolveOpenCodeBinary({
    env: {},
    pathDirs: ["", "/a", "/b/", "/c"],
    exists: existing("/b/opencode", "/c/opencode", PINNED),
    pinnedPath: PINNED,
  });
  assert.deepEqual(got, { path: "/b/opencode", source: "path" });
});

Deno.test("resolveOpenCodeBinary: falls back to the pinned copy", () => {
  const got = resolveOpenCodeBinary({
    env: { FLOCK_OPENCODE: "" },
    pathDirs: ["/a"],
    exists: existing(PINNED),
    pinnedPath: PINNED,
  });
  assert.deepEqual(got, { path: PINNED, source: "pinned" });
});

Deno.test("resolveOpenCodeBinary: nothing found says how to fix it", () => {
  assert.throws(
    () =>
      resolveOpenCodeBinary({
        env: {},
        pathDirs: ["/a"],
        exists: () => false,
        pinnedPath: PINNED,
      }),
    (error: unknown) => {
      assert.ok(error instanceof OpenCodeBinaryError);
      assert.equal(error.name, "OpenCodeBinaryError");
      assert.match(error.message, /deno install/);
      assert.match(error.message, /--opencode/);
      return true;
    },
  );
});

Deno.test("resolveOpenCodeBinary: a missing explicit choice is an error, not a fallback", () => {
  for (
    const options of [
      { flag: "/nope", env: {} },
      { env: { FLOCK_OPENCODE: "/nope" } },
    ]
  ) {
    assert.throws(
      () =>
        resolveOpenCodeBinary({
          ...options,
          pathDirs: ["/usr/bin"],
          exists: existing("/usr/bin/opencode", PINNED),
          pinnedPath: PINNED,
        }),
      OpenCodeBinaryError,
    );
  }
});

Deno.test("splitPath drops empty entries", () => {
  assert.deepEqual(splitPath("/a::/b"), ["/a", "/b"]);
  assert.deepEqual(splitPath(undefined), []);
});
