/**
 * File access the engine's pure parts are handed instead of importing
 * node:fs: nodes that read files (a frozen feature network's model or
 * checkpoint) and datasets that read the user's images. The hosts with a
 * file system (trainer, CLI) pass core/node-io.ts; the editor passes none,
 * so nothing it bundles imports a Node module. Synchronous, because shape
 * rules, the compiler and samples are.
 */

export interface DecodeRequest {
  op: 'meta' | 'decode';
  files: string[];
  /** For decode: which half of a side-by-side image to keep (pix2pix pairs). */
  crop?: 'left' | 'right';
  /** For decode: the output size; the image is stretched to it. */
  width?: number;
  height?: number;
  /** Resampling kernel; sharp's default (lanczos3) when absent. */
  kernel?: 'cubic' | 'lanczos3' | 'nearest';
}

export type DecodeResult = { width: number; height: number } | { data: Uint8Array } | { error: string };

export interface NodeIO {
  readText(file: string): string;
  readBytes(file: string): Uint8Array;
  exists(file: string): boolean;
  /** Throws when `dir` does not exist or cannot be read. */
  isDirectory(dir: string): boolean;
  /** Names in a folder; throws when it cannot be read. */
  list(dir: string): string[];
  /** Changes whenever the file does (resolved path, modification time, size), for caches; throws when it cannot be read. */
  version(file: string): string;
  /** node:path's resolve, join, dirname and extname, for paths read from files and params. */
  resolve(...parts: string[]): string;
  join(...parts: string[]): string;
  dirname(file: string): string;
  extname(file: string): string;
  /** Image headers ('meta') or RGB pixels ('decode'), one result per file, in order. */
  decodeImages(request: DecodeRequest): DecodeResult[];
  /** The checkpoint folder `location` names: a run folder's latest checkpoints/step-… folder, or a checkpoint folder itself. */
  checkpointDir(location: string): string;
  /** A checkpoint folder's saved graph text and its weights by 'owner/name'. */
  readCheckpoint(dir: string): { graphText: string; weights: Record<string, Float32Array> };
}
