import { describe, expect, it } from "vitest";
import { limitedAddress } from "./limited-address.js";

/** What a per-address limit counts: IPv4 addresses one by one, IPv6 by /64. */
describe("limitedAddress", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::ffff:c000:201", "192.0.2.1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002:ffff:1234:5678:9abc", "2001:db8:1:2::/64"],
    ["2001:db8:1:3::1", "2001:db8:1:3::/64"],
    ["::FFFF:c000:207", "192.0.2.7"],
    ["2001:db8:1:2::ffff", "2001:db8:1:2::/64"],
    ["2001:DB8:0001:0002::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["2001:db8:1:2::192.0.2.1", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::", "0:0:0:0::/64"],
    ["not an address", "not an address"],
  ])("%s counts as %s", (ip, counted) => {
    expect(limitedAddress(ip)).toBe(counted);
  });
});
