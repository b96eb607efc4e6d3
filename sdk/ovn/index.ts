/** OVN resources: chassis settings and the northbound database. (Resources land with issue 4.) */
export {};
