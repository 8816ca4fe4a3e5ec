/** Flame graph colours: a stable hue per Go package (hashed from the name), and red/green for growth and shrink in a diff. */

/** The Go package of a function name: `net/http.(*conn).serve` → `net/http`, `main.leakHeap` → `main`. */
export function packageOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot > 0 ? name.slice(0, dot) : name;
}

/** FNV-1a 32-bit hash of a string: stable across runs and machines. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The hue (0-359 degrees) of a package: the same package always gets the same hue. */
export function packageHue(pkg: string): number {
  return fnv1a(pkg) % 360;
}

/** Colours the canvas needs as values (it cannot read CSS variables per frame). */
export interface FlamePalette {
  dark: boolean;
  /** Fill of a frame by hue. */
  frameFill(hue: number): string;
  /** Fill of frames a search leaves out. */
  dimFill: string;
  text: string;
  dimText: string;
  /** Outline of the hovered frame. */
  hoverStroke: string;
  /** Fill of a search match (frames keep their package hue, matches get this outline). */
  matchStroke: string;
  background: string;
  /** Diff fills: `ratio` in [-1, 1], negative = shrank (green), positive = grew (red). */
  diffFill(ratio: number): string;
}

const DIFF_STEPS = 12;

function makePalette(dark: boolean): FlamePalette {
  const cache = new Map<number, string>();
  const diffCache = new Map<number, string>();
  return {
    dark,
    frameFill(hue) {
      let c = cache.get(hue);
      if (!c) {
        c = dark ? `hsl(${hue} 38% 34%)` : `hsl(${hue} 62% 80%)`;
        cache.set(hue, c);
      }
      return c;
    },
    dimFill: dark ? '#262b33' : '#eceef1',
    text: dark ? '#e7e9ed' : '#16191f',
    dimText: dark ? '#6b7280' : '#9aa1ad',
    hoverStroke: dark ? '#ffffff' : '#16191f',
    matchStroke: dark ? '#fbbf24' : '#b45309',
    background: dark ? '#191d23' : '#ffffff',
    diffFill(ratio) {
      const r = Math.max(-1, Math.min(1, ratio));
      const step = Math.round(r * DIFF_STEPS);
      let c = diffCache.get(step);
      if (!c) {
        const a = Math.abs(step) / DIFF_STEPS;
        if (step === 0) c = dark ? 'hsl(220 8% 30%)' : 'hsl(220 10% 88%)';
        else if (step > 0) c = dark ? `hsl(0 ${35 + 30 * a}% ${26 + 12 * a}%)` : `hsl(0 ${60 + 20 * a}% ${93 - 22 * a}%)`;
        else c = dark ? `hsl(140 ${28 + 25 * a}% ${24 + 10 * a}%)` : `hsl(140 ${40 + 20 * a}% ${92 - 22 * a}%)`;
        diffCache.set(step, c);
      }
      return c;
    },
  };
}

/** The light and dark palettes. */
export const LIGHT_FLAME = makePalette(false);
export const DARK_FLAME = makePalette(true);

/** Hue of each frame id of a layout's names, computed once per layout. */
export function frameHues(names: readonly string[]): Uint16Array {
  const hues = new Uint16Array(names.length);
  const byPkg = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const pkg = packageOf(names[i]!);
    let h = byPkg.get(pkg);
    if (h === undefined) byPkg.set(pkg, (h = packageHue(pkg)));
    hues[i] = h;
  }
  return hues;
}
