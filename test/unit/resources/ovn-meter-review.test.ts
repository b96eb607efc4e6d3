/**
 * The review of ovn.Meter / ovn.Qos (issue 11): check failures as the engine shows them name the
 * element (`bands[0].rate`), say when a value has the wrong type, and give one message per argument.
 */
import { makeHandler, type Props } from "../../../provider/framework";
import { meterKind, meterSpec } from "../../../provider/resources/ovn/meter";
import { qosKind, qosSpec } from "../../../provider/resources/ovn/qos";
import { aclKind, aclSpec } from "../../../provider/resources/ovn/acl";
import { natSpec } from "../../../provider/resources/ovn/nat";
import { anotherIdentity } from "../../../provider/engine/table";
import { specFor } from "../../../provider/engine/alternatives";

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";
const reasons = async (kind: typeof meterKind, i: Props) =>
  (await makeHandler(kind).check({}, { ...i, owner })).failures.map((f) => f.reason);

const meter = { nb, name: "m1", unit: "kbps" };
const qos = { nb, switch: "sw0", direction: "from-lport", priority: 100, match: "ip4", dscp: 46 };

describe("ovn.Meter bands: the band index in every message", () => {
  it("a bad rate names bands[N].rate once", async () => {
    expect(await reasons(meterKind, { ...meter, bands: [{ rate: 1 }, { rate: 0 }] })).toEqual([
      "[INVALID_INPUT] bands[1].rate: accepted an integer 1..4294967295",
    ]);
  });
  it("a bad action names bands[N].action, with a colon", async () => {
    expect(await reasons(meterKind, { ...meter, bands: [{ rate: 1, action: "remark" }] })).toEqual([
      '[INVALID_INPUT] bands[0].action: accepted "drop"',
    ]);
  });
  it("a misspelled field names its path and the accepted fields", async () => {
    expect(await reasons(meterKind, { ...meter, bands: [{ rate: 10, burstsize: 5 }] })).toEqual([
      '[INVALID_INPUT] bands[0].burstsize: unknown field "burstsize"; accepted: action, rate, burstSize',
    ]);
  });
});

describe("integers: a value of the wrong type says so", () => {
  it('dscp: "46" is a string', async () => {
    expect(await reasons(qosKind, { ...qos, dscp: "46" })).toEqual([
      '[INVALID_INPUT] dscp: accepted an integer 0..63, got the string "46" (write it without quotes)',
    ]);
  });
  it("priority has one message, out of range or not an integer or not a number", async () => {
    const one = "[INVALID_INPUT] priority: accepted an integer 0..32767 (highest wins)";
    expect(await reasons(qosKind, { ...qos, priority: 40000 })).toEqual([one]);
    expect(await reasons(qosKind, { ...qos, priority: -1 })).toEqual([one]);
    expect(await reasons(qosKind, { ...qos, priority: 1.5 })).toEqual([one]);
    expect(await reasons(aclKind, { ...qos, action: "drop", priority: true })).toEqual([
      `${one}, got a boolean`,
    ]);
  });
});

describe("NAME_TAKEN for a row without a name says what identifies it", () => {
  it("a QoS rule and an ACL: direction, priority and match; a named row: another name", () => {
    expect(anotherIdentity(qosSpec)).toBe(
      "change its direction, priority or match (they identify a QoS rule on its logical switch)",
    );
    expect(anotherIdentity(specFor(aclSpec, { portGroup: "pg" }))).toBe(
      "change its direction, priority or match (they identify an ACL on its port group)",
    );
    expect(anotherIdentity(natSpec)).toMatch(/^change its type, externalIp or logicalIp \(they identify/);
    expect(anotherIdentity(meterSpec)).toBeUndefined();
  });
});
