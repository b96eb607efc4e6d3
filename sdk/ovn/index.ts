/**
 * OVN resources: chassis settings on each hypervisor (`ChassisConfig`), the databases' listening
 * targets (`NorthboundConnection`, `SouthboundConnection`) and the logical network in the
 * northbound database (switches, ports, routers, router ports, static routes, NAT, router policies;
 * address sets, port groups and ACLs; meters and QoS rules; DHCP options, DNS records; load
 * balancers; HA chassis groups).
 */
export type { NorthboundArgs, NorthboundDatabaseArgs, SouthboundDatabaseArgs } from "./common";
export { ChassisConfig, type ChassisConfigArgs } from "./chassis-config";
export { NorthboundConnection, type NorthboundConnectionArgs } from "./northbound-connection";
export { SouthboundConnection, type SouthboundConnectionArgs } from "./southbound-connection";
export { LogicalSwitch, type LogicalSwitchArgs } from "./logical-switch";
export { LogicalSwitchPort, type LogicalSwitchPortArgs } from "./logical-switch-port";
export {
  LogicalSwitchPorts,
  type LogicalSwitchPortsArgs,
  type LogicalSwitchPortMember,
} from "./logical-switch-ports";
export { LogicalRouter, type LogicalRouterArgs } from "./logical-router";
export {
  LogicalRouterPort,
  type LogicalRouterPortArgs,
  type GatewayChassisArgs,
} from "./logical-router-port";
export { LogicalRouterStaticRoute, type LogicalRouterStaticRouteArgs } from "./logical-router-static-route";
export { LogicalRouterNat, type LogicalRouterNatArgs } from "./logical-router-nat";
export { LogicalRouterPolicy, type LogicalRouterPolicyArgs } from "./logical-router-policy";
export { AddressSet, type AddressSetArgs } from "./address-set";
export { PortGroup, type PortGroupArgs } from "./port-group";
export { Acl, type AclArgs } from "./acl";
export { Acls, type AclsArgs, type AclMember } from "./acls";
export { Meter, type MeterArgs, type MeterBandArgs } from "./meter";
export { Qos, type QosArgs } from "./qos";
export { DhcpOptions, type DhcpOptionsArgs } from "./dhcp-options";
export { Dns, type DnsArgs } from "./dns";
export { LoadBalancer, type LoadBalancerArgs, type LoadBalancerHealthCheckArgs } from "./load-balancer";
export { HaChassisGroup, type HaChassisGroupArgs, type HaChassisArgs } from "./ha-chassis-group";
