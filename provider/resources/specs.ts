/**
 * Every declared resource: those declared as a {@link TableSpec} get their handlers from
 * `provider/engine`; all get their SDK classes from `scripts/gen-sdk.ts` and their sections of
 * docs/reference.md from `scripts/reference.ts`.
 */
import type { ResourceSpec, TableSpec } from "../engine/spec";
import type { CollectionSpec } from "../engine/collection";
import { flowCollectionSpec, flowSpec } from "./ovs/flow";
import { addressSetSpec } from "./ovn/address-set";
import { chassisSpec } from "./ovn/chassis";
import { portGroupSpec } from "./ovn/port-group";
import { aclCollectionSpec, aclSpec } from "./ovn/acl";
import { meterSpec } from "./ovn/meter";
import { qosSpec } from "./ovn/qos";
import { dhcpOptionsSpec } from "./ovn/dhcp-options";
import { dnsSpec } from "./ovn/dns";
import { loadBalancerSpec } from "./ovn/load-balancer";
import { managerSpec } from "./ovs/manager";
import { bridgeSpec } from "./ovs/bridge";
import { portCollectionSpec, portSpec } from "./ovs/port";
import { nbConnectionSpec, sbConnectionSpec } from "./ovn/connection";
import { switchSpec } from "./ovn/logical-switch";
import { lspCollectionSpec, lspSpec } from "./ovn/logical-switch-port";
import { routerSpec } from "./ovn/logical-router";
import { natSpec } from "./ovn/nat";
import { policySpec } from "./ovn/router-policy";
import { routeSpec } from "./ovn/static-route";
import { lrpSpec } from "./ovn/logical-router-port";
import { haChassisGroupSpec } from "./ovn/ha-chassis-group";

export const tableSpecs: readonly TableSpec[] = [
  bridgeSpec,
  portSpec,
  managerSpec,
  nbConnectionSpec,
  sbConnectionSpec,
  switchSpec,
  lspSpec,
  routerSpec,
  routeSpec,
  natSpec,
  policySpec,
  lrpSpec,
  addressSetSpec,
  chassisSpec,
  portGroupSpec,
  aclSpec,
  meterSpec,
  qosSpec,
  dhcpOptionsSpec,
  dnsSpec,
  loadBalancerSpec,
  haChassisGroupSpec,
];

/** Every declared resource: the table-backed ones, and those with their own reader/writer. */
/** The collection forms: many rows of one table as one resource. */
export const collectionSpecs: readonly CollectionSpec[] = [
  portCollectionSpec,
  flowCollectionSpec,
  lspCollectionSpec,
  aclCollectionSpec,
];

export const resourceSpecs: readonly ResourceSpec[] = [...tableSpecs, flowSpec, ...collectionSpecs];
