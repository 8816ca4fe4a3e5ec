/** Writes every synthetic series of ./series.ts as ./NAME.jsonl (one Sample per line). Run: npx tsx test/data/series/generate.ts */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERIES, toJsonl } from './series.js';

const here = dirname(fileURLToPath(import.meta.url));
for (const [name, build] of Object.entries(SERIES)) {
  const text = toJsonl(build());
  writeFileSync(join(here, `${name}.jsonl`), text);
  console.log(`${name}.jsonl  ${text.split('\n').length - 1} samples  ${(text.length / 1024).toFixed(0)} KB`);
}
