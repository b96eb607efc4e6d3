/** The Automation API stack runner lives in sandbox/pulumi.ts (the demo uses it too). */
export * from "../../../sandbox/pulumi";
