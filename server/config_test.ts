import { assertEquals, assertMatch, assertThrows } from "./testing/assert.ts";
import {
  type Config,
  type ConfigEnv,
  defaultDataDir,
  parseConfig,
  UsageError,
} from "./config.ts";
import { VERSION } from "./version.ts";

function env(
  vars: Record<string, string>,
  os: ConfigEnv["os"] = "linux",
): ConfigEnv {
  return { os, get: (name) => vars[name] };
}

function run(
  args: string[],
  vars: Record<string, string> = { HOME: "/home/u" },
): Config {
  const parsed = parseConfig(args, env(vars));
  if (parsed.kind !== "run") {
    throw new Error(`expected run, got ${parsed.kind}`);
  }
  return parsed.config;
}

Deno.test("defaults", () => {
  assertEquals(run([]), {
    port: 8080,
    host: "127.0.0.1",
    dataDir: "/home/u/.local/share/flock",
    dbPath: "/home/u/.local/share/flock/flock.db",
    opencode: undefined,
    opencodeConfig: undefined,
    token: undefined,
    generateToken: false,
    allowedHosts: [],
    roots: [],
    eventBuffer: 10000,
    idleTimeoutS: 900,
    maxInstanceMemoryBytes: null,
    remoteHosts: [],
  });
});

Deno.test("every flag", () => {
  const c = run([
    "--port=9000",
    "--host",
    "::1",
    "--data-dir",
    "/data",
    "--db",
    "/elsewhere/x.db",
    "--opencode",
    "/bin/oc",
    "--opencode-config",
    "/etc/oc.json",
    "--token",
    "0123456789abcdef0123",
    "--allowed-host",
    "Flock.Local",
    "--allowed-host",
    "box",
    "--root",
    "/src",
    "--event-buffer",
    "50",
    "--idle-timeout",
    "0",
    "--max-instance-memory",
    "1536",
    "--remote-host",
    "Box.LAN:4096",
    "--remote-host",
    "[fe80::1]:80",
    "--remote-host",
    "10.0.0.2",
  ]);
  assertEquals(c, {
    port: 9000,
    host: "::1",
    dataDir: "/data",
    dbPath: "/elsewhere/x.db",
    opencode: "/bin/oc",
    opencodeConfig: "/etc/oc.json",
    token: "0123456789abcdef0123",
    generateToken: false,
    allowedHosts: ["flock.local", "box"],
    roots: ["/src"],
    eventBuffer: 50,
    idleTimeoutS: 0,
    maxInstanceMemoryBytes: 1536 * 1024 * 1024,
    remoteHosts: ["box.lan:4096", "[fe80::1]:80", "10.0.0.2"],
  });
  assertEquals(run(["--data-dir", "/d"]).dbPath, "/d/flock.db");
  assertEquals(run(["--port", "0"]).port, 0);
  assertEquals(run(["--", "--port", "9001"]).port, 9001);
  assertEquals(run(["--token", "generate"]).generateToken, true);
  assertEquals(
    run([], { HOME: "/h", FLOCK_TOKEN: "abcdefghijklmnopq" }).token,
    "abcdefghijklmnopq",
  );
});

Deno.test("the data dir follows the platform", () => {
  assertEquals(
    defaultDataDir(env({ HOME: "/h", XDG_DATA_HOME: "/x" })),
    "/x/flock",
  );
  assertEquals(
    defaultDataDir(env({ HOME: "/h", XDG_DATA_HOME: "rel" })),
    "/h/.local/share/flock",
  );
  assertEquals(
    defaultDataDir(env({ HOME: "/Users/a" }, "darwin")),
    "/Users/a/Library/Application Support/flock",
  );
  assertEquals(
    defaultDataDir(env({ APPDATA: "C:/Users/a/AppData" }, "windows")),
    "C:/Users/a/AppData/flock",
  );
});

Deno.test("help and version", () => {
  const help = parseConfig(["--help"], env({}));
  assertEquals(help.kind, "help");
  const version = parseConfig(["-V"], env({}));
  assertEquals(version, { kind: "version", text: `flock ${VERSION}` });
});

Deno.test("bad flags and values are usage errors", () => {
  const cases: [string[], RegExp][] = [
    [["--nope"], /Unknown option '--nope'/],
    [["--port"], /argument missing/],
    [["--port", "abc"], /--port: not an integer: abc/],
    [["--port", "70000"], /--port: 70000 is outside 0-65535/],
    [["--port", "-1"], /--port/],
    [["--port", "8.5"], /not an integer/],
    [["--host", ""], /--host: it is empty/],
    [["--data-dir", " "], /--data-dir: it is empty/],
    [["--token", "short"], /--token/],
    [["--root", "relative/dir"], /--root: not an absolute path/],
    [["--event-buffer", "0"], /--event-buffer/],
    [["--idle-timeout", "-5"], /--idle-timeout/],
    [["--idle-timeout", "9999999"], /--idle-timeout: 9999999 is outside/],
    [["--max-instance-memory", "0"], /--max-instance-memory/],
    [["--remote-host", "http://box:1"], /--remote-host: expected host/],
    [["--remote-host", "box:99999"], /--remote-host/],
    [["--remote-host", "a,b"], /--remote-host/],
    [["positional"], /Unexpected argument|positional/i],
  ];
  for (const [args, pattern] of cases) {
    const error = assertThrows(
      () => parseConfig(args, env({ HOME: "/h" })),
      UsageError,
    );
    assertMatch(error.message, pattern);
    assertEquals(error.message.includes("\n"), false, "one line");
  }
});
