import { assertEquals } from "../testing/assert.ts";
import { touchesFrontEnd } from "./frontend_files.ts";

Deno.test("front-end files by extension or folder, tests excepted", () => {
  const cases: [string[], boolean][] = [
    [["src/App.tsx"], true],
    [["index.HTML"], true],
    [["web/styles/site.scss"], true],
    [["public/logo.svg"], true],
    [["src/components/button.ts"], true],
    [["pages\\home.ts"], true],
    [["server/db.ts", "README.md"], false],
    [["src/App.test.tsx", "src/__tests__/x.css", "a.spec.vue"], false],
    [["docs/public"], false],
    [[".css"], false],
    [[], false],
  ];
  for (const [paths, expected] of cases) {
    assertEquals(touchesFrontEnd(paths), expected, paths.join(", "));
  }
});
