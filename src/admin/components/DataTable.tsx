import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  rowPaginationFeature, rowSortingFeature, tableFeatures, useTable,
  type ColumnDef, type PaginationState, type RowData, type SortingState,
} from '@tanstack/react-table';
import { ApiError } from '../api.js';

const features = tableFeatures({ rowSortingFeature, rowPaginationFeature });
export type Column<T extends RowData> = ColumnDef<typeof features, T>;

export interface PageQuery { offset: number; limit: number; q: string; sort?: string; dir?: 'asc' | 'desc' }
/** `totalCapped`: there are more than `total` matches (the server stops counting). */
export interface Page<T> { rows: T[]; total: number; totalCapped?: boolean }

interface Props<T extends RowData> {
  /** Accessible name of the table (and its caption). */
  label: string;
  columns: Column<T>[];
  /** Fetches one page from the server: paging, search and sort all happen there. */
  load: (q: PageQuery) => Promise<Page<T>>;
  /** Placeholder of the search box; no box when absent. */
  searchPlaceholder?: string;
  pageSize?: number;
  rowKey: (row: T) => string;
  /** Bumped by the page after a write so the table loads again. */
  reloadKey?: unknown;
  onRowClick?: (row: T) => void;
  rowClass?: (row: T) => string | undefined;
  toolbar?: ReactNode;
}

/**
 * A table over a server-side list (50,000 pupils: never loaded whole). Search
 * is sent after a short pause in typing; sort by clicking (or Enter on) a
 * header; paging with the buttons below. Rows can be opened with Enter.
 */
export function DataTable<T extends RowData>(props: Props<T>) {
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize: props.pageSize ?? 25 });
  const [sorting, setSorting] = useState<SortingState>([]);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState<Page<T>>({ rows: [], total: 0 });
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const t = setTimeout(() => { setQ(search.trim()); setPagination((p) => ({ ...p, pageIndex: 0 })); }, 250);
    return () => clearTimeout(t);
  }, [search]);

  const { load } = props;
  useEffect(() => {
    const my = ++seq.current;
    setLoading(true);
    const s = sorting[0];
    load({ offset: pagination.pageIndex * pagination.pageSize, limit: pagination.pageSize, q, ...(s ? { sort: s.id, dir: s.desc ? 'desc' : 'asc' } : {}) })
      .then((p) => { if (my === seq.current) { setPage(p); setError(''); } })
      .catch((e: unknown) => { if (my === seq.current) setError(e instanceof ApiError ? e.message : String(e)); })
      .finally(() => { if (my === seq.current) setLoading(false); });
  }, [load, pagination, sorting, q, props.reloadKey]);

  const columns = useMemo(() => props.columns, [props.columns]);
  const table = useTable({
    features, columns, data: page.rows, rowCount: page.total,
    state: { pagination, sorting },
    onPaginationChange: setPagination,
    onSortingChange: (u) => { setSorting(u); setPagination((p) => ({ ...p, pageIndex: 0 })); },
    manualPagination: true, manualSorting: true,
    getRowId: (row) => props.rowKey(row),
  });
  const pages = Math.max(1, Math.ceil(page.total / pagination.pageSize));
  const from = page.total === 0 ? 0 : pagination.pageIndex * pagination.pageSize + 1;
  const to = Math.min(page.total, (pagination.pageIndex + 1) * pagination.pageSize);

  return (
    <div className="data-table">
      <div className="table-tools">
        {props.searchPlaceholder !== undefined && (
          <input type="search" aria-label={`Поиск: ${props.label}`} placeholder={props.searchPlaceholder}
            value={search} onChange={(e) => setSearch(e.target.value)} data-testid="table-search" />
        )}
        {props.toolbar}
        <span className="muted" role="status" aria-live="polite">{loading ? 'Загрузка…' : `${from}–${to} из ${page.totalCapped ? 'более ' : ''}${page.total}`}</span>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label={props.label} aria-busy={loading}>
          <thead>
            {table.getHeaderGroups().map((g) => (
              <tr key={g.id}>
                {g.headers.map((h) => {
                  const sortable = h.column.getCanSort();
                  const dir = h.column.getIsSorted();
                  return (
                    <th key={h.id} scope="col" aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}>
                      {sortable ? (
                        <button type="button" className="th-sort" onClick={h.column.getToggleSortingHandler()}>
                          <table.FlexRender header={h} />
                          <span aria-hidden="true">{dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}</span>
                        </button>
                      ) : <table.FlexRender header={h} />}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} className={[props.rowClass?.(row.original), props.onRowClick && 'clickable'].filter(Boolean).join(' ') || undefined}
                {...(props.onRowClick ? {
                  tabIndex: 0,
                  onClick: () => props.onRowClick!(row.original),
                  onKeyDown: (e: React.KeyboardEvent) => { if (e.key === 'Enter') props.onRowClick!(row.original); },
                } : {})}>
                {row.getAllCells().map((cell) => <td key={cell.id}><table.FlexRender cell={cell} /></td>)}
              </tr>
            ))}
            {!loading && page.rows.length === 0 && (
              <tr><td colSpan={columns.length} className="muted">Ничего не найдено</td></tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Страницы">
        <button type="button" onClick={() => table.firstPage()} disabled={!table.getCanPreviousPage()}>« Первая</button>
        <button type="button" onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()}>‹ Назад</button>
        <span>Страница {pagination.pageIndex + 1} из {pages}</span>
        <button type="button" onClick={() => table.nextPage()} disabled={!table.getCanNextPage()}>Вперёд ›</button>
        <button type="button" onClick={() => table.lastPage()} disabled={!table.getCanNextPage()}>Последняя »</button>
      </nav>
    </div>
  );
}
