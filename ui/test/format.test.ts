import { describe, expect, it } from "vitest";
import { dateTimeJst, privateUseCodes, roleKey, sessionLabel, timeJst } from "../src/format";
import { SESSIONS } from "./fixtures";

describe("formatting", () => {
  it("shows RFC 3339 times as HH:MM in Japan time, whatever the offset or fraction", () => {
    expect(timeJst("2026-11-24T00:15:42.123456789+00:00")).toBe("09:15");
    expect(timeJst("2026-11-24T14:59:00Z")).toBe("23:59");
    expect(timeJst("2026-11-24T15:00:00Z")).toBe("00:00");
    expect(timeJst("2026-11-24T09:05:00+09:00")).toBe("09:05");
    expect(timeJst("garbage")).toBe("--:--");
  });

  it("shows an audit entry's time as a full date and time in Japan time", () => {
    expect(dateTimeJst("2026-11-23T15:00:01.999Z")).toBe("2026-11-24 00:00:01");
    expect(dateTimeJst("2026-11-24T09:05:00+09:00")).toBe("2026-11-24 09:05:00");
    expect(dateTimeJst("garbage")).toBe("garbage");
  });

  it("names roles by message key", () => {
    expect(roleKey("supervisor")).toBe("role.supervisor");
  });

  it("labels a session with its 和暦 date, times and venue", () => {
    expect(sessionLabel(SESSIONS[1]!)).toBe("令和8年11月24日 09:00–11:30 みなと市保健センター");
  });

  it("lists 外字 code points", () => {
    expect(privateUseCodes("吉\uE000田\u{F0001}")).toEqual(["U+E000", "U+F0001"]);
    expect(privateUseCodes("葛\u{E0104}")).toEqual([]);
  });
});
