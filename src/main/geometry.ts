/**
 * Window placement as pure geometry: where the popover opens under (or above, or beside) the tray
 * icon, and where the inspector reopens so it stays on a display that still exists. All in DIP.
 */

/** A rectangle in screen coordinates (DIP), as Electron's `Rectangle`. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Which side of the work area the tray sits on. */
export type TrayEdge = 'top' | 'bottom' | 'left' | 'right';

/** Space between the tray icon and the popover. @default 4 */
export const POPOVER_GAP = 4;

/**
 * The tray's side from its bounds and the display's work area (which excludes the menu bar or taskbar).
 * A tray inside the work area (an auto-hiding taskbar) counts by the nearer half.
 */
export function trayEdge(tray: Rect, workArea: Rect): TrayEdge {
  const slack = 2;
  if (tray.y + tray.height <= workArea.y + slack) return 'top';
  if (tray.y >= workArea.y + workArea.height - slack) return 'bottom';
  if (tray.x + tray.width <= workArea.x + slack) return 'left';
  if (tray.x >= workArea.x + workArea.width - slack) return 'right';
  return tray.y + tray.height / 2 < workArea.y + workArea.height / 2 ? 'top' : 'bottom';
}

/**
 * Where the popover's top-left corner goes: centred on the tray icon on the side away from the menu bar
 * or taskbar, then moved inside the work area. A tray with no bounds (Linux AppIndicator reports 0×0)
 * puts the popover in the work area's top-right corner (GNOME, KDE top panels), bottom-right on Windows.
 */
export function popoverPosition(tray: Rect, size: { width: number; height: number }, workArea: Rect, platform: NodeJS.Platform): { x: number; y: number } {
  let x: number;
  let y: number;
  if (tray.width === 0 && tray.height === 0 && tray.x === 0 && tray.y === 0) {
    x = workArea.x + workArea.width - size.width - POPOVER_GAP;
    y = platform === 'win32' ? workArea.y + workArea.height - size.height - POPOVER_GAP : workArea.y + POPOVER_GAP;
  } else {
    const cx = tray.x + tray.width / 2;
    const cy = tray.y + tray.height / 2;
    switch (trayEdge(tray, workArea)) {
      case 'top':
        x = cx - size.width / 2;
        y = tray.y + tray.height + POPOVER_GAP;
        break;
      case 'bottom':
        x = cx - size.width / 2;
        y = tray.y - size.height - POPOVER_GAP;
        break;
      case 'left':
        x = tray.x + tray.width + POPOVER_GAP;
        y = cy - size.height / 2;
        break;
      case 'right':
        x = tray.x - size.width - POPOVER_GAP;
        y = cy - size.height / 2;
        break;
    }
  }
  return { x: Math.round(clamp(x, workArea.x, workArea.x + workArea.width - size.width)), y: Math.round(clamp(y, workArea.y, workArea.y + workArea.height - size.height)) };
}

/** Clamps to [lo, hi]; when the window is wider than the room (hi < lo), aligns it to lo. */
function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, Math.max(lo, hi)));
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/** A saved window can be grabbed when this much of its title bar strip is on one work area. */
export const GRAB_STRIP = { width: 100, height: 30 } as const;

function isRect(r: unknown): r is Rect {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k])) && (o.width as number) > 0 && (o.height as number) > 0;
}

/**
 * The inspector's bounds on opening: the saved bounds when enough of the title bar is on a display
 * (size shrunk to fit that display), else the saved (or default) size centred on the primary display.
 * `saved` is whatever was stored, checked here.
 */
export function restoreBounds(saved: unknown, workAreas: readonly Rect[], primary: Rect, defaultSize: { width: number; height: number }): Rect {
  if (isRect(saved)) {
    const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: Math.min(GRAB_STRIP.height, saved.height) };
    const home = workAreas.find((wa) => {
      const o = overlap(titleBar, wa);
      return o.width >= Math.min(GRAB_STRIP.width, saved.width) && o.height >= Math.min(GRAB_STRIP.height, saved.height);
    });
    if (home) return { x: Math.round(saved.x), y: Math.round(saved.y), width: Math.round(Math.min(saved.width, home.width)), height: Math.round(Math.min(saved.height, home.height)) };
  }
  const size = isRect(saved) ? saved : defaultSize;
  const width = Math.min(size.width, primary.width);
  const height = Math.min(size.height, primary.height);
  return { x: Math.round(primary.x + (primary.width - width) / 2), y: Math.round(primary.y + (primary.height - height) / 2), width: Math.round(width), height: Math.round(height) };
}
