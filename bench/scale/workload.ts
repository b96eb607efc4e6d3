/**
 * The scale benchmark's workload (issue 13): at full size 100 logical switches × 30 ports and 10
 * logical routers (3,110 OVN northbound objects) and 10 OVS bridges × 100 ports (1,010 Open_vSwitch
 * rows), expressed as
 *
 * - `single`: one resource per object (ovn.LogicalSwitch, ovn.LogicalSwitchPort, ovn.LogicalRouter,
 *   ovs.Bridge, ovs.Port);
 * - `collections`: the switches, routers and bridges as single resources and the ports of each
 *   switch and of each bridge as one collection (ovn.LogicalSwitchPorts, ovs.Ports);
 * - scripts: `ovn-nbctl` / `ovs-vsctl` commands, one process per object or chained.
 *
 * Every port carries `external_ids:bench-generation`; the update (generation 1) changes it on every
 * 20th port (5 % of the members). Everything here is pure: no I/O until a program runs.
 */
import { ovn, ovs } from "../../sdk";

/** How many objects of each kind. */
export interface Shape {
  switches: number;
  portsPerSwitch: number;
  routers: number;
  bridges: number;
  portsPerBridge: number;
}

/** The full size. */
export const FULL: Shape = {
  switches: 100,
  portsPerSwitch: 30,
  routers: 10,
  bridges: 10,
  portsPerBridge: 100,
};

/** Every 20th port changes in the update: 5 % of the members. */
export const UPDATE_EVERY = 20;

/**
 * The shape at a fraction of full size: the numbers of switches, routers and bridges scale (rounded,
 * at least 1); the ports per switch and per bridge stay as at full size.
 */
export function shapeAt(scale: number): Shape {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 4)
    throw new Error(`scale must be a number in (0, 4], got ${scale}`);
  const of = (n: number) => Math.max(1, Math.round(n * scale));
  return { ...FULL, switches: of(FULL.switches), routers: of(FULL.routers), bridges: of(FULL.bridges) };
}

export interface SwitchPort {
  switch: string;
  name: string;
  /** `"MAC IP"`, unique in the workload. */
  address: string;
  /** Whether the update changes it. */
  updated: boolean;
}

export interface BridgePort {
  bridge: string;
  name: string;
  updated: boolean;
}

/** Where the resources go. */
export interface Target {
  nb: { remote: string };
  host: { remote: string };
  /**
   * The ports' interface type: `internal` (ovs-vswitchd makes a device for each) or `plain` (no type:
   * a system interface whose device does not exist, so ovs-vswitchd records an error and ofport -1).
   */
  portType: PortType;
}

export type PortType = "internal" | "plain";
export type Form = "single" | "collections";
/** One process: the commands of one object, chained with `--`. */
export interface Call {
  tool: "ovn-nbctl" | "ovs-vsctl";
  commands: string[][];
}

/** Names by table prefix, so the rows of the workload can be counted beside the sandbox's own. */
export const PREFIX = {
  Logical_Switch: "ssw",
  Logical_Switch_Port: "ssw",
  Logical_Router: "slr",
  Bridge: "sbr",
  Port: "sbp",
} as const;

export interface Workload {
  shape: Shape;
  switches: string[];
  switchPorts: SwitchPort[];
  routers: string[];
  bridges: string[];
  bridgePorts: BridgePort[];
  /** Rows per table after create, by the table's {@link PREFIX}. */
  rows: Record<keyof typeof PREFIX, number>;
  /** OVN northbound objects, Open_vSwitch objects, both. */
  objects: { ovn: number; ovs: number; all: number };
  /** Ports the update changes. */
  updatedMembers: number;
  /** Resources of each form, and how many of them the update changes. */
  resources: Record<Form, { all: number; updated: number }>;
  /** The program of a form at generation 0 (create) or 1 (update). */
  program(form: Form, target: Target, generation: 0 | 1): () => Promise<void>;
  /** Commands, one call per object (create: parents first; destroy: children first). */
  scripts(portType: PortType): { create: Call[]; update: Call[]; destroy: Call[] };
}

