/**
 * The inspector in a browser on what a reviewer found confusing: captures of the Go fixture, and captures made from
 * them (a profile cut short, its samples taken out) written beside them in the data folder as a damaged disk or
 * another tool would leave them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffGoroutineDumps, groupName, parseGoroutineDump } from '../../src/analysis/goroutines/index.js';
import type { Alert } from '../../src/shared/alerts.js';
import type { CaptureMeta } from '../../src/shared/captures.js';
import { startFixture } from '../helpers/fixture.js';
import { leakbar } from '../helpers/cli.js';
import { startInspectorEnv, type InspectorEnv } from './inspector-env.js';
import { startServe, until } from './serve-helper.js';

/** A gzipped profile changed by `edit` (decoded and encoded again with pprof-format), as another tool would write it. */
function editProfile(gz: Buffer, edit: (p: Profile) => void): Buffer {
  const p = Profile.decode(gunzipSync(gz));
  edit(p);
  return gzipSync(p.encode());
}

describe('the inspector says what it cannot show, and why', () => {
  let env: InspectorEnv;
  let page: Page;
  const problems: string[] = [];
  let made = 0;

  beforeAll(async () => {
    env = await startInspectorEnv();
    page = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    expect(problems).toEqual([]);
  });

  /** With REVIEW_SHOTS=DIR, a screenshot of the page as the test left it, to look at. */
  const shot = async (name: string) => {
    if (process.env.REVIEW_SHOTS) await page.screenshot({ path: join(process.env.REVIEW_SHOTS, `${name}.png`), fullPage: true });
  };

  const folderOf = (c: Pick<CaptureMeta, 'targetId' | 'id'>) => join(env.dir, 'data', 'captures', c.targetId, c.id);

  /** A copy of capture `c` under a new id, its file `name` holding `bytes` instead (as a disk or another tool left it). */
  function copyWith(c: CaptureMeta, name: string, bytes: Buffer, over: Partial<CaptureMeta> = {}): CaptureMeta {
    made++;
    const id = c.id.replace(/-[0-9a-f]{4}$/, `-e${String(made).padStart(3, '0')}`);
    const meta: CaptureMeta = { ...c, ...over, id, baseline: false, pinned: false, files: c.files.map((f) => (f.name === name ? { ...f, bytes: bytes.length } : f)) };
    mkdirSync(folderOf(meta), { recursive: true });
    for (const f of c.files) writeFileSync(join(folderOf(meta), f.name), f.name === name ? bytes : readFileSync(join(folderOf(c), f.name)));
    writeFileSync(join(folderOf(meta), 'meta.json'), JSON.stringify(meta));
    return meta;
  }

  it('of a profile cut short, says it cannot be read and does not promise that go tool pprof opens it', async () => {
    const heap = await env.capture('heap');
    const whole = readFileSync(join(folderOf(heap), 'heap.pb.gz'));
    const cut = copyWith(heap, 'heap.pb.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    await env.openInspector(page, cut.id);
    await page.locator('.cinsp-body .error-text').waitFor();
    expect(await page.locator('.cinsp-body .error-text').textContent()).toMatch(/truncated or corrupt/);
    await shot('corrupt');
    // No empty bar where the sample-type switch would be.
    expect(await page.locator('.cinsp-profile').count()).toBe(0);
    await page.getByTestId('profile-unreadable-hint').waitFor();
    const text = await page.getByTestId('capture-detail').innerText();
    expect(text).not.toMatch(/opens (them|it)/);
    expect(await page.getByTestId('profile-unreadable-hint').innerText()).toMatch(/^heap\.pb\.gz is kept exactly as fetched, and it could not be read \(.*truncated or corrupt.*\): go tool pprof cannot open it either/);

    // The whole capture still says go tool pprof opens it, and shows its sample types.
    await env.openInspector(page, heap.id);
    await page.getByTestId('sample-types').waitFor();
    expect(await page.getByTestId('profiles-hint').innerText()).toBe('The profile is kept exactly as fetched: go tool pprof -top heap.pb.gz opens it.');
    expect(await page.getByTestId('profile-unreadable-hint').count()).toBe(0);
  });

  it('says why a profile shows nothing: no samples, nothing in use (with a way to switch), an idle CPU', async () => {
    const heap = await env.capture('heap');
    const whole = readFileSync(join(folderOf(heap), 'heap.pb.gz'));
    const names = (p: Profile) => p.sampleType.map((t) => p.stringTable.strings[Number(t.type)]);

    // In-use all zero (everything freed), allocated not: says so, and switches to allocated bytes.
    const freed = copyWith(heap, 'heap.pb.gz', editProfile(whole, (p) => {
      const inuse = names(p).flatMap((n, j) => (n?.startsWith('inuse_') ? [j] : []));
      expect(inuse.length).toBe(2);
      for (const s of p.sample) for (const j of inuse) s.value[j] = 0;
    }));
    await env.openInspector(page, freed.id);
    await page.getByTestId('empty-profile').waitFor();
    expect(await page.getByTestId('empty-profile-reason').textContent()).toBe('No in-use bytes as of the last garbage collection: what these stacks allocated had been freed (and what was allocated since is not counted yet).');
    expect(await page.getByTestId('top-table').count()).toBe(0);
    expect(await page.getByTestId('empty-profile-try').allTextContents()).toEqual(['allocated objects', 'allocated bytes']);
    await shot('inuse-zero');
    await page.locator('[data-testid=empty-profile-try][data-type=alloc_space]').click();
    await page.getByTestId('top-row').first().waitFor();
    expect(await page.getByTestId('empty-profile').count()).toBe(0);
    expect(page.url()).toContain('si=alloc_space');

    // No samples at all: no switch offered, in the flame graph too.
    const none = copyWith(heap, 'heap.pb.gz', editProfile(whole, (p) => (p.sample = [])));
    await env.openInspector(page, none.id, 'view=flame');
    await page.getByTestId('empty-profile').waitFor();
    expect(await page.getByTestId('empty-profile-reason').textContent()).toMatch(/^No samples: this profile holds no allocation\. Go records about one allocation per 512 kB allocated/);
    expect(await page.getByTestId('empty-profile-try').count()).toBe(0);
    expect(await page.locator('canvas').count()).toBe(0);

    // A CPU profile of one second of the idling fixture. Serving the watcher's own pprof reads may still put it on a
    // CPU for a tick now and then: the samples are taken out, so the page is judged on an idle second every time.
    const taken = await env.call<CaptureMeta>('startCapture', { targetId: env.targetId, kind: 'cpu', seconds: 1 });
    const cpu = copyWith(taken, 'cpu.pb.gz', editProfile(readFileSync(join(folderOf(taken), 'cpu.pb.gz')), (p) => (p.sample = [])));
    expect(Profile.decode(gunzipSync(readFileSync(join(folderOf(cpu), 'cpu.pb.gz')))).sample.length).toBe(0);
    await env.openInspector(page, cpu.id);
    await page.getByTestId('empty-profile').waitFor();
    expect(await page.getByTestId('empty-profile-reason').textContent()).toBe('No CPU samples in 1 s: the process was idle (the profiler never found it running on a CPU).');
    await shot('idle-cpu');
  });

  it("names the capture's own target in the header, and a target named by its pid once", async () => {
    // A capture of the watched fixture: its name and pid.
    const own = await env.capture('goroutine');
    await env.openInspector(page, own.id);
    await page.getByTestId('goroutines-view').waitFor();
    const name = page.locator('.insp-header [data-testid=target-name]');
    const pid = page.locator('.insp-header [data-testid=target-pid]');
    await until('the header to name the target', async () => ((await name.count()) ? true : undefined));
    expect(await name.getAttribute('title')).toMatch(/^leaky\.\*/);
    expect(await pid.textContent()).toBe(`pid ${env.fx.pid}`);

    // A capture of another program, taken with `leakbar capture --pprof` into the same data folder: its target is not
    // watched, so the header names it and says so, with no other target's pid or state.
    const otherDir = mkdtempSync(join(tmpdir(), 'leakbar-other-'));
    const other = await startFixture({ dir: otherDir });
    try {
      const r = await leakbar(['capture', 'goroutine', '--pprof', other.pprofUrl, '--data-dir', join(env.dir, 'data'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const theirs = JSON.parse(r.stdout) as CaptureMeta;
      expect(theirs.targetId).not.toBe(env.targetId);
      await env.openInspector(page, theirs.id);
      await page.getByTestId('goroutines-view').waitFor();
      await until('the header to name the capture\'s target', async () => ((await name.textContent()) === theirs.targetId ? true : undefined));
      expect(await pid.textContent()).toBe('not watched now');
      expect(await page.locator('.insp-header [data-testid=state]').count()).toBe(0);
      expect(await page.locator('.insp-header').innerText()).not.toContain(`pid ${env.fx.pid}`);
      await shot('other-target');
    } finally {
      await other.stop();
      rmSync(otherDir, { recursive: true, force: true });
    }

    // `serve --pid N` names its target "pid N": the header and the popover do not say it twice.
    const serve = await startServe(['--pid', String(env.fx.pid), '--pprof', env.fx.pprofUrl, '--port', '0', '--interval', '1', '--data-dir', join(env.dir, 'data-pid')]);
    try {
      await page.goto(`${serve.origin}/?token=${encodeURIComponent(serve.token)}#/inspector/captures`);
      await until('the header to name the target', async () => ((await name.textContent()) === `pid ${env.fx.pid}` ? true : undefined));
      expect(await pid.count()).toBe(0);
      expect((await page.locator('.insp-header').innerText()).split(`pid ${env.fx.pid}`).length).toBe(2);
      await page.goto(`${serve.origin}/#/popover`);
      await page.getByTestId('pop-sub').waitFor();
      await until('a sample', async () => ((await page.getByTestId('pop-sub').textContent()) ? true : undefined));
      expect(await page.getByTestId('pop-sub').textContent()).not.toContain('pid');
      expect(await page.locator('.pop-title').innerText()).toContain(`pid ${env.fx.pid}`);
    } finally {
      await serve.stop();
    }
  });

  it('cuts a long function name in the middle, keeping its end, with the whole name as the title (top table, flame graph)', async () => {
    await env.fx.leak({ heapkb: 2000 });
    const heap = await env.capture('heap');
    // The fixture's leaking function renamed as a generic method of a long module path is named (as Go writes them).
    const huge = `github.com/some/very/long/module/path/${'x'.repeat(3000)}.(*Type[go.shape.struct { A int; B string }]).Method.func1.2`;
    const long = copyWith(heap, 'heap.pb.gz', editProfile(readFileSync(join(folderOf(heap), 'heap.pb.gz')), (p) => {
      const fn = p.function.find((f) => p.stringTable.strings[Number(f.name)] === 'main.leakHeap')!;
      fn.name = fn.systemName = p.stringTable.dedup(huge);
    }));
    const p2 = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    try {
      // What the flame graph writes on its canvas.
      await p2.addInitScript(() => {
        const drawn: string[] = [];
        (window as unknown as { __drawn: string[] }).__drawn = drawn;
        const fillText = CanvasRenderingContext2D.prototype.fillText;
        CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
          drawn.push(text);
          return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
        };
      });
      await env.openInspector(p2, long.id);
      const row = p2.locator(`[data-testid=top-row][data-name="${huge}"]`);
      await p2.getByTestId('top-row').first().waitFor();
      await row.waitFor();
      expect(await row.getAttribute('title')).toBe(`${huge}\nClick: callers and callees of this function`);
      // Nothing inside the row hides its title on hover with one of its own.
      expect(await row.locator('[title]').count()).toBe(0);
      const cell = row.locator('[data-col=name]');
      // Its end is seen whole inside the cell; its start is cut (an ellipsis by CSS).
      const tail = await row.locator('.fit-tail').textContent();
      expect(huge.endsWith(tail!)).toBe(true);
      expect(tail).toContain('.Method.func1.2');
      const [cellBox, tailBox] = [await cell.boundingBox(), await row.locator('.fit-tail').boundingBox()];
      expect(tailBox!.x + tailBox!.width).toBeLessThanOrEqual(cellBox!.x + cellBox!.width + 0.5);
      expect(tailBox!.x).toBeGreaterThan(cellBox!.x);
      expect(await row.locator('.fit-head').evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
      // A name that fits is seen whole.
      const names = await p2.locator('[data-testid=top-row] .fit-name').evaluateAll((fs) =>
        fs.map((f) => ({ name: f.closest('[data-testid=top-row]')!.getAttribute('data-name')!, text: f.textContent, cut: [...f.querySelectorAll('.fit-head')].some((h) => h.scrollWidth > h.clientWidth) })),
      );
      const shorts = names.filter((n) => n.name.length < 40);
      expect(shorts.length).toBeGreaterThan(2);
      for (const n of shorts) expect(n).toEqual({ name: n.name, text: n.name, cut: false });
      if (process.env.REVIEW_SHOTS) await p2.screenshot({ path: join(process.env.REVIEW_SHOTS, 'long-top.png') });

      await p2.getByTestId('view-flame').click();
      await until('the long frame drawn', () => p2.evaluate(() => (window as unknown as { __drawn: string[] }).__drawn.find((t) => t.includes('…')) ?? undefined));
      const labels = await p2.evaluate(() => (window as unknown as { __drawn: string[] }).__drawn.filter((t) => t.includes('…')));
      const cut = labels.filter((t) => t.startsWith('github.com/'));
      expect(cut.length).toBeGreaterThan(0);
      for (const t of cut) expect(t).toMatch(/\.Method\.func1\.2$/);
      if (process.env.REVIEW_SHOTS) await p2.screenshot({ path: join(process.env.REVIEW_SHOTS, 'long-flame.png') });
    } finally {
      await p2.close();
    }
  });

  it('lists the goroutine groups gone since the base, as `leakbar profile goroutines --base` does', async () => {
    // While a CPU profile runs, its handler and the profile writer wait in goroutines of their own: gone once it ends.
    const cpu = env.call<CaptureMeta>('startCapture', { targetId: env.targetId, kind: 'cpu', seconds: 2 });
    await new Promise((r) => setTimeout(r, 700));
    const during = await env.capture('goroutine');
    await cpu;
    const after = await env.capture('goroutine');
    const dump = (c: CaptureMeta) => join(folderOf(c), 'goroutine-debug2.txt');
    const r = await leakbar(['profile', 'goroutines', dump(after), '--base', dump(during), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const diff = JSON.parse(r.stdout) as { removed: Array<{ baseCount: number; group: { frames: Array<{ function: string }> } }> };
    expect(diff.removed.length).toBeGreaterThan(0);
    expect(diff.removed.some((c) => c.group.frames.some((f) => f.function.startsWith('runtime/pprof.'))) || diff.removed.some((c) => c.group.frames.some((f) => f.function.includes('pprof.Profile')))).toBe(true);

    await env.openInspector(page, after.id, 'view=goroutines');
    await page.getByTestId('goroutines-view').waitFor();
    const gone = page.getByTestId('goroutine-gone-row');
    await gone.first().waitFor();
    expect(await gone.count()).toBe(Math.min(10, diff.removed.length));
    const counts = await page.locator('[data-testid=goroutine-gone-row] td.num').allTextContents();
    expect(counts.map(Number)).toEqual(diff.removed.slice(0, 10).map((c) => c.baseCount));
    const heading = await page.locator('section.card', { has: page.getByTestId('goroutine-gone') }).locator('h3').textContent();
    expect(heading).toMatch(new RegExp(`^Groups gone since the base capture \\(.*\\) \\(${diff.removed.length} stacks?, ${diff.removed.reduce((n, c) => n + c.baseCount, 0)} goroutines?\\)$`));
    await shot('goroutines-gone');
  });

  it('says in visible words what "suspicious" and "waited ≥ N min" count, as the command line does', async () => {
    await env.fx.leak({ goroutines: 5 });
    const gr = await env.capture('goroutine');
    const text = readFileSync(join(folderOf(gr), 'goroutine-debug2.txt'), 'utf8');
    // Two of the leaked goroutines as Go prints them 12 minutes on (the others' waits not yet timed by a GC).
    let aged = 0;
    const older = text.replace(/^goroutine (\d+) \[chan receive\]:\nmain\.waitForever/gm, (m, id: string) => (aged++ < 2 ? `goroutine ${id} [chan receive, 12 minutes]:\nmain.waitForever` : m));
    expect(aged).toBeGreaterThanOrEqual(5);
    const copy = copyWith(gr, 'goroutine-debug2.txt', Buffer.from(older));
    const leaked = (older.match(/^main\.waitForever\(/gm) ?? []).length;

    const cli = await leakbar(['profile', 'goroutines', join(folderOf(copy), 'goroutine-debug2.txt')]);
    expect(cli.code, cli.stderr).toBe(0);
    const summary = cli.stdout.split('\n')[0]!;
    expect(summary).toContain(`, ${leaked} of them in stacks where some have waited ≥ 10 min (!!)`);
    const suspicious = /; (\d+) in suspicious stacks \(!: (.*?)\), /.exec(summary)!;

    await env.openInspector(page, copy.id, 'view=goroutines');
    await page.getByTestId('goroutines-view').waitFor();
    expect(await page.getByTestId('goroutine-blocked-total').textContent()).toBe(`${suspicious[1]} in suspicious stacks · ${leaked} of them in stacks where some have waited ≥ 10 min`);
    expect(await page.getByTestId('goroutine-legend').textContent()).toBe(`Suspicious: ${suspicious[2]}.`);
    const card = page.locator('[data-testid=goroutine-group][data-name="main.waitForever"]');
    expect(await card.getByTestId('goroutine-suspicious-tag').textContent()).toBe('suspicious, some ≥ 10 min');
    expect(await page.locator('.gr-view').innerText()).not.toMatch(/\bblocked (stacks|only|long)\b/);
    await shot('goroutines-words');
  });

  it('words a wait the same in a debug=1 dump (from its top frame) as in a debug=2 one', async () => {
    // The listener's Accept goroutine waits on IO, unless the dump caught it taking the dump's own connection (syscall).
    const acceptState = (text: string) => parseGoroutineDump(text).groups.find((g) => g.frames.some((f) => f.function === 'net.(*netFD).accept'))?.blockedOn;
    let gr = await env.capture('goroutine');
    for (let i = 0; i < 5 && acceptState(readFileSync(join(folderOf(gr), 'goroutine-debug2.txt'), 'utf8')) !== 'io-wait'; i++) gr = await env.capture('goroutine');
    let debug1 = Buffer.from(await (await fetch(`${env.fx.pprofUrl}goroutine?debug=1`)).arrayBuffer());
    for (let i = 0; i < 5 && acceptState(debug1.toString()) !== 'io-wait'; i++) debug1 = Buffer.from(await (await fetch(`${env.fx.pprofUrl}goroutine?debug=1`)).arrayBuffer());
    const one = copyWith(gr, 'goroutine-debug2.txt', debug1);
    const accept = (dump: string) => join(folderOf(dump === 'debug=1' ? one : gr), 'goroutine-debug2.txt');
    // The command line: the listener's Accept waits on IO in both forms, in one wording.
    const [cli1, cli2] = await Promise.all([leakbar(['profile', 'goroutines', accept('debug=1')]), leakbar(['profile', 'goroutines', accept('debug=2')])]);
    const acceptLine = (out: string) => out.split('\n\n').find((b) => b.includes('net.(*netFD).accept'))!.split('\n')[0]!;
    expect(acceptLine(cli2.stdout)).toMatch(/ · IO wait · /);
    expect(acceptLine(cli1.stdout)).toMatch(/ · IO wait \(from the top frame\) · /);
    expect(cli1.stdout).not.toContain('io-wait');
    // The inspector: the same words on the card of each.
    const stateOf = async (id: string) => {
      await env.openInspector(page, id, 'view=goroutines');
      const card = page.locator('[data-testid=goroutine-group][data-name="net.(*netFD).accept"]');
      await card.waitFor();
      return card.getByTestId('goroutine-state').allTextContents();
    };
    expect(await stateOf(gr.id)).toEqual(['IO wait']);
    expect(await stateOf(one.id)).toEqual(['IO wait (from the top frame)']);
    expect(await page.locator('.gr-view').innerText()).not.toContain('io-wait');
  });

  it('names a goroutine group alike in the inspector, the report and the command line', async () => {
    const before = await env.capture('goroutine');
    // While a CPU profile runs, its connection's reader waits in internal/poll under net.(*netFD).Read: a group that grew.
    const cpu = env.call<CaptureMeta>('startCapture', { targetId: env.targetId, kind: 'cpu', seconds: 4 });
    const dumpOf = (c: CaptureMeta) => join(folderOf(c), 'goroutine-debug2.txt');
    const grewSince = (c: CaptureMeta) => diffGoroutineDumps(parseGoroutineDump(readFileSync(dumpOf(before), 'utf8')), parseGoroutineDump(readFileSync(dumpOf(c), 'utf8'))).grew;
    const isPolled = (c: ReturnType<typeof grewSince>[number]) => c.group.frames[0]?.function.startsWith('internal/poll.');
    // The profile's connection reader is in its wait once the request is in: on a loaded machine, a look or two later.
    let during: CaptureMeta | null = null;
    for (let i = 0; i < 3 && (during === null || !grewSince(during).some(isPolled)); i++) {
      await new Promise((r) => setTimeout(r, 700));
      during = await env.capture('goroutine');
    }
    await cpu;
    const seen = during!;
    const grew = grewSince(seen);
    const polled = grew.filter(isPolled);
    expect(polled.length, 'a group that grew waits in internal/poll').toBeGreaterThan(0);
    const names = grew.map((c) => groupName(c.group));
    expect(names).toContain('net.(*netFD).Read');

    // The command line: each grown group's lead line names it.
    const cli = await leakbar(['profile', 'goroutines', dumpOf(seen), '--base', dumpOf(before)]);
    expect(cli.code, cli.stderr).toBe(0);
    const cliNames = [...cli.stdout.split('\nShrank:')[0]!.matchAll(/^(?:!!|! | {2}) \+\d+ \(\d+ → \d+\)(?: new)? in (\S+) · /gm)].map((m) => m[1]);
    expect(cliNames).toEqual(names);

    // The report (Markdown): its goroutine table's group column.
    const md = await leakbar(['report', '--current', seen.id, '--base', before.id, '--format', 'md', '--data-dir', join(env.dir, 'data')]);
    expect(md.code, md.stderr).toBe(0);
    const section = md.stdout.slice(md.stdout.indexOf('Goroutines'));
    for (const name of names) expect(section).toContain(`| ${name} |`);
    expect(section).not.toMatch(/\| internal\/poll\.runtime_pollWait \|/);

    // The inspector: the growth table and the cards.
    await env.openInspector(page, seen.id, 'view=goroutines');
    await page.getByTestId('goroutine-growth-row').first().waitFor();
    expect(await page.getByTestId('goroutine-growth-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-name')))).toEqual(names.slice(0, 10));
    expect(await page.locator('[data-testid=goroutine-group][data-name="net.(*netFD).Read"]').count()).toBeGreaterThan(0);
  });

  it('titles a bundle as the command line calls it: page, facts and exported HTML', async () => {
    const bundle = await env.capture('bundle');
    const listed = await leakbar(['captures', '--data-dir', join(env.dir, 'data'), '--target', env.targetId]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n').find((l) => l.includes(bundle.id))).toMatch(/\bbundle\b/);
    const p2 = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    try {
      await env.openInspector(p2, bundle.id, 'view=top');
      expect(await p2.locator('.cinsp-title h2').textContent()).toBe('Bundle (everything)');
      await p2.getByTestId('capture-detail').waitFor();
      expect(await p2.locator('[data-testid=capture-detail] h2').textContent()).toBe(`Bundle (everything) ${bundle.id}`);
      await p2.getByTestId('top-row').first().waitFor();
      const [download] = await Promise.all([p2.waitForEvent('download'), p2.getByTestId('export-html').click()]);
      const html = readFileSync((await download.path())!, 'utf8');
      expect(html).toContain('<title>Bundle (everything) — Top</title>');
      expect(html).not.toContain('Everything —');
      expect(await p2.locator('body').innerText()).not.toMatch(/^Everything/m);
    } finally {
      await p2.close();
    }
  });

  it("labels a past alert on the timeline with what was true when it fired, not the alert's live count", async () => {
    // The FD breakdown every 5 s, so a file opened again and again is noticed soon; an open alert stored anew each second.
    const set = await env.call<{ ok: boolean }>('setSettings', { patch: { cadences: { fdBreakdownMs: 5000 }, detectors: { updateEveryMs: 1000 } } });
    expect(set.ok).toBe(true);
    // The fixture reopens 3 files: 15 FDs open each 5 times (past the 4 the alert asks for).
    await env.fx.leak({ fds: 15 });
    const fired = await until('the repeated-file alert', async () => (await env.call<Alert[]>('alerts', { targetId: env.targetId })).find((a) => a.kind === 'repeated-file'), 60_000, 500);
    const atFiring = fired.evidence[0]![1];
    expect(fired.title).toBe(`${fired.subject!.slice(fired.subject!.lastIndexOf('/') + 1)} is open ${atFiring} times`);
    // Then it grows: the alert's title follows the figure.
    await env.fx.leak({ fds: 30 });
    const later = await until('the alert to count more', async () => {
      const a = (await env.call<Alert[]>('alerts', { targetId: env.targetId })).find((x) => x.id === fired.id);
      return a && a.value > atFiring && a.title !== fired.title ? a : undefined;
    }, 60_000, 500);
    expect(later.evidence[0]![1]).toBe(atFiring);
    // The history holds the alert as it stands now (its newest version), as the timeline reads it.
    await until('the stored alert to follow', async () => {
      const h = await env.call<{ alerts: Alert[] }>('history', { targetId: env.targetId });
      return h.alerts.find((a) => a.id === fired.id)?.title === later.title ? true : undefined;
    }, 30_000, 500);

    await page.goto(`${env.serve.origin}/?token=${encodeURIComponent(env.serve.token)}#/inspector?target=${env.targetId}`);
    const row = page.locator('[data-testid=marker-row][data-kind=alert]', { hasText: 'open' });
    await row.first().waitFor();
    const label = await row.first().innerText();
    expect(label).toContain(`${fired.subject!.slice(fired.subject!.lastIndexOf('/') + 1)} was open ${atFiring} times`);
    expect(label).not.toContain(later.title);
    await shot('timeline-alert');
  }, 150_000);
});
