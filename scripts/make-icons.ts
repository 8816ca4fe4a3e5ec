/**
 * Writes leakbar's icons to assets/ from the drawing code in src/main/icon-art.ts: tray images at 1× and
 * 2× (macOS picks `@2x` by itself; a name ending in "Template" makes a template image) and the 1024 px app
 * icon electron-builder turns into .icns and the Linux icon set. Run by `predist`; the PNGs are not committed.
 *
 *   npx tsx scripts/make-icons.ts [outDir]    # default: assets
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allTrayIconSpecs, drawAppIcon } from '../src/main/icon-art.js';
import { encodePng } from '../src/main/png.js';

const outDir = resolve(process.argv[2] ?? 'assets');
mkdirSync(outDir, { recursive: true });

const written: string[] = [];
const write = (name: string, png: Buffer) => {
  writeFileSync(join(outDir, name), png);
  written.push(`${name} (${png.length} bytes)`);
};

for (const spec of allTrayIconSpecs()) {
  write(`${spec.name}.png`, encodePng(spec.draw(1)));
  write(`${spec.name}@2x.png`, encodePng(spec.draw(2)));
}
write('icon.png', encodePng(drawAppIcon(1024)));

console.log(`make-icons: wrote ${written.length} files to ${outDir}\n  ${written.join('\n  ')}`);
