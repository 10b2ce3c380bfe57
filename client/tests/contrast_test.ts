import { ok, strictEqual } from "node:assert/strict";
import {
  contrastRatio,
  over,
  relativeLuminance,
  requiredRatio,
  seenColors,
} from "./contrast.ts";

const near = (a: number, b: number, what: string) =>
  ok(Math.abs(a - b) < 0.01, `${what}: ${a} is not ${b}`);

Deno.test("luminance and ratio follow WCAG 2", () => {
  strictEqual(relativeLuminance([0, 0, 0, 1]), 0);
  strictEqual(relativeLuminance([255, 255, 255, 1]), 1);
  strictEqual(contrastRatio([0, 0, 0, 1], [255, 255, 255, 1]), 21);
  strictEqual(contrastRatio([10, 20, 30, 1], [10, 20, 30, 1]), 1);
  // a known pair: #767676 on white is 4.54:1
  near(
    contrastRatio([0x76, 0x76, 0x76, 1], [255, 255, 255, 1]),
    4.54,
    "767676",
  );
  // Tailwind 4's gray-500 (#6a7282) on gray-950 (#030712): the 4.1 the issue saw
  near(
    contrastRatio([0x6a, 0x72, 0x82, 1], [0x03, 0x07, 0x12, 1]),
    4.16,
    "gray-500",
  );
  // gray-400 (#99a1af) on gray-950 passes
  ok(contrastRatio([0x99, 0xa1, 0xaf, 1], [0x03, 0x07, 0x12, 1]) >= 4.5);
});

Deno.test("translucent layers are composited from the page up", () => {
  const half = over([255, 255, 255, 0.5], [0, 0, 0, 1]);
  near(half[0], 127.5, "red");
  strictEqual(half[3], 1);
  strictEqual(over([1, 2, 3, 0], [9, 9, 9, 1])[0], 9);
  const { fg, bg } = seenColors(
    [255, 255, 255, 0.8],
    [[255, 0, 0, 0.1], [0, 0, 0, 1]],
    0.5,
  );
  near(bg[0], 25.5, "background red");
  near(fg[0], 25.5 + (255 - 25.5) * 0.4, "text red");
});

Deno.test("large text needs 3:1, the rest 4.5:1", () => {
  strictEqual(requiredRatio(12, 400), 4.5);
  strictEqual(requiredRatio(24, 400), 3);
  strictEqual(requiredRatio(19, 700), 3);
  strictEqual(requiredRatio(19, 600), 4.5);
});
