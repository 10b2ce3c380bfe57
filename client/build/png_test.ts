import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { crc32, encodePng } from "./png.ts";

Deno.test("crc32 matches the PNG IEND constant", () => {
  assertEquals(crc32(new TextEncoder().encode("IEND")), 0xae426082);
});

Deno.test("encodePng writes a valid signature, IHDR and pixel data", () => {
  const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128]);
  const png = encodePng(2, 1, rgba);
  assertEquals([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer);
  assertEquals(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  assertEquals(view.getUint32(16), 2);
  assertEquals(view.getUint32(20), 1);
  const idatLength = view.getUint32(33);
  assertEquals(new TextDecoder().decode(png.subarray(37, 41)), "IDAT");
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  assertEquals([...raw], [0, ...rgba]);
  assertEquals(
    new TextDecoder().decode(png.subarray(png.length - 8, png.length - 4)),
    "IEND",
  );
});

Deno.test("encodePng rejects a bitmap of the wrong size", () => {
  assertThrows(() => encodePng(2, 2, new Uint8Array(4)), RangeError);
});
