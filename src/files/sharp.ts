import type { Sharp, SharpOptions } from 'sharp';

export type SharpModule = (options?: SharpOptions) => Sharp;

/**
 * `sharp`, when the host installed it (an optional peer dependency): without it, images are kept
 * as uploaded, metadata included, and have no thumbnails.
 */
export async function loadSharp(): Promise<SharpModule | null> {
  try {
    const loaded = (await import('sharp')) as unknown as { default: SharpModule };
    return loaded.default;
  } catch {
    return null;
  }
}
