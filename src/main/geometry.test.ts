import { describe, expect, it } from 'vitest';
import { popoverPosition, restoreBounds, trayEdge, type Rect } from './geometry.js';

const size = { width: 380, height: 560 };
// A 1440 × 900 MacBook screen: the menu bar takes the top 25 px.
const macWork: Rect = { x: 0, y: 25, width: 1440, height: 875 };

describe('popoverPosition', () => {
  it('opens centred under a macOS menu bar icon', () => {
    const tray = { x: 1000, y: 0, width: 22, height: 24 };
    expect(trayEdge(tray, macWork)).toBe('top');
    expect(popoverPosition(tray, size, macWork, 'darwin')).toEqual({ x: 1000 + 11 - 190, y: 28 });
  });

  it('stays inside the work area when the icon is near the right edge', () => {
    const tray = { x: 1420, y: 0, width: 20, height: 24 };
    expect(popoverPosition(tray, size, macWork, 'darwin')).toEqual({ x: 1440 - 380, y: 28 });
  });

  it('stays inside the work area when the icon is near the left edge', () => {
    expect(popoverPosition({ x: 5, y: 0, width: 20, height: 24 }, size, macWork, 'darwin').x).toBe(0);
  });

  it('opens above a taskbar at the bottom (Windows, KDE)', () => {
    const work: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
    const tray = { x: 1700, y: 1045, width: 24, height: 30 };
    expect(trayEdge(tray, work)).toBe('bottom');
    expect(popoverPosition(tray, size, work, 'win32')).toEqual({ x: 1712 - 190, y: 1040 - 560 }) // above the icon, kept inside the work area;
  });

  it('opens beside a taskbar on the left or the right', () => {
    const left: Rect = { x: 60, y: 0, width: 1860, height: 1080 };
    const trayLeft = { x: 10, y: 900, width: 40, height: 40 };
    expect(popoverPosition(trayLeft, size, left, 'linux')).toEqual({ x: 60, y: 1080 - 560 });
    const right: Rect = { x: 0, y: 0, width: 1860, height: 1080 };
    const trayRight = { x: 1870, y: 100, width: 40, height: 40 };
    expect(popoverPosition(trayRight, size, right, 'linux')).toEqual({ x: 1860 - 380, y: 0 });
  });

  it('works on a second display left of and above the primary one', () => {
    const work: Rect = { x: -1920, y: -300, width: 1920, height: 1055 };
    const tray = { x: -400, y: -325, width: 22, height: 24 };
    expect(popoverPosition(tray, size, work, 'darwin')).toEqual({ x: -400 + 11 - 190, y: -297 });
  });

  it('puts a tray without bounds (Linux AppIndicator) in the top-right corner', () => {
    const work: Rect = { x: 0, y: 32, width: 1920, height: 1048 };
    expect(popoverPosition({ x: 0, y: 0, width: 0, height: 0 }, size, work, 'linux')).toEqual({ x: 1920 - 380 - 4, y: 36 });
  });

  it('aligns to the top-left when the window is bigger than the work area', () => {
    const tiny: Rect = { x: 0, y: 25, width: 300, height: 400 };
    expect(popoverPosition({ x: 100, y: 0, width: 20, height: 24 }, size, tiny, 'darwin')).toEqual({ x: 0, y: 25 });
  });
});

describe('restoreBounds', () => {
  const primary: Rect = { x: 0, y: 25, width: 1440, height: 875 };
  const external: Rect = { x: 1440, y: 0, width: 2560, height: 1415 };
  const def = { width: 1100, height: 760 };

  it('centres the default size on the primary display the first time', () => {
    expect(restoreBounds(undefined, [primary], primary, def)).toEqual({ x: 170, y: 25 + 58, width: 1100, height: 760 });
  });

  it('keeps saved bounds that are on a display', () => {
    const saved = { x: 2000, y: 200, width: 1200, height: 800 };
    expect(restoreBounds(saved, [primary, external], primary, def)).toEqual(saved);
  });

  it('moves a window whose display is gone back to the primary display, keeping its size', () => {
    const saved = { x: 2000, y: 200, width: 1200, height: 800 };
    expect(restoreBounds(saved, [primary], primary, def)).toEqual({ x: 120, y: 25 + 38, width: 1200, height: 800 });
  });

  it('moves a window whose title bar is off screen', () => {
    const saved = { x: 100, y: -500, width: 800, height: 600 };
    const r = restoreBounds(saved, [primary], primary, def);
    expect(r.y).toBeGreaterThanOrEqual(25);
  });

  it('shrinks a window larger than its display', () => {
    const saved = { x: 0, y: 25, width: 3000, height: 2000 };
    expect(restoreBounds(saved, [primary], primary, def)).toEqual({ x: 0, y: 25, width: 1440, height: 875 });
  });

  it('ignores stored garbage', () => {
    for (const saved of [null, 'x', { x: 1 }, { x: 0, y: 0, width: -5, height: 10 }, { x: NaN, y: 0, width: 10, height: 10 }]) {
      expect(restoreBounds(saved, [primary], primary, def)).toEqual({ x: 170, y: 83, width: 1100, height: 760 });
    }
  });
});
