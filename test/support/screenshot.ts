import { PNG } from "pngjs";

export interface PixelStats {
  readonly width: number;
  readonly height: number;
  /** Share of pixels that are not (near) white. */
  readonly inked: number;
  /** Distinct colours, quantised to 4 bits a channel. */
  readonly colours: number;
}

/** What a screenshot shows, coarsely: enough to tell a drawn page from a blank one. */
export function pixelStats(png: Buffer): PixelStats {
  const image = PNG.sync.read(png);
  let inked = 0;
  const colours = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) {
    const r = image.data[i] ?? 0;
    const g = image.data[i + 1] ?? 0;
    const b = image.data[i + 2] ?? 0;
    if (r < 240 || g < 240 || b < 240) inked += 1;
    colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
  }
  return { width: image.width, height: image.height, inked: inked / (image.width * image.height), colours: colours.size };
}
