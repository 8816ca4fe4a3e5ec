/**
 * The settings view (`#/settings`): the watched targets (name, pprof URL, FD path patterns; add, change, remove),
 * alert lines, the growth window, automatic captures, quiet hours (desktop only), sampling intervals and retention.
 * Fields this run's start-up options fix (`--interval`, …: the contract's `fixedSettings`) say so. Save sends one
 * patch through the contract's `setSettings`; a value the engine refuses shows its reason beside the field.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { TargetInput, TargetPatch, TargetSummary } from '../../shared/api.js';
import type { Settings as SettingsDoc } from '../../shared/settings.js';
import { DEFAULT_PPROF_URL } from '../../shared/types.js';
import { useApiContext } from '../api/context.js';
import { DEFAULT_RANGE, formatRoute } from '../route.js';
import { draftFrom, fixedBy, parsePatterns, patchFrom, problemsByField, savedMessage, visibleGroups, type Draft, type FieldGroup, type FieldSpec } from '../settings-form.js';

/**
 * An error for people: a refused input's own reasons (each a field's: "pprof URL: … is not a URL; …"), without the
 * contract's wording around them ("bad input for updateTarget: patch.pprofUrl: …").
 */
const message = (e: unknown): string => {
  const issues = (e as { issues?: unknown }).issues;
  if (Array.isArray(issues) && issues.length > 0) {
    return (issues as Array<{ path: string; message: string }>).map((i) => (i.message.startsWith('pprof URL: ') ? i.message : `${i.path.replace(/^patch\./, '')}: ${i.message}`)).join('; ');
  }
  return (e instanceof Error ? e.message : String(e)).replace(/^bad input for \w+: /, '');
};

/** The settings view. */
export function Settings() {
  return (
    <div className="inspector settings-view">
      <header className="insp-header">
        <span className="brand">leakbar</span>
        <h1 className="settings-title">Settings</h1>
        <span className="toolbar-gap" />
        <a className="footer-link" href={formatRoute({ view: 'timeline', targetId: null, range: DEFAULT_RANGE, figure: null })}>
          Inspector
        </a>
        <a className="footer-link" href={formatRoute({ view: 'popover', targetId: null })}>
          Popover
        </a>
      </header>
      <main className="insp-body settings">
        <TargetsSection />
        <SettingsForm />
      </main>
    </div>
  );
}

/** How often the page asks again what is said of the settings file (the engine looks at it every 2 s). */
const NOTES_REFRESH_MS = 5000;

