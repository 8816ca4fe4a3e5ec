/** Hand-rolled windowing for fixed-height rows: only the rows in view (plus a few) are in the DOM, so a 100k-row table scrolls smoothly. */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/** Props of {@link VirtualRows}. */
export interface VirtualRowsProps {
  rowCount: number;
  /** Height of every row, CSS px. */
  rowHeightPx: number;
  /** Rows rendered beyond the visible ones on each side. @default 8 */
  overscanRows?: number;
  renderRow(index: number): ReactNode;
  /** Sticky header above the rows. */
  header?: ReactNode;
  className?: string;
  testId?: string;
  /** Height of the header, CSS px: the box is as tall as its rows, up to its CSS max-height. @default 28 */
  headerHeightPx?: number;
}

/** A scrolling box that renders only the visible rows. */
export function VirtualRows({ rowCount, rowHeightPx, overscanRows = 8, renderRow, header, className, testId, headerHeightPx = 28 }: VirtualRowsProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const [scrollTopPx, setScrollTopPx] = useState(0);
  const [viewHeightPx, setViewHeightPx] = useState(600);
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    setViewHeightPx(box.clientHeight);
    const ro = new ResizeObserver(() => setViewHeightPx(box.clientHeight));
    ro.observe(box);
    return () => ro.disconnect();
  }, []);
  // A new row set (another filter) starts at the top.
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box && box.scrollTop > rowCount * rowHeightPx) {
      box.scrollTop = 0;
      setScrollTopPx(0);
    }
  }, [rowCount, rowHeightPx]);
  const first = Math.max(0, Math.floor(scrollTopPx / rowHeightPx) - overscanRows);
  const last = Math.min(rowCount, Math.ceil((scrollTopPx + viewHeightPx) / rowHeightPx) + overscanRows);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) rows.push(renderRow(i));
  return (
    <div className={`vrows ${className ?? ''}`} ref={boxRef} onScroll={(e) => setScrollTopPx(e.currentTarget.scrollTop)} data-testid={testId} role="table" style={{ height: `${headerHeightPx + Math.max(1, rowCount) * rowHeightPx + 2}px` }}>
      {header}
      <div className="vrows-space" style={{ height: `${rowCount * rowHeightPx}px` }} role="rowgroup">
        <div className="vrows-window" style={{ transform: `translateY(${first * rowHeightPx}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
