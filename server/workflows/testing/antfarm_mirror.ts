/**
 * Antfarm's real workflow files for the tests that need them. They are never
 * committed: tests extract them at run time from the local bare mirror of
 * github.com/snarktank/antfarm (`ANTFARM_MIRROR`, default
 * `/work/.mirror/snarktank+antfarm/repo`). Where it is absent (as in CI),
 * those tests are ignored, and say so in their names.
 *
 * @module
 */

/** The mirror's git directory. */
export const ANTFARM_MIRROR = Deno.env.get("ANTFARM_MIRROR") ??
  "/work/.mirror/snarktank+antfarm/repo";

/** Whether the mirror is on this machine. */
export const HAS_ANTFARM = (() => {
  try {
    return Deno.statSync(`${ANTFARM_MIRROR}/HEAD`).isFile;
  } catch {
    return false;
  }
})();

/** The suffix for names of tests that are ignored without the mirror. */
export const NEEDS_ANTFARM = HAS_ANTFARM
  ? "(antfarm mirror)"
  : `(ignored: no antfarm mirror at ${ANTFARM_MIRROR})`;

/** Antfarm's three real workflows. */
export const ANTFARM_WORKFLOWS = [
  "feature-dev",
  "bug-fix",
  "security-audit",
] as const;

/**
 * Extracts antfarm's `workflows/` and `agents/` into a new temp directory.
 *
 * @returns The directory (the caller removes it).
 */
export async function extractAntfarm(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "flock-antfarm-" });
  const tar = `${dir}/antfarm.tar`;
  await run("git", [
    `--git-dir=${ANTFARM_MIRROR}`,
    "archive",
    "--format=tar",
    `--output=${tar}`,
    "HEAD",
    "workflows",
    "agents",
  ]);
  await run("tar", ["-xf", tar, "-C", dir]);
  await Deno.remove(tar);
  return dir;
}

async function run(command: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `Cannot extract antfarm: ${command} exited ${code}: ${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
}
