// SQL column lists taken from the drizzle tables (packages/schema), so raw statements cannot drift from them.
import { getTableColumns, type Table } from 'drizzle-orm';

/** The table's columns by their drizzle key. */
export type ColumnKey<T extends Table> = keyof T['_']['columns'] & string;

/** The SQL names of `keys`, in that order. */
export function columnNames<T extends Table>(table: T, keys: readonly ColumnKey<T>[]): string[] {
  return namesOf(table, keys);
}

/** Every column of `table` but `omit`, as a SELECT list (`a, b, c`). */
export function selectList<T extends Table>(table: T, omit: readonly ColumnKey<T>[] = []): string {
  const omitted: readonly string[] = omit;
  const keys = Object.keys(getTableColumns(table)).filter((key) => !omitted.includes(key));
  return namesOf(table, keys).join(', ');
}

function namesOf(table: Table, keys: readonly string[]): string[] {
  const columns: Record<string, { name: string }> = getTableColumns(table);
  return keys.map((key) => {
    const column = columns[key];
    if (!column) throw new Error(`no column ${key} in the drizzle table`);
    return column.name;
  });
}
