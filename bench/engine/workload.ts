/**
 * The benchmark's workload: N OVN northbound resources, logical switches of ten ports each
 * (N = 110: 10 switches and 100 ports; N = 1,100: 100 and 1,000). Every resource carries one
 * `external_ids` key; the update changes it on every tenth resource (10 %).
 */
import { ovn } from "../../sdk";

export interface Workload {
  /** Resources in the program. */
  n: number;
  switches: number;
  ports: number;
  /** Resources whose inputs generation 1 changes. */
  updated: number;
  /** The Pulumi program of generation 0 (create) or 1 (10 % updated). */
  program(generation: 0 | 1): () => Promise<void>;
}

const byte = (n: number): string => (n & 0xff).toString(16).padStart(2, "0");

export function workload(n: number, nb: { remote: string }): Workload {
  if (!Number.isInteger(n) || n < 2) throw new Error(`workload size must be an integer >= 2, got ${n}`);
  const switches = Math.max(1, Math.round(n / 11));
  const ports = n - switches;
  /** Ports of switch `i`: the ports spread evenly, the first switches taking the remainder. */
  const portsOf = (i: number) => Math.floor(ports / switches) + (i < ports % switches ? 1 : 0);
  const program = (generation: 0 | 1) => async () => {
    let k = 0;
    /** The external_ids of the k-th resource: every tenth one changes in generation 1. */
    const externalIds = () => ({ "bench-generation": String(k++ % 10 === 0 ? generation : 0) });
    for (let i = 0; i < switches; i++) {
      const name = `bsw${i}`;
      const sw = new ovn.LogicalSwitch(name, { nb, name, externalIds: externalIds() });
      for (let j = 0; j < portsOf(i); j++) {
        const port = `${name}-p${j}`;
        const mac = `0a:e0:00:${byte(i >> 8)}:${byte(i)}:${byte(j)}`;
        new ovn.LogicalSwitchPort(port, {
          nb,
          switch: sw.name,
          name: port,
          addresses: [`${mac} 10.${(i >> 8) & 0xff}.${i & 0xff}.${j + 10}`],
          externalIds: externalIds(),
        });
      }
    }
  };
  return { n, switches, ports, updated: Math.ceil(n / 10), program };
}
