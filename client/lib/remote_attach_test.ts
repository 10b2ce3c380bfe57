import { assertEquals } from "../../server/testing/assert.ts";
import { checkRemoteUrl, remoteAttachProblem } from "./remote_attach.ts";

Deno.test("remoteAttachProblem: a headline per reason over the server's message", () => {
  const titles = [
    "remote_unreachable",
    "remote_unauthorized",
    "remote_not_opencode",
    "remote_not_permitted",
    "instance_exists",
    "invalid_field",
  ].map((code) => remoteAttachProblem(code, "m").title);
  assertEquals(titles, [
    "Cannot reach the server",
    "Wrong password",
    "Not an OpenCode server",
    "Host not allowed: restart Flock with --remote-host for it",
    "Already attached",
    "Cannot attach the server",
  ]);
  assertEquals(
    remoteAttachProblem("remote_unreachable", "Cannot reach x").detail,
    "Cannot reach x",
  );
});

Deno.test("checkRemoteUrl: http(s)://host[:port] only, a trailing slash dropped", () => {
  assertEquals(checkRemoteUrl(" http://10.0.0.5:4096/ "), {
    url: "http://10.0.0.5:4096",
  });
  assertEquals(checkRemoteUrl("https://box.example"), {
    url: "https://box.example",
  });
  for (const bad of ["", "10.0.0.5:4096", "http://h:1/path", "ftp://h"]) {
    assertEquals("error" in checkRemoteUrl(bad), true, bad);
  }
});
