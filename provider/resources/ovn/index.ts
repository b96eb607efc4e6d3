/** OVN resource kinds, by Pulumi type (`ovn:NAME`). */
import type { Handler } from "../../framework";

export const ovnHandlers: Record<string, Handler> = {};
