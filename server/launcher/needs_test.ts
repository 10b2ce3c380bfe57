import { assertEquals } from "../testing/assert.ts";
import { type Config, parseConfig } from "../config.ts";
import {
  absolute,
  DEFAULT_CONTRIBUTORS,
  gitContributor,
  type LaunchContributor,
  type LaunchFacts,
  openCodeContributor,
  resolveLaunchNeeds,
} from "./needs.ts";

const PINNED = "/repo/node_modules/opencode-linux-x64/bin/opencode";

function facts(executables: string[], path = "/a:/b"): LaunchFacts {
  return {
    cwd: "/cwd",
    env: (name) => ({ HOME: "/h", PATH: path })[name],
    pathDirs: path.split(":"),
    isExecutable: (p) => executables.includes(p),
    pinnedOpenCode: PINNED,
  };
}

function config(args: string[] = []): Config {
  const parsed = parseConfig(args, {
    os: "linux",
    get: (name) => ({ HOME: "/h" })[name],
  });
  if (parsed.kind !== "run") throw new Error("not a run");
  return parsed.config;
}

Deno.test("OpenCode is resolved as the supervisor resolves it: PATH before the pinned copy", () => {
  assertEquals(
    openCodeContributor(config(), facts(["/b/opencode", PINNED])),
    { run: ["/b/opencode"] },
  );
  assertEquals(openCodeContributor(config(), facts([PINNED])), {
    run: [PINNED],
  });
  assertEquals(openCodeContributor(config(), facts([])), {});
});

Deno.test("git is the first one on PATH, as Deno resolves a bare command", () => {
  assertEquals(gitContributor(config(), facts(["/a/git", "/b/git"])), {
    run: ["/a/git"],
  });
  assertEquals(gitContributor(config(), facts(["/b/git"], "/a/:/b/")), {
    run: ["/b/git"],
  });
  assertEquals(gitContributor(config(), facts([])), {});
});

Deno.test("a later feature's contributor adds its hosts, writes, binaries and variables", () => {
  const remote: LaunchContributor = (c) => ({
    outboundHosts: ["oc.example:4096"],
    write: ["trees"],
    run: [`${c.dataDir}/bin/tool`],
    env: ["REMOTE_TOKEN"],
  });
  const needs = resolveLaunchNeeds(
    config(["--data-dir", "data", "--db", "../x.db", "--host", "::"]),
    facts(["/b/opencode", "/a/git"]),
    [...DEFAULT_CONTRIBUTORS, remote],
  );
  assertEquals(needs, {
    dataDir: "/cwd/data",
    dbPath: "/x.db",
    host: "::",
    port: 8080,
    run: ["/b/opencode", "/a/git", "/cwd/data/bin/tool"],
    outboundHosts: ["oc.example:4096"],
    write: ["/cwd/trees"],
    env: ["REMOTE_TOKEN"],
  });
});

Deno.test("absolute() resolves against the cwd and normalises . and ..", () => {
  assertEquals(absolute("x/./y/../z", "/c/d"), "/c/d/x/z");
  assertEquals(absolute("/a//b/", "/c"), "/a/b");
  assertEquals(absolute("../../..", "/c"), "/");
});
