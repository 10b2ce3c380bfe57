import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { MisdirectedRequestError } from "./errors.ts";
import {
  assertSafeBind,
  createHostCheck,
  InsecureBindError,
  isLoopbackAddress,
  parseHostHeader,
} from "./host_rules.ts";

Deno.test("bind rule, Host parsing and loopback detection", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert(isLoopbackAddress(h), h);
    assertSafeBind(h, false);
  }
  for (
    const h of ["0.0.0.0", "::", "192.168.1.5", "127.0.0.256", "example.com"]
  ) {
    assert(!isLoopbackAddress(h), h);
    assertThrows(() => assertSafeBind(h, false), InsecureBindError);
    assertSafeBind(h, true);
  }
  assertEquals(parseHostHeader("LocalHost:8080"), {
    name: "localhost",
    port: 8080,
  });
  assertEquals(parseHostHeader("[::1]:9"), { name: "[::1]", port: 9 });
  assertEquals(parseHostHeader("127.0.0.1"), {
    name: "127.0.0.1",
    port: undefined,
  });
  for (
    const bad of [
      "",
      "::1",
      "a b",
      "host:",
      "host:0",
      "host:99999",
      "host:80:80",
      "[::1",
      "[::1]x",
      "localhost.",
      "ev\u0131l.test",
      "a@b",
    ]
  ) {
    assertEquals(parseHostHeader(bad), undefined, bad);
  }
});

Deno.test("createHostCheck: Flock's names on its port, --host, allowed hosts; else 421", () => {
  const check = createHostCheck({
    host: "192.0.2.7",
    listenPort: () => 8080,
    allowedHosts: ["flock.lan", "proxy.lan:8443", "fe80::1"],
  });
  const url = new URL("http://127.0.0.1:8080/api/health");
  const host = (value: string) =>
    check(new Request(url, { headers: { host: value } }), url);
  for (
    const ok of [
      "127.0.0.1:8080",
      "LOCALHOST:8080",
      "[::1]:8080",
      "192.0.2.7:8080",
      "flock.lan",
      "flock.lan:1",
      "proxy.lan:8443",
      "[fe80::1]:9",
    ]
  ) {
    assertEquals(host(ok), ok.toLowerCase(), ok);
  }
  for (
    const bad of [
      "127.0.0.1:8081",
      "localhost",
      "evil.example:8080",
      "proxy.lan:8444",
      "proxy.lan",
      "flock.lan.evil.test",
      "",
      "a b",
    ]
  ) {
    const error = assertThrows(() => host(bad), MisdirectedRequestError);
    assertEquals(error.status, 421, bad);
    assertEquals(error.code, "misdirected_request");
  }
  // Before the port is known (an app called in-process), any port passes.
  const early = createHostCheck({ listenPort: () => undefined });
  assertEquals(
    early(new Request(url, { headers: { host: "localhost:1" } }), url),
    "localhost:1",
  );
  // The message says how to allow the name, and clips what it quotes.
  const error = assertThrows(
    () => host("x".repeat(300)),
    MisdirectedRequestError,
  );
  assert(error.message.includes("--allowed-host"), error.message);
  assert(error.message.length < 400, error.message);
});
