/** The top table: flat, flat%, sum%, cum, cum% per function (or file, or line) in pprof's numbers, sortable, filtered by the search, windowed. */
import { useMemo } from 'react';
import type { TopColumns } from './protocol.js';
import type { TopSortKey } from './state.js';
import { pprofPercent, pprofValue, topView } from './table-model.js';
import { VirtualRows } from './VirtualRows.js';

const ROW_HEIGHT_PX = 24;

/** Props of {@link TopTable}. */
export interface TopTableProps {
  top: TopColumns;
  /** Per row: 1 when the search matches its name; null shows every row. */
  matchedRows: Uint8Array | null;
  sort: TopSortKey;
  sortAsc: boolean;
  onSort(key: TopSortKey, asc: boolean): void;
  /** A row was clicked: show its callers and callees. */
  onPick(name: string): void;
}

const COLUMNS: Array<{ key: TopSortKey; label: string; title: string }> = [
  { key: 'flat', label: 'flat', title: 'Value in the function itself' },
  { key: 'flatPct', label: 'flat%', title: 'flat as a share of the total' },
  { key: 'sumPct', label: 'sum%', title: 'Running sum of flat% down the table' },
  { key: 'cum', label: 'cum', title: 'Value in the function and everything it calls' },
  { key: 'cumPct', label: 'cum%', title: 'cum as a share of the total' },
  { key: 'name', label: 'name', title: 'Function' },
];

/** The top table. */
export function TopTable({ top, matchedRows, sort, sortAsc, onSort, onPick }: TopTableProps) {
  const view = useMemo(() => topView(top, matchedRows, sort, sortAsc), [top, matchedRows, sort, sortAsc]);
  const header = (
    <div className="trow thead" role="row">
      {COLUMNS.map((c) => (
        <button
          key={c.key}
          type="button"
          role="columnheader"
          className={`tcell th ${c.key === 'name' ? 'tname' : 'tnum'}${sort === c.key ? ' sorted' : ''}`}
          title={c.title}
          aria-sort={sort === c.key ? (sortAsc ? 'ascending' : 'descending') : 'none'}
          onClick={() => onSort(c.key, sort === c.key ? !sortAsc : c.key === 'name')}
        >
          {c.label}
          {sort === c.key ? <span className="sort-mark">{sortAsc ? '▲' : '▼'}</span> : null}
        </button>
      ))}
    </div>
  );
  const unit = { unit: top.unit, outputUnit: view.outputUnit };
  const renderRow = (k: number) => {
    const i = view.order[k]!;
    const name = top.names[i]!;
    const inl = view.inline[i] === 1 ? '(inline)' : view.inline[i] === 2 ? '(partial-inline)' : '';
    return (
      <div key={i} className="trow" role="row" data-testid="top-row" data-name={name} onClick={() => onPick(name)} title={`${name}\nClick: callers and callees of this function`}>
        <span className="tcell tnum" data-col="flat">{pprofValue(top.flat[i]!, unit)}</span>
        <span className="tcell tnum" data-col="flatPct">{pprofPercent(top.flat[i]!, top.total)}</span>
        <span className="tcell tnum" data-col="sumPct">{pprofPercent(view.runningFlat[k]!, top.total)}</span>
        <span className="tcell tnum" data-col="cum">{pprofValue(top.cum[i]!, unit)}</span>
        <span className="tcell tnum" data-col="cumPct">{pprofPercent(top.cum[i]!, top.total)}</span>
        <span className="tcell tname mono fit-cell" data-col="name">
          <FitName text={name} />
          {inl ? <span className="inline-mark">{inl}</span> : null}
        </span>
      </div>
    );
  };
  return (
    <VirtualRows className="top-table" testId="top-table" rowCount={view.order.length} rowHeightPx={ROW_HEIGHT_PX} renderRow={renderRow} header={header} />
  );
}

/** What the shown rows account for: their flat sum and its share of the total. */
export function useTopMatchFlat(top: TopColumns | null, matchedRows: Uint8Array | null): { rows: number; flat: number } | null {
  return useMemo(() => {
    if (!top || !matchedRows) return null;
    let rows = 0;
    let flat = 0;
    for (let i = 0; i < top.names.length; i++) {
      if (!matchedRows[i]) continue;
      rows++;
      flat += top.flat[i]!;
    }
    return { rows, flat };
  }, [top, matchedRows]);
}

/**
 * How many characters of a name's end stay whole when it does not fit: the part after its package path (the
 * function, its receiver and closures: `.(*Type[…]).Method.func1.2`), at least 20 and at most 60.
 */
export function nameTailChars(name: string): number {
  const chars = Array.from(name);
  const afterPath = chars.length - 1 - chars.lastIndexOf('/');
  return Math.min(chars.length, Math.max(20, Math.min(60, afterPath)));
}

/**
 * A name that, when its cell is too narrow, is cut in the middle (by CSS, at any width): its start shrinks to an
 * ellipsis and its end ({@link nameTailChars}) stays, so the informative tail is always seen. Its row gives the whole
 * name as its title (a title here would hide the row's on hover).
 */
export function FitName({ text }: { text: string }) {
  const chars = Array.from(text);
  const tail = nameTailChars(text);
  if (tail >= chars.length) return <span className="fit-name">{text}</span>;
  return (
    <span className="fit-name">
      <span className="fit-head">{chars.slice(0, chars.length - tail).join('')}</span>
      <span className="fit-tail">{chars.slice(chars.length - tail).join('')}</span>
    </span>
  );
}
