/**
 * The review of ovn.Meter / ovn.Qos (issue 11): check failures as the engine shows them name the
 * element (`bands[0].rate`), say when a value has the wrong type, and give one message per argument.
 */
import { makeHandler, type Props } from "../../../provider/framework";
import { meterKind } from "../../../provider/resources/ovn/meter";
import { qosKind } from "../../../provider/resources/ovn/qos";
import { aclKind } from "../../../provider/resources/ovn/acl";

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";
const reasons = async (kind: Parameters<typeof makeHandler>[0], i: Props) =>
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
