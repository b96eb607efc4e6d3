/**
 * The field report's first OVN experiment: logical switches `sw0` and `sw1`, one port each, and
 * router `lr0` joining them (`lrp0` 192.168.0.1/24 on sw0, `lrp1` 11.0.0.1/24 on sw1). Each
 * router port joins its switch in one statement (`switch:`), which creates the report's
 * `lrpN-attachment` switch ports.
 */
import { ovn, type Connection } from "pulumi-ovs";

export interface OvnRouterOptions {
  /** The OVN northbound database. */
  nb: Connection;
  /**
   * Addresses of the switch-side router ports: `"mac"` (the report's form,
   * `lsp-set-addresses lrp0-attachment 00:00:00:00:ff:01`) or `"router"` (taken from the router
   * port, the modern form). Default `"mac"`.
   */
  attachmentAddresses?: "mac" | "router";
  /** Wait until every chassis applied the change (like `ovn-nbctl --wait=hv`). */
  waitForChassis?: boolean;
}

/** The report's topology: switch, its one port, and the router port that joins it to lr0. */
export const REPORT_TOPOLOGY = [
  {
    switch: "sw0",
    port: "sw0-port1",
    address: "50:54:00:00:00:01 192.168.0.2",
    routerPort: "lrp0",
    mac: "00:00:00:00:ff:01",
    network: "192.168.0.1/24",
  },
  {
    switch: "sw1",
    port: "sw1-port1",
    address: "50:54:00:00:00:03 11.0.0.2",
    routerPort: "lrp1",
    mac: "00:00:00:00:ff:02",
    network: "11.0.0.1/24",
  },
] as const;

export function ovnRouter(opts: OvnRouterOptions) {
  const { nb, waitForChassis } = opts;
  const lr0 = new ovn.LogicalRouter("lr0", { nb, name: "lr0", waitForChassis });
  const out: Record<string, unknown> = { router: lr0.name };
  for (const t of REPORT_TOPOLOGY) {
    const sw = new ovn.LogicalSwitch(t.switch, { nb, name: t.switch, waitForChassis });
    const port = new ovn.LogicalSwitchPort(t.port, {
      nb,
      switch: sw.name,
      name: t.port,
      addresses: [t.address],
      waitForChassis,
    });
    const lrp = new ovn.LogicalRouterPort(t.routerPort, {
      nb,
      router: lr0.name,
      name: t.routerPort,
      mac: t.mac,
      networks: [t.network],
      switch: sw.name,
      switchPortAddresses: (opts.attachmentAddresses ?? "mac") === "mac" ? [t.mac] : undefined,
      waitForChassis,
    });
    out[t.switch] = { uuid: sw.uuid, port: port.name, routerPort: lrp.name, attachment: lrp.switchPortUuid };
  }
  return out;
}
