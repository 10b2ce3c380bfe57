/**
 * What the directory picker lists for a typed path: the directory it points
 * into, and the start of the subfolder name being typed.
 *
 * @module
 */

/** A directory to list and the name prefix to keep. */
export interface PickerQuery {
  directory: string;
  filter: string;
}

/**
 * Reads a typed path (pure).
 *
 * @param typed What the user typed.
 * @returns The directory to list and the prefix to filter by, or
 *   undefined for a path that is not absolute.
 * @example
 * ```ts
 * pickerQuery("/home/me/pro"); // { directory: "/home/me", filter: "pro" }
 * pickerQuery("/home/me/");    // { directory: "/home/me", filter: "" }
 * ```
 */
export function pickerQuery(typed: string): PickerQuery | undefined {
  const path = typed.trim();
  if (!path.startsWith("/")) return undefined;
  const cut = path.lastIndexOf("/");
  const directory = path.slice(0, cut).replace(/\/+$/, "") || "/";
  return { directory, filter: path.slice(cut + 1) };
}
