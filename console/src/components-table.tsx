/**
 * The console's one data table: columns described once (header, cell, sort), the markup, the
 * accessible sort buttons and the empty state written here only. Views pass rows and columns.
 */
import type { ComponentChildren } from 'preact';
import { fmt } from './format.ts';
import { href, navigate, type Route } from './route.ts';

export type SortDirection = 'ascending' | 'descending';

export interface Sort {
  column: string;
  direction: SortDirection;
}

export interface Column<Row> {
  /** The column's id: its sort key, and the key of its header. */
  key: string;
  /** The header's text. */
  label: string;
  /** A header for screen readers only (a column of bars or of buttons). */
  hiddenLabel?: boolean;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** Another class of the header and every cell of the column (`rank`, `bar-col`). */
  class?: string;
  /** The cell of a row. */
  cell: (row: Row) => ComponentChildren;
  /** Cells are row headers (`<th scope="row">`): the column that names the row. */
  rowHeader?: boolean;
  /** Makes the column sortable (its header a button) with this order, ascending. */
  compare?: (a: Row, b: Row) => number;
  /** The order the rows come in by this column (announced; the API sorted them). */
  ordered?: SortDirection;
}

/** A sortable table's current sort and how to change it (see {@link useRouteSort}). */
export interface SortControl {
  sort: Sort;
  onSort: (sort: Sort) => void;
}

type DataAttributes = Record<`data-${string}`, string | number | null | undefined>;

export function DataTable<Row>(props: {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string | number;
  /** `data-*` attributes of a row (what links and tests find it by) and its class. */
  rowAttributes?: (row: Row) => DataAttributes & { class?: string };
  /** Said to screen readers before the table. */
  caption?: string;
  /** Further classes of the table (`compact`, `breakdown`, …). */
  class?: string;
  sorting?: SortControl;
  /** Shown below the header when there is no row. */
  empty?: ComponentChildren;
  /** Rows of a `<tfoot>` (totals). */
  foot?: ComponentChildren;
  /** Scrolls sideways inside its panel on narrow screens (default); off for small tables. */
  wrap?: boolean;
}) {
  const { columns, sorting } = props;
  const compare = sorting && columns.find((candidate) => candidate.key === sorting.sort.column)?.compare;
  const rows = sorting && compare ? sortRows(props.rows, compare, sorting.sort.direction) : props.rows;
  const table = (
    <table class={`data${props.class ? ` ${props.class}` : ''}`}>
      {props.caption ? <caption class="sr-only">{props.caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((each) => (
            <Header key={each.key} column={each} sorting={sorting} />
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={props.rowKey(row)} {...props.rowAttributes?.(row)}>
            {columns.map((each) => {
              const className = cellClass(each);
              return each.rowHeader ? (
                <th key={each.key} scope="row" class={className}>
                  {each.cell(row)}
                </th>
              ) : (
                <td key={each.key} class={className}>
                  {each.cell(row)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
      {props.foot ? <tfoot>{props.foot}</tfoot> : null}
    </table>
  );
  const empty = rows.length === 0 && props.empty ? <p class="empty">{props.empty}</p> : null;
  return props.wrap === false ? (
    <>
      {table}
      {empty}
    </>
  ) : (
    <div class="table-wrap">
      {table}
      {empty}
    </div>
  );
}

const cellClass = (column: Column<never>) =>
  [column.numeric ? 'num' : '', column.class ?? ''].filter(Boolean).join(' ') || undefined;

function sortRows<Row>(rows: readonly Row[], compare: (a: Row, b: Row) => number, direction: SortDirection) {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => compare(a, b) * sign);
}

/** A header cell; a sortable column's is a button inside a th carrying aria-sort. */
function Header<Row>({ column, sorting }: { column: Column<Row>; sorting: SortControl | undefined }) {
  const className = cellClass(column as Column<never>);
  const label = column.hiddenLabel ? <span class="sr-only">{column.label}</span> : column.label;
  if (!column.compare || !sorting) {
    return (
      <th scope="col" class={className} aria-sort={column.ordered}>
        {label}
      </th>
    );
  }
  const active = sorting.sort.column === column.key;
  const next: SortDirection = active && sorting.sort.direction === 'ascending' ? 'descending' : 'ascending';
  return (
    <th scope="col" class={className} aria-sort={active ? sorting.sort.direction : 'none'}>
      <button
        type="button"
        class="sort"
        onClick={() => sorting.onSort({ column: column.key, direction: next })}
      >
        {label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (sorting.sort.direction === 'ascending' ? ' ↑' : ' ↓') : ' ↕'}
        </span>
      </button>
    </th>
  );
}

/**
 * A table's sort kept in the address under `param` (`column:direction`), so a reload or a link keeps
 * it; `fallback` until the user picks one.
 */
export function useRouteSort(route: Route, param: string, fallback: Sort): SortControl {
  const [column, direction] = (route.params.get(param) ?? '').split(':');
  const sort: Sort =
    column && (direction === 'ascending' || direction === 'descending') ? { column, direction } : fallback;
  return {
    sort,
    onSort: (next) => {
      const params = Object.fromEntries(route.params);
      navigate(href(route.view, route.id, { ...params, [param]: `${next.column}:${next.direction}` }), true);
    },
  };
}

/** Previous and next buttons around the page number, for cursor-paged lists. */
export function Pager(props: {
  label: string;
  page: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={props.page <= 1} onClick={props.onPrevious}>
        ← Previous
      </button>
      <span class="pager-page">Page {fmt.int(props.page)}</span>
      <button type="button" disabled={!props.hasNext} onClick={props.onNext}>
        Next →
      </button>
    </nav>
  );
}
