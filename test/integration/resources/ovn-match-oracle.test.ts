/**
 * The preview check of OVN matches (`matchProblem`, shared by ovn.Acl and ovn.Qos) against OVN's own
 * parser: every sample is written as a QoS rule on a switch with a port (ovn-northd copies a QoS
 * match into its logical flows as it is), and `ovn-trace` reads the flows and names the ones it
 * cannot parse. The preview check must never refuse a match OVN accepts, and must refuse every
 * sample OVN refuses except the few listed as needing the database or left to OVN.
 */
import { FIELD_WIDTHS, matchProblem } from "../../../provider/resources/ovn/match";
import { refusedFlows } from "../../../provider/resources/ovn/northd-check";
import { startCentral, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(120_000);

/** Matches of every kind: well formed, and each mistake the preview check looks for. */
const SAMPLES = [
  // Accepted by OVN.
  "ip4",
  "1",
  "0",
  "ip4 && 1",
  'inport == "p1" && eth.src == 00:00:00:00:00:01',
  "ip6.src == {fe80::1, ::1, 1::2}",
  'is_chassis_resident("p1")',
  "ip4.src == 1.2.3.4/24 && tcp.dst == {80, 443} && !ct.new",
  "ip4.src == 1.2.3.0/24",
  "ip4.dst == 10.0.0.0/255.0.0.0",
  "ip4.src == 0.0.0.0/0",
  "ip6.dst == fe80::/10",
  "ip6.dst == fe80::1/64",
  "ip6.dst == ::/0",
  "(ip4 || ip6) && udp.dst == 53",
  "eth.src[0] && reg0[1..3] == 0x5 && tcp.dst == 0x50",
  "ct.est && ct_label.blocked == 0",
  "ct_label.blocked == 0 && !ct.new",
  "tcp.dst == 65535",
  "udp.src == 0",
  "ip.dscp == 63",
  "vlan.vid == 4095",
  "ip.ttl == 255",
  "ip.ttl == 0xff",
  "tcp.dst == 0/0xff",
  "eth.src == 1.2.3.4",
  "eth.src[0]",
  "!reg0",
  "80 < tcp.dst < 90",
  "1024 <= tcp.dst <= 2048",
  "tcp.dst > 1024",
  "ip4.src == {1.2.3.4 2.2.2.2}",
  "ip4 /* a comment */ && tcp",
  "ip4 // a comment",
  "ip4 // a comment\n&& tcp",
  "xxreg0 == 0xffffffffffffffffffffffffffffffff",
  "ip4.src == 1.2.3.4 && tcp.dst == 80 && tcp.src == 1024",
  "ip4 && tcp && tcp.dst == 22",
  "!(tcp.dst == 80)",
  "!ct.new",
  "!1",
  "ip4 == 1",
  '!(outport != "a")',
  "tcp.dst != 80",
  'outport == {"a", "b"}',
  '!is_chassis_resident("p1")',
  "!(ip.proto != 6)",
  "ip.proto == 6",
  "ip6.src == ::ffff:1.2.3.4",
  // Refused by OVN, and at preview.
  "ip4 &&",
  "ip4 ||",
  "ip4 && tcp.dst == 80 && ",
  "!",
  "&& ip4",
  "tcp.dst == 99999",
  "tcp.dst == 65536",
  "udp.dst == 70000",
  "sctp.src == 0x10000",
  "ip.dscp == 64",
  "vlan.vid == 4096",
  "ip.ttl == 256",
  "ip.dscp == 1.2.3.4",
  "ip4.src == ::ffff:1.2.3.4",
  "ip4.src == 1.2.3.4/33",
  "ip6.src == fe80::1/129",
  "ip4.src == 1.2.3",
  "ip4.src == 256.1.1.1",
  "ip4.src == 01.2.3.4",
  "ip6.src == 1::2::3",
  "eth.src == 00:00:00:00:00:0g",
  "eth.src == 00:00:00:00:00",
  "tcp.dst == 080",
  "tcp.dst == 1e3",
  "tcp.dst == 0x",
  "tcp.dst == 1/0xff",
  "tcp.dst = 80",
  "inport",
  "reg0",
  "tcp.dst",
  "tcp.dst ==",
  "tcp.dst == {}",
  "tcp.dst < {80, 81}",
  'inport < "a"',
  "80 < tcp.dst > 90",
  "inport == 0",
  'tcp.dst == "80"',
  'ip4.src == {1.2.3.4, "x"}',
  "reg0[0..40] == 1",
  "reg0[3..1] == 1",
  "inport[0] == 1",
  "is_chassis_resident(p1)",
  "tcp.dst == 80 ip4",
  "tcp.dst == 80 ,",
  "ip4.src == 1.2.3.4:80",
  "2",
  "ip4 & tcp",
  "ip4 | tcp",
  "ip4 /* not closed",
  "ip4.src == 10.0.0.1 && (tcp",
  "ip4.sorc == 10.0.0.1",
  'inport == "p1',
  "ip4 && tcp || udp",
  "!(ip4 && tcp)",
  "!!ip4",
  "!ip4",
  "!tcp",
  "!(udp)",
  "ip4 == 0",
  "!tcp.dst == 80",
  'inport != "a"',
  'outport != {"a", "b"}',
  '!(inport == "a")',
  "ip.proto != 6",
  "!(ip.dscp == 4)",
  "eth.type != 0x800",
  "ip.proto < 6",
  "ip4 /* not closed on this line\n */ && tcp",
  // Every nominal field tested with != (refused), every predicate under '!' (nominal ones refused).
  ...Object.entries(FIELD_WIDTHS).map(([f, w]) =>
    w === 0 ? `${f} != "x"` : w === 1 ? `!${f}` : `${f} != 1`,
  ),
  // Every known field with the largest constant of its width (accepted), and one bit more (refused).
  ...Object.entries(FIELD_WIDTHS)
    .filter(([, w]) => w > 0)
    .flatMap(([f, w]) => [
      `${f} == 0x${((1n << BigInt(w)) - 1n).toString(16)}`,
      `${f} == 0x${(1n << BigInt(w)).toString(16)}`,
    ]),
];

/** Refused by OVN, passed at preview: it takes the database (an address set that does not exist). */
const NEEDS_DATABASE = ["ip4.src == $no_such_set"];

let central: OvnCentral;
beforeAll(async () => {
  central = await startCentral({ northd: true });
  await central.nbctl("ls-add", "oracle-sw");
  await central.nbctl("lsp-add", "oracle-sw", "p1");
});
afterAll(async () => {
  await central?.stop();
});

it("the preview check and OVN's parser give the same verdict on every sample", async () => {
  const samples = [...new Set([...SAMPLES, ...NEEDS_DATABASE])];
  // One QoS rule per sample, in one ovn-nbctl call; ovn-nbctl writes matches without checking them.
  const adds = samples.flatMap((m, n) => [
    "--",
    "qos-add",
    "oracle-sw",
    "from-lport",
    String(n + 1),
    m,
    "dscp=1",
  ]);
  await central.nbctl(...adds.slice(1));
  await central.nbctl("--wait=sb", "sync");
  const refused = new Map((await refusedFlows(central.sb.unix)).map((f) => [f.match, f.reason]));
  // Every sample made a flow (the dscp mark in ls_in_qos_mark), so each has OVN's verdict.
  const flows = await central.sbctl("--bare", "--columns=match", "find", "Logical_Flow", "pipeline=ingress");
  for (const m of samples) expect(flows).toContain(m.trim());

  const rows = samples.map((m) => ({
    match: m,
    ovn: refused.get(m) ?? "accepted",
    preview: matchProblem(m) ?? "accepted",
  }));
  const acceptedByOvn = rows.filter((r) => r.ovn === "accepted");
  const refusedByOvn = rows.filter((r) => r.ovn !== "accepted");
  // Never refuse at preview what OVN accepts.
  expect(acceptedByOvn.filter((r) => r.preview !== "accepted")).toEqual([]);
  // Refuse at preview what OVN refuses, except what needs the database.
  expect(refusedByOvn.filter((r) => r.preview === "accepted").map((r) => r.match)).toEqual(NEEDS_DATABASE);
  // Both kinds are well represented (the samples do test something).
  expect(acceptedByOvn.length).toBeGreaterThan(100);
  expect(refusedByOvn.length).toBeGreaterThan(150);
  console.log(
    `${rows.length} matches: ${acceptedByOvn.length} accepted by both, ` +
      `${refusedByOvn.length - NEEDS_DATABASE.length} refused by both, ${NEEDS_DATABASE.length} left to the database`,
  );
});