/** Alert lines, growth, auto-capture, quiet hours and retention: one draft, one Save. */
function SettingsForm() {
  const { api } = useApiContext();
  const groups = useMemo(() => visibleGroups(typeof window !== 'undefined' && window.leakbarDesktop !== undefined), []);
  const [settings, setSettings] = useState<SettingsDoc | null>(null);
  /** The fields this run's start-up options fix (`--interval`, …), as the engine says. */
  const [fixed, setFixed] = useState<string[]>([]);
  const [draft, setDraft] = useState<Draft>({});
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [status, setStatus] = useState<{ kind: 'saving' | 'saved' | 'unchanged' | 'refused' | 'failed'; text: string } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  /** What the engine says of the stored settings file (a value in it not used, …): shown above the form. */
  const [notes, setNotes] = useState<string[]>([]);

  /** What the engine says of this run beside the settings: the fields start-up options fix, and the file's notes. */
  const loadFixed = useCallback(
    () =>
      Promise.all([
        api.fixedSettings({}).then(
          (r) => setFixed(r.paths),
          () => setFixed([]),
        ),
        api.settingsNotes({}).then(
          (r) => setNotes(r.notes),
          () => setNotes([]),
        ),
      ]),
    [api],
  );

  useEffect(() => {
    let live = true;
    void loadFixed();
    api.getSettings({}).then(
      (s) => {
        if (!live) return;
        setSettings(s);
        setDraft(draftFrom(s, groups));
      },
      (e: unknown) => live && setLoadError(message(e)),
    );
    return () => {
      live = false;
    };
  }, [api, groups, loadFixed]);

  // The file may change meanwhile (by hand, another leakbar): what is said of it follows, every few seconds.
  useEffect(() => {
    const timer = setInterval(() => void loadFixed(), NOTES_REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadFixed]);

  const change = useCallback((path: string, value: string | boolean) => {
    setDraft((d) => ({ ...d, [path]: value }));
    setStatus(null);
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!settings) return;
    const { patch, problems: local } = patchFrom(draft, settings, groups);
    if (Object.keys(local).length > 0) {
      setProblems(local);
      setStatus({ kind: 'refused', text: 'Not saved: see the reasons beside the fields.' });
      return;
    }
    if (Object.keys(patch).length === 0) {
      setProblems({});
      setStatus({ kind: 'unchanged', text: 'Nothing changed.' });
      return;
    }
    setStatus({ kind: 'saving', text: 'Saving…' });
    try {
      const r = await api.setSettings({ patch });
      if (r.ok) {
        setSettings(r.settings);
        setDraft(draftFrom(r.settings, groups));
        setProblems({});
        setStatus({ kind: 'saved', text: savedMessage(patch) });
        void loadFixed();
      } else {
        setProblems(problemsByField(r.problems, groups));
        setStatus({ kind: 'refused', text: 'Not saved: see the reasons beside the fields.' });
      }
    } catch (err) {
      setStatus({ kind: 'failed', text: `Not saved: ${message(err)}` });
    }
  }

  if (loadError) return <p className="error-text">{loadError}</p>;
  if (!settings) return <p className="muted">Loading settings…</p>;
  const general = problems[''] ?? [];
  return (
    <form className="settings-form" onSubmit={(e) => void save(e)} noValidate data-testid="settings-form">
      {notes.length > 0 ? (
        <div className="settings-file-notes" data-testid="settings-notes" role="note">
          <p>Not everything in the settings file is in force:</p>
          <ul>
            {notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {groups.map((g) => (
        <GroupCard key={g.id} group={g} draft={draft} problems={problems} fixed={fixed} onChange={change} />
      ))}
      <div className="settings-actions">
        <button className="btn primary" type="submit" data-testid="settings-save" disabled={status?.kind === 'saving'}>
          Save
        </button>
        <button
          className="btn"
          type="button"
          onClick={() => {
            setDraft(draftFrom(settings, groups));
            setProblems({});
            setStatus(null);
          }}
        >
          Revert
        </button>
        {status ? (
          <span className={`settings-status st-${status.kind}`} data-testid="settings-status" data-kind={status.kind} role="status">
            {status.text}
          </span>
        ) : null}
      </div>
      {general.length > 0 ? (
        <ul className="field-problems error-text" data-testid="problem-general">
          {general.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}

/** Fields that sit on one line: those under the same parent (a threshold's switch and line; quiet hours' switch, from and to). */
function rowsOf(fields: readonly FieldSpec[]): FieldSpec[][] {
  const rows: FieldSpec[][] = [];
  const parent = (f: FieldSpec) => f.path.split('.').slice(0, -1).join('.');
  for (const f of fields) {
    const last = rows.at(-1);
    if (last && parent(last[0]!) === parent(f)) last.push(f);
    else rows.push([f]);
  }
  return rows;
}

function GroupCard({
  group,
  draft,
  problems,
  fixed,
  onChange,
}: {
  group: FieldGroup;
  draft: Draft;
  problems: Record<string, string[]>;
  fixed: readonly string[];
  onChange(path: string, value: string | boolean): void;
}) {
  return (
    <section className="settings-card" aria-labelledby={`group-${group.id}`} data-testid={`group-${group.id}`}>
      <h2 id={`group-${group.id}`}>{group.title}</h2>
      {group.note ? <p className="muted settings-note">{group.note}</p> : null}
      {rowsOf(group.fields).map((row) => {
        const inline = row.length === 1 && row[0]!.kind === 'flag';
        return (
          <div key={row[0]!.path} className={`settings-row${inline ? ' inline' : ''}`}>
            {row.map((f) => (
              <Field key={f.path} spec={f} value={draft[f.path]} problems={problems[f.path]} fixedBy={fixedBy(f.path, fixed)} onChange={onChange} />
            ))}
          </div>
        );
      })}
    </section>
  );
}

function Field({
  spec,
  value,
  problems,
  fixedBy,
  onChange,
}: {
  spec: FieldSpec;
  value: string | boolean | undefined;
  problems: string[] | undefined;
  /** The start-up option that fixes this field for the run ('' for one without a name here), or null. */
  fixedBy: string | null;
  onChange(path: string, value: string | boolean): void;
}) {
  const id = `setting-${spec.path}`;
  const bad = problems !== undefined && problems.length > 0;
  const reason = bad ? (
    <span className="field-problem" data-testid={`problem-${spec.path}`} id={`${id}-problem`}>
      {problems.join('; ')}
    </span>
  ) : null;
  const fixedNote =
    fixedBy === null ? null : (
      <span className="field-fixed" data-testid={`fixed-${spec.path}`}>
        {fixedBy === '' ? 'set by a start-up option' : <>set by <code>{fixedBy}</code></>} for this run; a value saved here takes over
      </span>
    );
  if (spec.kind === 'flag') {
    return (
      <label className="field field-flag">
        <input type="checkbox" id={id} data-testid={id} checked={value === true} onChange={(e) => onChange(spec.path, e.target.checked)} />
        <span>{spec.label}</span>
        {fixedNote}
        {reason}
      </label>
    );
  }
  return (
    <label className={`field${bad ? ' bad' : ''}`}>
      <span className="field-label">{spec.label}</span>
      <input
        type={spec.kind === 'time' ? 'time' : 'text'}
        inputMode={spec.kind === 'number' ? 'decimal' : undefined}
        className={spec.kind === 'number' ? 'num-input' : 'time-input'}
        id={id}
        data-testid={id}
        value={typeof value === 'string' ? value : ''}
        aria-invalid={bad}
        aria-describedby={bad ? `${id}-problem` : undefined}
        onChange={(e) => onChange(spec.path, e.target.value)}
      />
      {spec.kind === 'number' && spec.unit ? <span className="field-unit">{spec.unit}</span> : null}
      {spec.kind === 'number' && spec.limits ? <span className="field-limits">({spec.limits})</span> : null}
      {fixedNote}
      {reason}
    </label>
  );
}

/** The watched targets: each one's name, pprof URL and FD path patterns can change in place (same id, same history). */
function TargetsSection() {
  const { api, epoch } = useApiContext();
  const [targets, setTargets] = useState<TargetSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(
    () =>
      api.listTargets({}).then(
        (t) => (setTargets(t), setError(null)),
        (e: unknown) => setError(message(e)),
      ),
    [api],
  );
  useEffect(() => {
    void reload();
  }, [reload, epoch]);
  return (
    <section className="settings-card" aria-labelledby="group-targets" data-testid="group-targets">
      <h2 id="group-targets">Targets</h2>
      <p className="muted settings-note" data-testid="targets-note">
        Renaming keeps a target’s history. An empty pprof URL watches system figures only.
        {window.leakbarDesktop === undefined ? (
          <>
            {' '}
            Targets added or removed here last while this <code>leakbar serve</code> runs; a <code>--config</code> file keeps a list.
          </>
        ) : null}
      </p>
      {error ? <p className="error-text">{error}</p> : null}
      {targets === null ? <p className="muted">Loading targets…</p> : null}
      {targets?.length === 0 ? <p className="muted">No target is watched.</p> : null}
      {targets?.map((t) => (
        <TargetRow key={t.target.id} summary={t} onChanged={reload} />
      ))}
      <AddTarget onAdded={reload} />
    </section>
  );
}

function TargetRow({ summary, onChanged }: { summary: TargetSummary; onChanged(): Promise<unknown> }) {
  const { api } = useApiContext();
  const t = summary.target;
  const [name, setName] = useState(t.name);
  const [pprof, setPprof] = useState(t.pprofUrl ?? '');
  const [patterns, setPatterns] = useState(t.fdPatterns.join(', '));
  const [note, setNote] = useState<{ bad: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // The target changed (saved here or elsewhere): show what the engine has now, in each field not edited since it last
  // showed the engine's value. A save's own refresh can land after the next edit began: it must not undo that edit.
  const shownPatterns = t.fdPatterns.join(', ');
  const engine = useRef({ name: t.name, pprof: t.pprofUrl ?? '', patterns: shownPatterns });
  useEffect(() => {
    const was = engine.current;
    const now = { name: t.name, pprof: t.pprofUrl ?? '', patterns: shownPatterns };
    setName((shown) => (shown === was.name ? now.name : shown));
    setPprof((shown) => (shown === was.pprof ? now.pprof : shown));
    setPatterns((shown) => (shown === was.patterns ? now.patterns : shown));
    engine.current = now;
  }, [t.name, t.pprofUrl, shownPatterns]);

  async function run<T>(what: () => Promise<T>, done: string | ((result: T) => string)) {
    setBusy(true);
    try {
      const result = await what();
      setNote({ bad: false, text: typeof done === 'string' ? done : done(result) });
      await onChanged();
    } catch (e) {
      setNote({ bad: true, text: message(e) });
    } finally {
      setBusy(false);
    }
  }

  function save(e: FormEvent) {
    e.preventDefault();
    const patch: TargetPatch = {};
    // An emptied name goes back to the one the command line gives: the pattern, or "pid N".
    const named = name.trim() || ('match' in t.selector ? t.selector.match : `pid ${t.selector.pid}`);
    if (named !== t.name) patch.name = named;
    const url = pprof.trim() === '' ? null : pprof.trim();
    if (url !== t.pprofUrl) patch.pprofUrl = url;
    const fdPatterns = parsePatterns(patterns);
    if (JSON.stringify(fdPatterns) !== JSON.stringify(t.fdPatterns)) patch.fdPatterns = fdPatterns;
    if (Object.keys(patch).length === 0) return setNote({ bad: false, text: 'Nothing changed.' });
    // What is shown now is what the engine is asked to hold: its answer (a name for an emptied one, a pprof URL as it
    // reads it) replaces it, unless it is edited again meanwhile.
    engine.current = { name, pprof, patterns };
    // The engine reads a pprof URL as `--pprof` does (`host:port`, a profile's own URL): say what it made of it.
    void run(
      () => api.updateTarget({ targetId: t.id, patch }),
      (r) => (typeof patch.pprofUrl === 'string' && r.target.pprofUrl !== patch.pprofUrl ? `Saved, the pprof URL as ${r.target.pprofUrl}.` : 'Saved.'),
    );
  }

  return (
    <form className="target-row" data-testid="target-row" data-id={t.id} onSubmit={save} noValidate>
      <label className="field">
        <span className="field-label">Name</span>
        <input type="text" className="name-input" data-testid="target-name-input" value={name} title={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">pprof URL</span>
        <input type="text" className="wide-input" data-testid="target-pprof-input" value={pprof} placeholder="none" onChange={(e) => setPprof(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">FD path patterns</span>
        <input type="text" className="wide-input" data-testid="target-patterns-input" value={patterns} placeholder="comma-separated" onChange={(e) => setPatterns(e.target.value)} />
      </label>
      <span className="muted target-selector" title="How the process is found">
        {'pid' in t.selector ? `pid ${t.selector.pid}` : `/${t.selector.match}/`} · <code>{t.id}</code>
      </span>
      <span className="target-actions">
        <button className="btn small" type="submit" data-testid="target-save" disabled={busy}>
          Save
        </button>
        <button className="btn small" type="button" data-testid="target-remove" disabled={busy} onClick={() => void run(() => api.removeTarget({ targetId: t.id }), 'Removed.')}>
          Remove
        </button>
      </span>
      {note ? (
        <span className={note.bad ? 'field-problem target-note' : 'muted target-note'} data-testid="target-note" role="status">
          {note.text}
        </span>
      ) : null}
    </form>
  );
}

function AddTarget({ onAdded }: { onAdded(): Promise<unknown> }) {
  const { api } = useApiContext();
  const [name, setName] = useState('');
  const [selector, setSelector] = useState('');
  const [pprof, setPprof] = useState('');
  const [patterns, setPatterns] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function add(e: FormEvent) {
    e.preventDefault();
    const sel = selector.trim();
    const input: TargetInput = {
      // Without a name, the engine names it by its pattern or pid, as the command line does.
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(/^\d+$/.test(sel) ? { pid: Number(sel) } : { match: sel }),
      pprofUrl: pprof.trim() === '' ? null : pprof.trim(),
      ...(patterns.trim() ? { fdPatterns: parsePatterns(patterns) } : {}),
    };
    try {
      await api.addTarget(input);
      setName('');
      setSelector('');
      setPprof('');
      setPatterns('');
      setError(null);
      await onAdded();
    } catch (err) {
      setError(message(err));
    }
  }

  return (
    <form className="target-row target-add" data-testid="target-add" onSubmit={(e) => void add(e)} noValidate>
      <label className="field">
        <span className="field-label">Name</span>
        <input type="text" data-testid="target-add-name" value={name} placeholder="as Process, if empty" onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">Process</span>
        <input type="text" data-testid="target-add-selector" value={selector} placeholder="pid, or a regex over the command line" onChange={(e) => setSelector(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">pprof URL</span>
        <input type="text" className="wide-input" data-testid="target-add-pprof" value={pprof} placeholder={`none, or e.g. ${DEFAULT_PPROF_URL}`} onChange={(e) => setPprof(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">FD path patterns</span>
        <input type="text" className="wide-input" data-testid="target-add-patterns" value={patterns} placeholder="comma-separated" onChange={(e) => setPatterns(e.target.value)} />
      </label>
      <span className="target-actions">
        <button className="btn small" type="submit" data-testid="target-add-submit">
          Add target
        </button>
      </span>
      {error ? (
        <span className="field-problem target-note" data-testid="target-add-problem" role="status">
          {error}
        </span>
      ) : null}
    </form>
  );
}
