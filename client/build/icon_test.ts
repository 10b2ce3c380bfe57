import { strictEqual } from "node:assert/strict";
import { renderIcon } from "./icon.ts";

function alphaAt(rgba: Uint8Array, size: number, x: number, y: number) {
  return rgba[(y * size + x) * 4 + 3];
}

Deno.test("a plain icon has transparent rounded corners and an opaque centre", () => {
  const size = 64;
  const rgba = renderIcon({ size });
  strictEqual(rgba.length, size * size * 4);
  strictEqual(alphaAt(rgba, size, 0, 0), 0);
  strictEqual(alphaAt(rgba, size, 32, 32), 255);
});

Deno.test("a maskable icon is fully opaque", () => {
  const size = 48;
  const rgba = renderIcon({ size, maskable: true });
  for (let i = 3; i < rgba.length; i += 4) strictEqual(rgba[i], 255);
});

Deno.test("rendering is deterministic", () => {
  const a = renderIcon({ size: 32 });
  const b = renderIcon({ size: 32 });
  strictEqual(a.join(","), b.join(","));
});
