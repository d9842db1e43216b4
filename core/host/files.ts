/**
 * The rule that decides which paths the editor may touch, shared by both
 * hosts. (Files are replaced with core/atomic-write.)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export class PathRefusedError extends Error {}

export function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The real path of `target`, or of its nearest existing ancestor joined with the rest, so symlinks are seen through before they exist. */
async function realPathOfNearest(target: string): Promise<string> {
  const rest: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) return target;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolves a path the editor sent against the workspace and refuses it when
 * it leaves the workspace (`..`, an absolute path elsewhere, or a symlink
 * pointing out), unless `granted` allows it (paths the user chose in a
 * native dialog).
 */
export async function resolveAllowedPath(workspace: string, requested: string, granted: (absolute: string) => boolean = () => false): Promise<string> {
  if (requested.includes('\0')) throw new PathRefusedError(`refused path '${requested.replace(/\0/g, '\\0')}': it contains a NUL character`);
  const absolute = path.resolve(workspace, requested);
  if (granted(absolute)) return absolute;
  if (isInside(workspace, absolute)) {
    const realWorkspace = await realPathOfNearest(workspace);
    if (isInside(realWorkspace, await realPathOfNearest(absolute))) return absolute;
  }
  throw new PathRefusedError(
    `refused path '${requested}': it is outside the workspace ${workspace}. Open and save graphs inside the workspace, or set TENSORWEAVE_WORKSPACE to another folder.`,
  );
}
