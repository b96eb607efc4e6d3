/**
 * Typed reads: one `select` transaction whose rows come back as the generated row types of the
 * database and table named (e.g. `nb.LogicalSwitchRow` for `OVN_Northbound` `Logical_Switch`),
 * or as untyped {@link Row}s for a name held in a plain `string`.
 */
import type { OvsdbClient } from "./client";
import type { Row } from "./codec";
import type { Condition } from "./conditions";
import type { ColumnName, ColumnOf, DatabaseName, RowOf, RowType, TableName } from "./databases";
import { select } from "./operations";

/** The selected columns `C` (and `_uuid`) of a row of table `T` of database `D`. */
export type Selected<D extends string, T extends string, C extends string> = D extends DatabaseName
  ? T extends TableName<D>
    ? Pick<RowOf<D, T>, Extract<C | "_uuid", ColumnName<D, T>>>
    : Row
  : Row;

/** The rows of `table` matching every condition of `where` (all rows when empty), all columns. */
export function selectRows<D extends string, T extends string>(
  client: OvsdbClient,
  db: D,
  table: T,
  where?: Condition<ColumnOf<D, T>>[],
): Promise<RowType<D, T>[]>;
/** The rows of `table` matching `where`, with only `columns` and `_uuid`. */
export function selectRows<D extends string, T extends string, C extends ColumnOf<D, T>>(
  client: OvsdbClient,
  db: D,
  table: T,
  where: Condition<ColumnOf<D, T>>[],
  columns: readonly C[],
): Promise<Selected<D, T, C>[]>;
export async function selectRows(
  client: OvsdbClient,
  db: string,
  table: string,
  where: Condition[] = [],
  columns?: readonly string[],
): Promise<Row[]> {
  const wanted = columns && [...new Set(["_uuid", ...columns])];
  const [result] = await client.transact(db, [select(table, where, wanted)]);
  return result.rows ?? [];
}
