/**
 * leakbar's icons, drawn in code from one shape (a drop): the macOS template tray image, tray variants
 * with a warning or alert dot, and the 1024 px app icon. scripts/make-icons.ts writes them to assets/
 * at build time; the tray draws the same pixels in memory when assets/ was not built (e.g. `npm start`).
 */
import type { Bitmap } from './png.js';
import type { TrayLevel } from './tray-model.js';

type Rgb = readonly [number, number, number];

/** Dot colours for the tray's levels. */
export const LEVEL_COLORS: Record<Exclude<TrayLevel, 'ok'>, Rgb> = { warning: [245, 166, 35], alert: [229, 72, 77] };
/** The glyph colour of non-template tray images: readable on light and dark panels. */
export const GLYPH_GRAY: Rgb = [150, 150, 150];

/** True inside the drop, in unit coordinates (0..1, y down): a circle with a cone up to a tip. */
export function insideDrop(u: number, v: number): boolean {
  const cx = 0.5;
  const cy = 0.63;
  const r = 0.3;
  const tipY = 0.06;
  if ((u - cx) ** 2 + (v - cy) ** 2 <= r * r) return true;
  const d = cy - tipY;
  const tangentY = tipY + (d * d - r * r) / d;
  if (v < tipY || v > tangentY) return false;
  return Math.abs(u - cx) <= ((v - tipY) * r) / Math.sqrt(d * d - r * r);
}

function render(size: number, paint: (u: number, v: number) => [number, number, number, number] | null): Bitmap {
  const rgba = new Uint8Array(size * size * 4);
  const ss = 4; // 4 × 4 samples per pixel for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = paint((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size);
          if (!c) continue;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
      }
      rgba[i + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return { width: size, height: size, rgba };
}

/**
 * A tray image `size` px square: the drop in `glyph` (black for a macOS template image), with a dot of
 * `dot`'s colour at the bottom right, cut out of the drop so it reads on any background.
 */
export function drawTrayIcon(size: number, glyph: Rgb, dot: Rgb | null): Bitmap {
  const dx = 0.76;
  const dy = 0.76;
  const dr = 0.22;
  return render(size, (u, v) => {
    const dd = (u - dx) ** 2 + (v - dy) ** 2;
    if (dot && dd <= dr * dr) return [dot[0], dot[1], dot[2], 1];
    if (dot && dd <= (dr + 0.08) ** 2) return null;
    return insideDrop(u * 1.0, v) ? [glyph[0], glyph[1], glyph[2], 1] : null;
  });
}

/** The app icon: a white drop on a rounded square of deep blue, `size` px (1024 for macOS and Linux packages). */
export function drawAppIcon(size: number): Bitmap {
  const inset = 0.1; // macOS icons leave a margin around the rounded square
  const radius = 0.2;
  return render(size, (u, v) => {
    const x = (u - inset) / (1 - 2 * inset);
    const y = (v - inset) / (1 - 2 * inset);
    if (x < 0 || x > 1 || y < 0 || y > 1) return null;
    const qx = Math.max(radius - x, 0, x - (1 - radius));
    const qy = Math.max(radius - y, 0, y - (1 - radius));
    if (qx * qx + qy * qy > radius * radius) return null;
    if (insideDrop((x - 0.2) / 0.6, (y - 0.17) / 0.66)) return [255, 255, 255, 1];
    const t = y; // top-to-bottom gradient
    return [Math.round(28 + 10 * t), Math.round(64 + 40 * t), Math.round(140 + 50 * t), 1];
  });
}

/** One tray image file: its base name in assets/ (macOS adds @2x), and how to draw it at a scale. */
export interface TrayIconSpec {
  /** e.g. "trayTemplate": macOS treats a name ending in "Template" as a template image. */
  name: string;
  template: boolean;
  draw: (scale: 1 | 2) => Bitmap;
}

/** The tray's logical size in points. @default 16 */
export const TRAY_ICON_POINTS = 16;

/** The tray image for a level: the template drop on macOS when all is well, else the grey drop with a coloured dot. */
export function trayIconSpec(level: TrayLevel, platform: NodeJS.Platform): TrayIconSpec {
  if (level === 'ok' && platform === 'darwin') {
    return { name: 'trayTemplate', template: true, draw: (s) => drawTrayIcon(TRAY_ICON_POINTS * s, [0, 0, 0], null) };
  }
  const dot = level === 'ok' ? null : LEVEL_COLORS[level];
  const name = level === 'ok' ? 'trayOk' : level === 'warning' ? 'trayWarning' : 'trayAlert';
  return { name, template: false, draw: (s) => drawTrayIcon(TRAY_ICON_POINTS * s, GLYPH_GRAY, dot) };
}

/** Every tray image the build writes to assets/, each at 1× and 2×. */
export function allTrayIconSpecs(): TrayIconSpec[] {
  return [trayIconSpec('ok', 'darwin'), trayIconSpec('ok', 'linux'), trayIconSpec('warning', 'linux'), trayIconSpec('alert', 'linux')];
}