const hex = (n: number) => (n & 0xff).toString(16).padStart(2, "0");
const generationOf = (updated: boolean, generation: 0 | 1) => ({
  "bench-generation": String(updated ? generation : 0),
});

export function workload(shape: Shape): Workload {
  for (const [k, v] of Object.entries(shape))
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a whole number >= 1, got ${v}`);
  if (shape.switches > 65536 || shape.portsPerSwitch > 250)
    throw new Error("at most 65,536 switches of 250 ports (one /24 per switch)");
  const switches = Array.from({ length: shape.switches }, (_, i) => `${PREFIX.Logical_Switch}${i}`);
  const routers = Array.from({ length: shape.routers }, (_, i) => `${PREFIX.Logical_Router}${i}`);
  const bridges = Array.from({ length: shape.bridges }, (_, i) => `${PREFIX.Bridge}${i}`);
  let k = 0;
  const switchPorts = switches.flatMap((sw, i) =>
    Array.from({ length: shape.portsPerSwitch }, (_, j) => ({
      switch: sw,
      name: `${sw}-p${j}`,
      address: `0a:e1:${hex(i >> 8)}:${hex(i)}:00:${hex(j)} 10.${(i >> 8) & 0xff}.${i & 0xff}.${j + 2}`,
      updated: k++ % UPDATE_EVERY === 0,
    })),
  );
  k = 0;
  const bridgePorts = bridges.flatMap((br, b) =>
    Array.from({ length: shape.portsPerBridge }, (_, j) => ({
      bridge: br,
      name: `${PREFIX.Port}${b}-${j}`,
      updated: k++ % UPDATE_EVERY === 0,
    })),
  );
  const ovnObjects = switches.length + switchPorts.length + routers.length;
  const ovsObjects = bridges.length + bridgePorts.length;
  const updatedSwitchPorts = switchPorts.filter((p) => p.updated);
  const updatedBridgePorts = bridgePorts.filter((p) => p.updated);
  const updatedCollections =
    new Set(updatedSwitchPorts.map((p) => p.switch)).size +
    new Set(updatedBridgePorts.map((p) => p.bridge)).size;

  const program = (form: Form, t: Target, generation: 0 | 1) => async () => {
    const { nb, host } = t;
    const iface = t.portType === "internal" ? { interface: { type: "internal" } } : {};
    const sw: Record<string, ovn.LogicalSwitch> = {};
    for (const name of switches) sw[name] = new ovn.LogicalSwitch(name, { nb, name });
    for (const name of routers) new ovn.LogicalRouter(name, { nb, name });
    const br: Record<string, ovs.Bridge> = {};
    for (const name of bridges) br[name] = new ovs.Bridge(name, { host, name, datapathType: "netdev" });
    if (form === "single") {
      for (const p of switchPorts) {
        new ovn.LogicalSwitchPort(p.name, {
          nb,
          switch: sw[p.switch].name,
          name: p.name,
          addresses: [p.address],
          externalIds: generationOf(p.updated, generation),
        });
      }
      for (const p of bridgePorts) {
        new ovs.Port(p.name, {
          host,
          bridge: br[p.bridge].name,
          name: p.name,
          externalIds: generationOf(p.updated, generation),
          ...iface,
        });
      }
      return;
    }
    for (const name of switches) {
      const members = switchPorts.filter((p) => p.switch === name);
      new ovn.LogicalSwitchPorts(`${name}-ports`, {
        nb,
        switch: sw[name].name,
        ports: Object.fromEntries(
          members.map((p) => [
            p.name,
            { addresses: [p.address], externalIds: generationOf(p.updated, generation) },
          ]),
        ),
      });
    }
    for (const name of bridges) {
      const members = bridgePorts.filter((p) => p.bridge === name);
      new ovs.Ports(`${name}-ports`, {
        host,
        bridge: br[name].name,
        ports: Object.fromEntries(
          members.map((p) => [p.name, { externalIds: generationOf(p.updated, generation), ...iface }]),
        ),
      });
    }
  };

  const scripts = (portType: PortType) => {
    const nbctl = (...commands: string[][]): Call => ({ tool: "ovn-nbctl", commands });
    const vsctl = (...commands: string[][]): Call => ({ tool: "ovs-vsctl", commands });
    const gen = (g: 0 | 1) => `external_ids:bench-generation=${g}`;
    return {
      create: [
        ...switches.map((s) => nbctl(["ls-add", s])),
        ...switchPorts.map((p) =>
          nbctl(
            ["lsp-add", p.switch, p.name],
            ["lsp-set-addresses", p.name, p.address],
            ["set", "Logical_Switch_Port", p.name, gen(0)],
          ),
        ),
        ...routers.map((r) => nbctl(["lr-add", r])),
        ...bridges.map((b) => vsctl(["add-br", b], ["set", "Bridge", b, "datapath_type=netdev"])),
        ...bridgePorts.map((p) =>
          vsctl(
            ["add-port", p.bridge, p.name],
            ["set", "Port", p.name, gen(0)],
            ...(portType === "internal" ? [["set", "Interface", p.name, "type=internal"]] : []),
          ),
        ),
      ],
      update: [
        ...updatedSwitchPorts.map((p) => nbctl(["set", "Logical_Switch_Port", p.name, gen(1)])),
        ...updatedBridgePorts.map((p) => vsctl(["set", "Port", p.name, gen(1)])),
      ],
      destroy: [
        ...switchPorts.map((p) => nbctl(["lsp-del", p.name])),
        ...switches.map((s) => nbctl(["ls-del", s])),
        ...routers.map((r) => nbctl(["lr-del", r])),
        ...bridgePorts.map((p) => vsctl(["del-port", p.bridge, p.name])),
        ...bridges.map((b) => vsctl(["del-br", b])),
      ],
    };
  };

  return {
    shape,
    switches,
    switchPorts,
    routers,
    bridges,
    bridgePorts,
    rows: {
      Logical_Switch: switches.length,
      Logical_Switch_Port: switchPorts.length,
      Logical_Router: routers.length,
      Bridge: bridges.length,
      Port: bridgePorts.length,
    },
    objects: { ovn: ovnObjects, ovs: ovsObjects, all: ovnObjects + ovsObjects },
    updatedMembers: updatedSwitchPorts.length + updatedBridgePorts.length,
    resources: {
      single: {
        all: ovnObjects + ovsObjects,
        updated: updatedSwitchPorts.length + updatedBridgePorts.length,
      },
      collections: {
        all: switches.length + routers.length + bridges.length + switches.length + bridges.length,
        updated: updatedCollections,
      },
    },
    program,
    scripts,
  };
}

/** Bytes an argv takes in the kernel's argument area: each string with its NUL, and a pointer. */
export function argvBytes(argv: readonly string[]): number {
  return argv.reduce((sum, a) => sum + Buffer.byteLength(a) + 1 + 8, 8);
}

/**
 * The calls of one tool chained into as few invocations as the argument limit allows: each
 * invocation is `fixed` followed by the calls' commands separated by `--`, and takes at most
 * `limitBytes` ({@link argvBytes}). Order is kept. Pure.
 */
export function chain(calls: readonly Call[], fixed: readonly string[], limitBytes: number): string[][] {
  const out: string[][] = [];
  let argv: string[] | undefined;
  let bytes = 0;
  for (const call of calls) {
    const part = call.commands.flatMap((c) => ["--", ...c]);
    const partBytes = argvBytes(part) - 8;
    if (argv && bytes + partBytes > limitBytes) argv = undefined;
    if (!argv) {
      argv = [...fixed];
      bytes = argvBytes(argv);
      out.push(argv);
      // The first command needs no separator.
      part.shift();
      const first = argvBytes(part) - 8;
      if (bytes + first > limitBytes)
        throw new Error(`one call alone exceeds ${limitBytes} bytes of arguments`);
      argv.push(...part);
      bytes += first;
      continue;
    }
    argv.push(...part);
    bytes += partBytes;
  }
  return out;
}
