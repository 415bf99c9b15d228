import { PNG } from 'pngjs';
import type { Bitmap } from './raster.js';

/** A 1-bit printer image as a greyscale PNG (black dots on white), for previews and tests. */
export function bitmapToPng(bm: Bitmap): Buffer {
  const png = new PNG({ width: bm.width, height: bm.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  const grey = Buffer.alloc(bm.width * bm.height);
  for (let y = 0; y < bm.height; y++) {
    for (let x = 0; x < bm.width; x++) {
      const on = bm.data[y * bm.bytesPerRow + (x >> 3)]! & (0x80 >> (x & 7));
      grey[y * bm.width + x] = on ? 0 : 255;
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** PNG back to a 1-bit bitmap (dark pixels = dots). */
export function pngToBitmap(buf: Buffer): Bitmap {
  const png = PNG.sync.read(buf);
  const bytesPerRow = Math.ceil(png.width / 8);
  const data = new Uint8Array(bytesPerRow * png.height);
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      if (png.data[(y * png.width + x) * 4]! < 128) data[y * bytesPerRow + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return { width: png.width, height: png.height, bytesPerRow, data };
}
