/** OVN resource kinds, by Pulumi type (`ovn:NAME`). */
import { makeHandler, type Handler } from "../../framework";
import { chassisKind } from "./chassis";
import { nbConnectionKind, sbConnectionKind } from "./connection";
import { switchKind } from "./logical-switch";
import { lspCollectionKind, lspKind } from "./logical-switch-port";
import { routerKind } from "./logical-router";
import { lrpKind } from "./logical-router-port";
import { routeKind } from "./static-route";
import { natKind } from "./nat";
import { policyKind } from "./router-policy";
import { addressSetKind } from "./address-set";
import { portGroupKind } from "./port-group";
import { aclCollectionKind, aclKind } from "./acl";
import { meterKind } from "./meter";
import { qosKind } from "./qos";
import { dhcpOptionsKind } from "./dhcp-options";
import { dnsKind } from "./dns";
import { loadBalancerKind } from "./load-balancer";
import { haChassisGroupKind } from "./ha-chassis-group";

export const ovnHandlers: Record<string, Handler> = {
  "ovn:ChassisConfig": makeHandler(chassisKind),
  "ovn:NorthboundConnection": makeHandler(nbConnectionKind),
  "ovn:SouthboundConnection": makeHandler(sbConnectionKind),
  "ovn:LogicalSwitch": makeHandler(switchKind),
  "ovn:LogicalSwitchPort": makeHandler(lspKind),
  "ovn:LogicalSwitchPorts": makeHandler(lspCollectionKind),
  "ovn:LogicalRouter": makeHandler(routerKind),
  "ovn:LogicalRouterPort": makeHandler(lrpKind),
  "ovn:LogicalRouterStaticRoute": makeHandler(routeKind),
  "ovn:LogicalRouterNat": makeHandler(natKind),
  "ovn:LogicalRouterPolicy": makeHandler(policyKind),
  "ovn:AddressSet": makeHandler(addressSetKind),
  "ovn:PortGroup": makeHandler(portGroupKind),
  "ovn:Acl": makeHandler(aclKind),
  "ovn:Acls": makeHandler(aclCollectionKind),
  "ovn:Meter": makeHandler(meterKind),
  "ovn:Qos": makeHandler(qosKind),
  "ovn:DhcpOptions": makeHandler(dhcpOptionsKind),
  "ovn:Dns": makeHandler(dnsKind),
  "ovn:LoadBalancer": makeHandler(loadBalancerKind),
  "ovn:HaChassisGroup": makeHandler(haChassisGroupKind),
};
