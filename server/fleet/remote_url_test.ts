import { assertEquals, assertMatch, assertThrows } from "../testing/assert.ts";
import {
  checkRemotePassword,
  parseRemoteUrl,
  RemoteAddressError,
} from "./remote_url.ts";

Deno.test("parseRemoteUrl: origin and user", () => {
  assertEquals(parseRemoteUrl("http://box.lan:4096"), {
    origin: "http://box.lan:4096",
    username: "opencode",
  });
  assertEquals(parseRemoteUrl(" http://alice@10.0.0.2:4096/ "), {
    origin: "http://10.0.0.2:4096",
    username: "alice",
  });
  assertEquals(
    parseRemoteUrl("https://[::1]:8443").origin,
    "https://[::1]:8443",
  );
  assertEquals(parseRemoteUrl("http://box:80").origin, "http://box");
});

Deno.test("parseRemoteUrl: refuses what it cannot use, naming the field", () => {
  for (
    const [raw, why] of [
      ["box.lan:4096", /scheme|not a URL/],
      ["ftp://box", /scheme ftp: is not http/],
      ["http://u:secret@box:1", /carries a password/],
      ["http://box:1/api", /path, query or fragment/],
      ["http://box:1/?x=1", /path, query or fragment/],
      ["nonsense", /not a URL/],
    ] as const
  ) {
    const error = assertThrows(() => parseRemoteUrl(raw), RemoteAddressError);
    assertEquals(error.field, "url");
    assertMatch(error.message, /^Cannot use field "url"/);
    assertMatch(error.message, why);
    if (raw.includes("secret")) {
      assertEquals(error.message.includes("secret"), false);
    }
  }
});

Deno.test("checkRemotePassword: printable ASCII only", () => {
  checkRemotePassword("s3cret with spaces!");
  checkRemotePassword("");
  const error = assertThrows(
    () => checkRemotePassword("pässword"),
    RemoteAddressError,
  );
  assertEquals(error.field, "password");
  assertEquals(error.message.includes("pässword"), false);
});
