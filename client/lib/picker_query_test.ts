import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { pickerQuery } from "./picker_query.ts";

Deno.test("the picker follows the typed path", () => {
  deepStrictEqual(pickerQuery("/home/me/pro"), {
    directory: "/home/me",
    filter: "pro",
  });
  deepStrictEqual(pickerQuery("/home/me/"), {
    directory: "/home/me",
    filter: "",
  });
  deepStrictEqual(pickerQuery("  /home//me//x "), {
    directory: "/home//me",
    filter: "x",
  });
  deepStrictEqual(pickerQuery("/"), { directory: "/", filter: "" });
  deepStrictEqual(pickerQuery("/tm"), { directory: "/", filter: "tm" });
});

Deno.test("a relative or empty path lists nothing new", () => {
  strictEqual(pickerQuery(""), undefined);
  strictEqual(pickerQuery("relative/path"), undefined);
  strictEqual(pickerQuery("~/code"), undefined);
});
