/**
 * Typed rows of the databases the package manages, generated from the installed `.ovsschema`
 * files (`npm run gen:schema`): `Open_vSwitch` (vswitch), `OVN_Northbound` (nb) and
 * `OVN_Southbound` (sb). Each module holds one row interface per table (e.g.
 * `nb.LogicalSwitchRow`), the table → row map `Tables` and the columns as data (`description`).
 */
import * as nb from "./ovn-nb";
import * as sb from "./ovn-sb";
import * as vswitch from "./vswitch";
import type { Row } from "../codec";

export { nb, sb, vswitch };
export * from "./description";

/** Database name → (table name → row type). */
export interface Databases {
  Open_vSwitch: vswitch.Tables;
  OVN_Northbound: nb.Tables;
  OVN_Southbound: sb.Tables;
}

/** The databases with generated row types. */
export type DatabaseName = keyof Databases;

/** The tables of database `D`. */
export type TableName<D extends DatabaseName> = keyof Databases[D] & string;

/** The row type of table `T` of database `D`. */
export type RowOf<D extends DatabaseName, T extends TableName<D>> = Databases[D][T];

/** The columns of table `T` of database `D`, including `_uuid` and `_version`. */
export type ColumnName<D extends DatabaseName, T extends TableName<D>> = keyof RowOf<D, T> & string;

/**
 * The row type of table `T` of database `D` when both are known by name; the untyped {@link Row}
 * for any other database or table (a name held in a `string`).
 */
export type RowType<D extends string, T extends string> = D extends DatabaseName
  ? T extends TableName<D>
    ? RowOf<D, T>
    : Row
  : Row;

/** The tables of database `D`; any string when `D` is not known by name. */
export type TableOf<D extends string> = D extends DatabaseName ? TableName<D> : string;

/** The column names of table `T` of database `D`; any string when either is not known by name. */
export type ColumnOf<D extends string, T extends string> = D extends DatabaseName
  ? T extends TableName<D>
    ? ColumnName<D, T>
    : string
  : string;

/** The generated descriptions, by database name. */
export const DATABASES = {
  Open_vSwitch: vswitch.description,
  OVN_Northbound: nb.description,
  OVN_Southbound: sb.description,
} as const;
