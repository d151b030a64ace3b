// biome-ignore-all lint/a11y/useSemanticElements: rows are absolutely positioned in a scroll box, which table layout cannot do; the ARIA roles keep the table semantics
// biome-ignore-all lint/a11y/useFocusableInteractive: rows and headers of a read-only table are not interactive; the links in cells are the focus stops
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  header: string;
  /** CSS grid track, e.g. 'minmax(10rem, 2fr)' or '7rem' */
  width: string;
  align?: 'left' | 'right';
  cell: (row: T) => ComponentChildren;
}

interface Props<T> {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowHeight?: number;
  /** height of the scrolling area */
  height?: string;
}

/**
 * A table that renders only the rows in view (TanStack Virtual's core), so thousands of sites
 * scroll smoothly. It keeps table semantics with ARIA roles (row count and row index for screen
 * readers); links inside cells keep it keyboard reachable.
 */
export function VirtualTable<T>({ label, rows, columns, rowKey, rowHeight = 44, height = '70vh' }: Props<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  // The options read the latest props through a ref, so their functions stay the same object from
  // render to render and TanStack keeps its measurements instead of rebuilding one per row each frame.
  const latest = useRef({ rows, rowKey });
  latest.current = { rows, rowKey };
  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLDivElement, Element>({
        count: rows.length,
        getScrollElement: () => scroller.current,
        estimateSize: () => rowHeight,
        getItemKey: (i) => {
          const row = latest.current.rows[i];
          return row === undefined ? i : latest.current.rowKey(row);
        },
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => rerender(undefined),
        overscan: 8,
      }),
  );
  const sizeOf = useRef(rowHeight);
  if (virtualizer.options.count !== rows.length || sizeOf.current !== rowHeight) {
    sizeOf.current = rowHeight;
    virtualizer.setOptions({ ...virtualizer.options, count: rows.length, estimateSize: () => rowHeight });
  }
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => {
    virtualizer._willUpdate();
  });
  const template = columns.map((c) => c.width).join(' ');
  const items = virtualizer.getVirtualItems();
  return (
    <div class="vtable" role="table" aria-label={label} aria-rowcount={rows.length + 1}>
      <div role="rowgroup" class="vthead">
        <div role="row" aria-rowindex={1} class="vrow" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div role="columnheader" key={c.key} class={c.align === 'right' ? 'num' : ''}>
              {c.header}
            </div>
          ))}
        </div>
      </div>
      <div ref={scroller} class="vscroll" style={{ height }} data-testid="vtable-scroll">
        <div role="rowgroup" style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index] as T;
            return (
              <div
                role="row"
                // keyed by slot, not by row: scrolling refills the same elements instead of building new ones
                key={item.index % items.length}
                aria-rowindex={item.index + 2}
                class="vrow"
                style={{
                  gridTemplateColumns: template,
                  height: `${rowHeight}px`,
                  transform: `translateY(${item.start}px)`,
                }}
              >
                {columns.map((c) => (
                  <div role="cell" key={c.key} class={c.align === 'right' ? 'num' : ''}>
                    {c.cell(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
