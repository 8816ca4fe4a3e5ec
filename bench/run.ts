/** `npm run bench`: runs every bench side by side with its peer and writes bench/RESULTS.md. */
import { writeFileSync } from 'node:fs';
import { machineNotes, type BenchSection } from './lib.js';

/** Each bench module exports `run(): Promise<BenchSection>`; add new ones here. */
const benches: Array<[string, () => Promise<{ run(): Promise<BenchSection> }>]> = [
  ['profile-top', () => import('./profile-top.js')],
  ['watch-tick', () => import('./watch-tick.js')],
  ['memory-map', () => import('./memory-map.js')],
  ['goroutines', () => import('./goroutines.js')],
  ['inspector', () => import('./inspector.js')],
];

const only = process.argv.slice(2);
const sections: BenchSection[] = [];
for (const [name, load] of benches) {
  if (only.length && !only.includes(name)) continue;
  console.error(`bench: ${name}`);
  sections.push(await (await load()).run());
}
const md = ['# Benchmarks', '', 'Written by `npm run bench`. Each peer runs on the same input in the same run.', '', '## Machine', '', machineNotes(), '']
  .concat(sections.flatMap((s) => [`## ${s.title}`, '', s.markdown, '']))
  .join('\n');
if (only.length) process.stdout.write(md);
else writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
