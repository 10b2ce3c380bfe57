import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../testing/assert.ts";
import { MethodNotAllowedError, UnauthorizedError } from "./errors.ts";
import {
  constantTimeEqual,
  createTokenAuth,
  randomToken,
} from "./token_auth.ts";

Deno.test("constant-time compare and random tokens", async () => {
  assert(await constantTimeEqual("abc", "abc"));
  assert(!await constantTimeEqual("abc", "abd"));
  assert(!await constantTimeEqual("abc", "abcd"));
  assert(!await constantTimeEqual("", "a"));
  const a = randomToken();
  assertEquals(a.length, 43);
  assertMatch(a, /^[A-Za-z0-9_-]+$/);
  assert(a !== randomToken());
});

const TOKEN = "test-token-0123456789abcdef";

Deno.test("createTokenAuth: the bearer token or the session cookie; a login code works once, by GET only", async () => {
  let used = 0;
  const auth = createTokenAuth(TOKEN, () => used++);
  assert(auth.required);
  const api = new URL("http://127.0.0.1:8080/api/health");
  const get = (headers: Record<string, string>) =>
    auth.authenticated(new Request(api, { headers }), api);
  assert(!await get({}));
  assert(await get({ authorization: `Bearer ${TOKEN}` }));
  assert(await get({ authorization: `bearer   ${TOKEN} ` }));
  assert(!await get({ authorization: `Bearer ${TOKEN}x` }));
  assert(!await get({ authorization: `Basic ${btoa(`x:${TOKEN}`)}` }));
  assert(!await get({ cookie: `flock_session_8080=${TOKEN}` }));

  const code = auth.issueLoginCode();
  const login = new URL(`http://127.0.0.1:8080/login?code=${code}`);
  const head = await assertRejects(
    () => auth.login(new Request(login, { method: "HEAD" }), login),
    MethodNotAllowedError,
  );
  assertEquals(head.headers["allow"], "GET");
  const res = await auth.login(new Request(login), login);
  assertEquals(res.status, 303);
  assertEquals(res.headers.get("location"), "/");
  assertEquals(used, 1);
  const setCookie = res.headers.get("set-cookie") ?? "";
  assertMatch(
    setCookie,
    /^flock_session_8080=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=2592000$/,
  );
  const cookie = setCookie.split(";")[0] ?? "";
  assert(await get({ cookie }));
  // Another Flock's port uses another cookie name.
  const other = new URL("http://127.0.0.1:8081/api/health");
  assert(
    !await auth.authenticated(
      new Request(other, { headers: { cookie } }),
      other,
    ),
  );

  const again = await assertRejects(
    () => auth.login(new Request(login), login),
    UnauthorizedError,
  );
  assertEquals(again.code, "invalid_login_code");
  assertEquals(used, 1);
});

Deno.test("createTokenAuth: only the 8 newest login codes are kept", async () => {
  const auth = createTokenAuth(TOKEN);
  const codes = Array.from({ length: 9 }, () => auth.issueLoginCode());
  const use = (code: string) => {
    const url = new URL(`http://127.0.0.1:8080/login?code=${code}`);
    return auth.login(new Request(url), url);
  };
  await assertRejects(() => use(codes[0] ?? ""), UnauthorizedError);
  assertEquals((await use(codes[8] ?? "")).status, 303);
});

Deno.test("createTokenAuth without a token: everything passes, /login only redirects, no codes", async () => {
  const auth = createTokenAuth(undefined);
  assert(!auth.required);
  const url = new URL("http://127.0.0.1:8080/login?code=x");
  assert(await auth.authenticated(new Request(url), url));
  const res = await auth.login(new Request(url), url);
  assertEquals(res.status, 303);
  assertEquals(res.headers.get("set-cookie"), null);
  assertThrows(() => auth.issueLoginCode(), Error);
});
