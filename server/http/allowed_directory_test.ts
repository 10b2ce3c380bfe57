import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { BadRequestError, ForbiddenError } from "./errors.ts";
import { isInside, resolveAllowedDirectory } from "./allowed_directory.ts";

Deno.test("resolveAllowedDirectory: absolute, existing, a directory, inside the roots, symlinks resolved", async () => {
  const tmp = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "flock-dirs-" }),
  );
  try {
    const root = `${tmp}/root`;
    const outside = `${tmp}/outside`;
    await Deno.mkdir(`${root}/project/sub`, { recursive: true });
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${root}/file.txt`, "x");
    await Deno.symlink(outside, `${root}/escape`);
    await Deno.symlink(`${root}/project`, `${tmp}/into-root`);
    await Deno.mkdir(`${tmp}/rootish`);

    assertEquals(
      await resolveAllowedDirectory(`${root}/project`, [root]),
      `${root}/project`,
    );
    assertEquals(
      await resolveAllowedDirectory(`${root}/project/sub/..`, [root]),
      `${root}/project`,
    );
    assertEquals(await resolveAllowedDirectory(root, [root]), root);
    assertEquals(
      await resolveAllowedDirectory(`${tmp}/into-root`, [root]),
      `${root}/project`,
      "a symlink that lands inside a root is fine",
    );
    assertEquals(await resolveAllowedDirectory(outside, []), outside);

    const cases: [
      string,
      string,
      typeof BadRequestError | typeof ForbiddenError,
    ][] = [
      ["relative/path", "invalid_directory", BadRequestError],
      ["", "invalid_directory", BadRequestError],
      [`${root}/a\0b`, "invalid_directory", BadRequestError],
      [`${root}/missing`, "directory_not_found", BadRequestError],
      [`${root}/file.txt`, "not_a_directory", BadRequestError],
      [`${root}/file.txt/x`, "not_a_directory", BadRequestError],
      [`${root}/escape`, "directory_not_allowed", ForbiddenError],
      [`${root}/../outside`, "directory_not_allowed", ForbiddenError],
      [`${tmp}/rootish`, "directory_not_allowed", ForbiddenError],
      ["/", "directory_not_allowed", ForbiddenError],
    ];
    for (const [path, code, type] of cases) {
      const error = await assertRejects(
        () => resolveAllowedDirectory(path, [root]),
        type,
      );
      assertEquals(error.code, code, path);
    }
    assert(isInside("/a/b", "/a"));
    assert(isInside("/a", "/a"));
    assert(!isInside("/ab", "/a"));
    assert(isInside("/x", "/"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
