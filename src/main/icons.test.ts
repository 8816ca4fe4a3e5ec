import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { allTrayIconSpecs, drawAppIcon, drawTrayIcon, LEVEL_COLORS, trayIconSpec } from './icon-art.js';
import { crc32, encodePng, type Bitmap } from './png.js';

/** Reads back what encodePng wrote (no filters, one IDAT), checking every chunk's CRC. */
function decode(png: Buffer): Bitmap {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len), `${type} CRC`).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
    if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  return { width, height, rgba };
}

const pixels = (b: Bitmap) => Array.from({ length: b.width * b.height }, (_, i) => [...b.rgba.subarray(i * 4, i * 4 + 4)] as [number, number, number, number]);

describe('encodePng', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes a PNG that reads back pixel for pixel', () => {
    const bitmap = drawTrayIcon(32, [150, 150, 150], LEVEL_COLORS.alert);
    expect(decode(encodePng(bitmap))).toEqual(bitmap);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(3) })).toThrow(RangeError);
  });
});

describe('icon art', () => {
  it('draws the macOS template image in black with alpha only', () => {
    const px = pixels(trayIconSpec('ok', 'darwin').draw(2));
    expect(px.every(([r, g, b]) => r === 0 && g === 0 && b === 0)).toBe(true);
    const covered = px.filter(([, , , a]) => a > 128).length / px.length;
    expect(covered).toBeGreaterThan(0.2);
    expect(covered).toBeLessThan(0.6);
  });

  it('adds a red dot for an alert and an orange one for a warning', () => {
    const has = (b: Bitmap, [r, g, bl]: readonly number[]) => pixels(b).some((p) => p[0] === r && p[1] === g && p[2] === bl && p[3] === 255);
    expect(has(trayIconSpec('alert', 'darwin').draw(1), LEVEL_COLORS.alert)).toBe(true);
    expect(has(trayIconSpec('warning', 'linux').draw(1), LEVEL_COLORS.warning)).toBe(true);
    expect(has(trayIconSpec('ok', 'linux').draw(1), LEVEL_COLORS.alert)).toBe(false);
  });

  it('names the files macOS expects, at 16 and 32 px', () => {
    expect(trayIconSpec('ok', 'darwin')).toMatchObject({ name: 'trayTemplate', template: true });
    expect(allTrayIconSpecs().map((s) => s.name)).toEqual(['trayTemplate', 'trayOk', 'trayWarning', 'trayAlert']);
    expect(trayIconSpec('ok', 'darwin').draw(1).width).toBe(16);
    expect(trayIconSpec('ok', 'darwin').draw(2).width).toBe(32);
  });

  it('draws the app icon with transparent corners and an opaque middle', () => {
    const icon = drawAppIcon(64);
    expect(icon.rgba[3]).toBe(0);
    expect(icon.rgba[(32 * 64 + 32) * 4 + 3]).toBe(255);
  });
});
