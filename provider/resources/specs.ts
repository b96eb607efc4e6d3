/**
 * Every resource declared as a {@link TableSpec}: their handlers come from `provider/engine`,
 * their SDK classes from `scripts/gen-sdk.ts`.
 */
import type { TableSpec } from "../engine/spec";
import { addressSetSpec } from "./ovn/address-set";
import { portGroupSpec } from "./ovn/port-group";
import { aclSpec } from "./ovn/acl";
import { managerSpec } from "./ovs/manager";
import { nbConnectionSpec, sbConnectionSpec } from "./ovn/connection";
import { switchSpec } from "./ovn/logical-switch";
import { routerSpec } from "./ovn/logical-router";
import { natSpec } from "./ovn/nat";
import { routeSpec } from "./ovn/static-route";

export const tableSpecs: readonly TableSpec[] = [
  managerSpec,
  nbConnectionSpec,
  sbConnectionSpec,
  switchSpec,
  routerSpec,
  routeSpec,
  natSpec,
  addressSetSpec,
  portGroupSpec,
  aclSpec,
];
