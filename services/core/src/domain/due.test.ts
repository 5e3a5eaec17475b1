import { describe, expect, it } from "vitest";
import { dueInstant, isCalendarDate, isTimeZone, makeDue, zonedInstant } from "./due.js";
import { InvalidInputError } from "./errors.js";

const iso = (d: Date | undefined) => d?.toISOString();

/** The violations of the InvalidInputError `fn` throws. */
function violations(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).violations;
  }
  throw new Error("expected an InvalidInputError");
}

describe("isCalendarDate", () => {
  it.each([
    [2024, 2, 29, true],
    [2023, 2, 29, false],
    [2000, 2, 29, true],
    [1900, 2, 29, false],
    [2100, 2, 29, false],
    [2024, 1, 31, true],
    [2024, 4, 31, false],
    [2024, 4, 30, true],
    [2024, 12, 31, true],
    [2024, 13, 1, false],
    [2024, 0, 1, false],
    [2024, 1, 0, false],
    [2024, 1, 32, false],
    [0, 1, 1, false],
    [1, 1, 1, true],
    [9999, 12, 31, true],
    [10000, 1, 1, false],
    [-1, 1, 1, false],
  ])("%i-%i-%i → %s", (y, m, d, expected) => {
    expect(isCalendarDate(y, m, d)).toBe(expected);
  });
});

