/**
 * Whether a path exists, for tests that check what was (or was not) left on
 * disk.
 *
 * @module
 */

/** Whether a file or folder is there (errors other than NotFound throw). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