describe("isTimeZone", () => {
  it.each([
    "Europe/Berlin",
    "America/New_York",
    "UTC",
    "Etc/GMT+5",
    "America/Argentina/Buenos_Aires",
  ])("accepts %s", (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  it.each([
    "",
    "Mars/Olympus_Mons",
    "Europe/Berlin ",
    "Europe/Berlin;drop",
    "../../etc/passwd",
    `Europe/${"x".repeat(64)}`,
    "Europe\u0000Berlin",
  ])("rejects %j", (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });

  it("answers the same the second time (cached)", () => {
    expect(isTimeZone("Nowhere/Land")).toBe(false);
    expect(isTimeZone("Nowhere/Land")).toBe(false);
    expect(isTimeZone("Asia/Tokyo")).toBe(true);
    expect(isTimeZone("Asia/Tokyo")).toBe(true);
  });
});

describe("zonedInstant", () => {
  it.each([
    ["2024-06-01", "09:00:00", "Europe/Berlin", "2024-06-01T07:00:00.000Z"],
    ["2024-01-15", "09:00:00", "Europe/Berlin", "2024-01-15T08:00:00.000Z"],
    ["2024-06-01", "09:00:00", "America/New_York", "2024-06-01T13:00:00.000Z"],
    ["2024-01-15", "09:00:00", "America/New_York", "2024-01-15T14:00:00.000Z"],
    ["2024-01-15", "23:59:59", "UTC", "2024-01-15T23:59:59.000Z"],
    ["2024-01-01", "00:30:00", "Asia/Kolkata", "2023-12-31T19:00:00.000Z"],
    ["2024-12-31", "23:00:00", "Pacific/Kiritimati", "2024-12-31T09:00:00.000Z"],
  ])("%s %s in %s is %s", (date, time, zone, expected) => {
    expect(iso(zonedInstant(date, time, zone))).toBe(expected);
  });

  it("accepts HH:MM without seconds", () => {
    expect(iso(zonedInstant("2024-06-01", "09:00", "Europe/Berlin"))).toBe(
      "2024-06-01T07:00:00.000Z",
    );
  });

  describe("around DST transitions", () => {
    it.each([
      // Just before and after the spring-forward gap (02:00 → 03:00 on 2024-03-31).
      ["2024-03-31", "01:59:59", "Europe/Berlin", "2024-03-31T00:59:59.000Z"],
      ["2024-03-31", "03:00:00", "Europe/Berlin", "2024-03-31T01:00:00.000Z"],
      // Just before and after the fall-back fold (03:00 → 02:00 on 2024-10-27).
      ["2024-10-27", "01:59:59", "Europe/Berlin", "2024-10-26T23:59:59.000Z"],
      ["2024-10-27", "03:00:00", "Europe/Berlin", "2024-10-27T02:00:00.000Z"],
      ["2024-03-10", "01:59:59", "America/New_York", "2024-03-10T06:59:59.000Z"],
      ["2024-03-10", "03:00:00", "America/New_York", "2024-03-10T07:00:00.000Z"],
      ["2024-11-03", "00:59:59", "America/New_York", "2024-11-03T04:59:59.000Z"],
      ["2024-11-03", "02:00:00", "America/New_York", "2024-11-03T07:00:00.000Z"],
    ])("%s %s in %s is %s", (date, time, zone, expected) => {
      expect(iso(zonedInstant(date, time, zone))).toBe(expected);
    });

    // RFC 5545 3.3.5: a time in a gap is read with the offset before the gap (so it lands
    // after the gap); a time in a fold is its first occurrence.
    it("reads a time in the Berlin spring gap with the offset before it", () => {
      // 02:30 doesn't exist; with CET (+01:00) it is 01:30Z, which Berlin shows as 03:30 CEST.
      expect(iso(zonedInstant("2024-03-31", "02:30:00", "Europe/Berlin"))).toBe(
        "2024-03-31T01:30:00.000Z",
      );
    });

    it("reads a time in the New York spring gap with the offset before it (RFC 5545 example)", () => {
      // TZID=America/New_York:20070311T023000 is 03:30 EDT, one hour after 01:30 EST.
      expect(iso(zonedInstant("2007-03-11", "02:30:00", "America/New_York"))).toBe(
        "2007-03-11T07:30:00.000Z",
      );
      expect(iso(zonedInstant("2024-03-10", "02:30:00", "America/New_York"))).toBe(
        "2024-03-10T07:30:00.000Z",
      );
    });

    it("takes the first occurrence of a time in the Berlin autumn fold", () => {
      // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
      expect(iso(zonedInstant("2024-10-27", "02:30:00", "Europe/Berlin"))).toBe(
        "2024-10-27T00:30:00.000Z",
      );
      expect(iso(zonedInstant("2024-10-27", "02:00:00", "Europe/Berlin"))).toBe(
        "2024-10-27T00:00:00.000Z",
      );
    });

    it("takes the first occurrence of a time in the New York autumn fold (RFC 5545 example)", () => {
      // TZID=America/New_York:20071104T013000 is 01:30 EDT (UTC-04:00).
      expect(iso(zonedInstant("2007-11-04", "01:30:00", "America/New_York"))).toBe(
        "2007-11-04T05:30:00.000Z",
      );
      expect(iso(zonedInstant("2024-11-03", "01:30:00", "America/New_York"))).toBe(
        "2024-11-03T05:30:00.000Z",
      );
    });

    it("shows the asked wall-clock time for every minute of a transition day", () => {
      const wall = (instant: Date, timeZone: string) =>
        new Intl.DateTimeFormat("en-GB", {
          timeZone,
          hourCycle: "h23",
          hour: "2-digit",
          minute: "2-digit",
        }).format(instant);
      for (const [date, zone, gapHour] of [
        ["2024-03-31", "Europe/Berlin", 2],
        ["2024-10-27", "Europe/Berlin", -1],
        ["2024-03-10", "America/New_York", 2],
        ["2024-11-03", "America/New_York", -1],
      ] as const) {
        for (let minute = 0; minute < 24 * 60; minute += 15) {
          const hh = String(Math.floor(minute / 60)).padStart(2, "0");
          const mm = String(minute % 60).padStart(2, "0");
          const instant = zonedInstant(date, `${hh}:${mm}:00`, zone);
          const expected =
            Number(hh) === gapHour
              ? `${String(gapHour + 1).padStart(2, "0")}:${mm}`
              : `${hh}:${mm}`;
          expect(wall(instant, zone), `${date} ${hh}:${mm} ${zone}`).toBe(expected);
        }
      }
    });
  });
});

describe("makeDue", () => {
  const date = { year: 2024, month: 3, day: 5 };

  it("builds an all-day due date, zero-padded", () => {
    expect(makeDue({ date, timeZone: "" }, "task.due")).toEqual({ date: "2024-03-05" });
    expect(makeDue({ date: { year: 987, month: 1, day: 2 }, timeZone: "" }, "task.due")).toEqual({
      date: "0987-01-02",
    });
  });

  it("builds a timed due date in a zone", () => {
    expect(
      makeDue(
        { date, time: { hours: 9, minutes: 5, seconds: 7 }, timeZone: "Europe/Berlin" },
        "task.due",
      ),
    ).toEqual({ date: "2024-03-05", time: "09:05:07", timeZone: "Europe/Berlin" });
  });

  it.each([
    [{ year: 2023, month: 2, day: 29 }],
    [{ year: 2024, month: 13, day: 1 }],
    [{ year: 0, month: 1, day: 1 }],
    [{ year: 2024, month: 6, day: 31 }],
  ])("rejects %j as a date, naming the field", (bad) => {
    expect(violations(() => makeDue({ date: bad, timeZone: "" }, "task.due"))).toEqual([
      { field: "task.due.date", description: "must be a real calendar date" },
    ]);
  });

  it("rejects a zone without a time", () => {
    expect(violations(() => makeDue({ date, timeZone: "Europe/Berlin" }, "x.due"))).toEqual([
      { field: "x.due.time_zone", description: "is only allowed with a time" },
    ]);
  });

  it.each([
    { hours: 24, minutes: 0, seconds: 0 },
    { hours: -1, minutes: 0, seconds: 0 },
    { hours: 9, minutes: 60, seconds: 0 },
    { hours: 9, minutes: -1, seconds: 0 },
    { hours: 9, minutes: 0, seconds: 60 },
    { hours: 9, minutes: 0, seconds: -1 },
  ])("rejects the time %j", (time) => {
    expect(violations(() => makeDue({ date, time, timeZone: "UTC" }, "task.due"))).toEqual([
      { field: "task.due.time", description: "must be a time of day" },
    ]);
  });

  it("accepts the ends of the day", () => {
    expect(
      makeDue({ date, time: { hours: 0, minutes: 0, seconds: 0 }, timeZone: "UTC" }, "d").time,
    ).toBe("00:00:00");
    expect(
      makeDue({ date, time: { hours: 23, minutes: 59, seconds: 59 }, timeZone: "UTC" }, "d").time,
    ).toBe("23:59:59");
  });

  it("requires a zone with a time, and a real one", () => {
    const time = { hours: 9, minutes: 0, seconds: 0 };
    expect(violations(() => makeDue({ date, time, timeZone: "" }, "task.due"))).toEqual([
      { field: "task.due.time_zone", description: "is required with a time" },
    ]);
    expect(violations(() => makeDue({ date, time, timeZone: "Berlin" }, "task.due"))).toEqual([
      { field: "task.due.time_zone", description: "must be an IANA time zone" },
    ]);
  });
});

describe("dueInstant", () => {
  it("is undefined for an all-day due date", () => {
    expect(dueInstant({ date: "2024-03-05" })).toBeUndefined();
    expect(dueInstant({ date: "2024-03-05", time: "09:00:00" })).toBeUndefined();
  });

  it("is the zoned instant of a timed one", () => {
    expect(
      iso(dueInstant({ date: "2024-03-05", time: "09:00:00", timeZone: "America/New_York" })),
    ).toBe("2024-03-05T14:00:00.000Z");
  });
});
