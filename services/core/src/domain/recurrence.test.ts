import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import { nextOccurrence, parseRecurrence } from "./recurrence.js";

function rejection(value: string) {
  try {
    parseRecurrence(value, "task.recurrence");
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    const [violation, ...more] = (e as InvalidInputError).violations;
    expect(more).toEqual([]);
    expect(violation?.field).toBe("task.recurrence");
    return violation?.description;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe("parseRecurrence", () => {
  it.each([
    ["FREQ=DAILY", "FREQ=DAILY"],
    ["freq=weekly;byday=mo", "FREQ=WEEKLY;BYDAY=MO"],
    ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=WEEKLY;BYDAY=MO,WE,FR"],
    ["rrule:FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=MONTHLY;BYMONTHDAY=15"],
    ["  FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29  ", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"],
    ["FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"],
    ["FREQ=DAILY;COUNT=5", "FREQ=DAILY;COUNT=5"],
    ["FREQ=DAILY;UNTIL=20250101T000000Z", "FREQ=DAILY;UNTIL=20250101T000000Z"],
    ["FREQ=DAILY;UNTIL=20250101", "FREQ=DAILY;UNTIL=20250101"],
    ["FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1;WKST=SU", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1;WKST=SU"],
    ["FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"],
    ["FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=+2TU"],
    ["FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYMONTHDAY=-1"],
    ["FREQ=DAILY;INTERVAL=1000", "FREQ=DAILY;INTERVAL=1000"],
    ["FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=30", "FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=30"],
  ])("accepts %j as %j", (value, normalised) => {
    expect(parseRecurrence(value, "task.recurrence")).toBe(normalised);
  });

  it.each([
    ["FREQ=HOURLY", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"],
    ["FREQ=MINUTELY", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"],
    ["FREQ=SECONDLY", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"],
    ["INTERVAL=2", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"],
    ["", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"],
    ["FREQ=DAILY;INTERVAL=0", "INTERVAL must be between 1 and 1000"],
    ["FREQ=DAILY;INTERVAL=1001", "INTERVAL must be between 1 and 1000"],
    ["FREQ=DAILY;INTERVAL=-1", "INTERVAL must be between 1 and 1000"],
    ["FREQ=DAILY;COUNT=0", "COUNT must be at least 1"],
    ["FREQ=DAILY;COUNT=-1", "COUNT must be at least 1"],
    ["FREQ=DAILY;BYHOUR=9", "unsupported RRULE part BYHOUR"],
    ["FREQ=DAILY;BYMINUTE=0", "unsupported RRULE part BYMINUTE"],
    ["FREQ=YEARLY;BYWEEKNO=1", "unsupported RRULE part BYWEEKNO"],
    ["FREQ=YEARLY;BYYEARDAY=1", "unsupported RRULE part BYYEARDAY"],
    ["DTSTART=20200101", "unsupported RRULE part DTSTART"],
    ["garbage", "unsupported RRULE part GARBAGE"],
    ["FREQ=DAILY;__proto__=1", "unsupported RRULE part __PROTO__"],
    ["FREQ=DAILY;toString=1", "unsupported RRULE part TOSTRING"],
    ["FREQ=DAILY;UNTIL=garbage", "UNTIL has an invalid value"],
    ["FREQ=DAILY;", "must be an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO"],
  ])("rejects %j: %s", (value, description) => {
    expect(rejection(value)).toBe(description);
  });

  it("cuts a long unknown part name in the message", () => {
    expect(rejection(`FREQ=DAILY;${"X".repeat(100)}=1`)).toBe(
      `unsupported RRULE part ${"X".repeat(20)}`,
    );
  });

  // rrule takes these without complaint and then loops forever (INTERVAL=abc is NaN), throws
  // a TypeError when the task is completed (BYDAY=XX, BYSETPOS=0) or searches to the year 9999.
  it.each([
    "FREQ=DAILY;INTERVAL=abc",
    "FREQ=DAILY;INTERVAL=1.5",
    "FREQ=DAILY;INTERVAL=",
    "FREQ=DAILY;COUNT=abc",
    "FREQ=DAILY;COUNT=1e3",
    "FREQ=WEEKLY;BYDAY=XX",
    "FREQ=WEEKLY;BYDAY=MO,",
    "FREQ=MONTHLY;BYDAY=54MO",
    "FREQ=MONTHLY;BYSETPOS=0",
    "FREQ=MONTHLY;BYSETPOS=367",
    "FREQ=MONTHLY;BYMONTHDAY=0",
    "FREQ=MONTHLY;BYMONTHDAY=32",
    "FREQ=MONTHLY;BYMONTHDAY=40",
    "FREQ=YEARLY;BYMONTH=0",
    "FREQ=YEARLY;BYMONTH=13",
    "FREQ=DAILY;WKST=XX",
    "FREQ=DAILY;FREQ=WEEKLY",
    "FREQ=DAILY;INTERVAL=2=3",
    "FREQ",
    "FREQ=DAILY\nDTSTART:20200101T000000Z",
  ])("rejects the malformed value in %j", (value) => {
    expect(rejection(value)).toMatch(/has an invalid value$/);
  });

  it.each([
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYMONTH=4,6,9,11;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-30",
  ])("rejects %j, which never occurs", (value) => {
    expect(rejection(value)).toBe("BYMONTHDAY never falls in BYMONTH");
  });
});

describe("nextOccurrence", () => {
  const at = (date: string, time?: string, timeZone?: string) =>
    time ? { date, time, timeZone } : { date };

  it("DAILY moves one day on, across month and leap-day boundaries", () => {
    expect(nextOccurrence("FREQ=DAILY", at("2024-03-08"), 0)).toEqual({ date: "2024-03-09" });
    expect(nextOccurrence("FREQ=DAILY", at("2024-02-28"), 0)).toEqual({ date: "2024-02-29" });
    expect(nextOccurrence("FREQ=DAILY", at("2023-02-28"), 0)).toEqual({ date: "2023-03-01" });
    expect(nextOccurrence("FREQ=DAILY", at("2024-12-31"), 0)).toEqual({ date: "2025-01-01" });
  });

  it("DAILY with INTERVAL skips days", () => {
    expect(nextOccurrence("FREQ=DAILY;INTERVAL=3", at("2024-02-28"), 0)).toEqual({
      date: "2024-03-02",
    });
  });

  it("WEEKLY BYDAY picks the next listed weekday", () => {
    // 2024-03-08 is a Friday.
    expect(nextOccurrence("FREQ=WEEKLY;BYDAY=MO,WE,FR", at("2024-03-08"), 0)).toEqual({
      date: "2024-03-11",
    });
    expect(nextOccurrence("FREQ=WEEKLY;BYDAY=MO,WE,FR", at("2024-03-11"), 0)).toEqual({
      date: "2024-03-13",
    });
    expect(nextOccurrence("FREQ=WEEKLY", at("2024-03-08"), 0)).toEqual({ date: "2024-03-15" });
  });

  it("WEEKLY with INTERVAL=2 skips a week", () => {
    expect(nextOccurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", at("2024-03-08"), 0)).toEqual({
      date: "2024-03-22",
    });
  });

  it("MONTHLY BYMONTHDAY keeps the day and skips months without it", () => {
    expect(nextOccurrence("FREQ=MONTHLY;BYMONTHDAY=15", at("2024-01-15"), 0)).toEqual({
      date: "2024-02-15",
    });
    expect(nextOccurrence("FREQ=MONTHLY;BYMONTHDAY=15", at("2024-01-20"), 0)).toEqual({
      date: "2024-02-15",
    });
    // RFC 5545: invalid dates (February 31st) are skipped, not moved.
    expect(nextOccurrence("FREQ=MONTHLY;BYMONTHDAY=31", at("2024-01-31"), 0)).toEqual({
      date: "2024-03-31",
    });
    expect(nextOccurrence("FREQ=MONTHLY", at("2024-01-31"), 0)).toEqual({ date: "2024-03-31" });
    expect(nextOccurrence("FREQ=MONTHLY;BYMONTHDAY=-1", at("2024-01-31"), 0)).toEqual({
      date: "2024-02-29",
    });
  });

  it("MONTHLY by weekday position", () => {
    expect(nextOccurrence("FREQ=MONTHLY;BYDAY=-1FR", at("2024-03-08"), 0)).toEqual({
      date: "2024-03-29",
    });
    expect(nextOccurrence("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", at("2024-03-08"), 0)).toEqual({
      date: "2024-04-01",
    });
  });

  it("YEARLY keeps the date; 29 February waits for the next leap year", () => {
    expect(nextOccurrence("FREQ=YEARLY", at("2024-03-08"), 0)).toEqual({ date: "2025-03-08" });
    expect(nextOccurrence("FREQ=YEARLY", at("2024-02-29"), 0)).toEqual({ date: "2028-02-29" });
    expect(nextOccurrence("FREQ=YEARLY;INTERVAL=2", at("2024-03-08"), 0)).toEqual({
      date: "2026-03-08",
    });
  });

  it("COUNT counts the occurrences already completed", () => {
    const rule = "FREQ=DAILY;COUNT=3";
    expect(nextOccurrence(rule, at("2024-03-01"), 0)).toEqual({ date: "2024-03-02" });
    expect(nextOccurrence(rule, at("2024-03-02"), 1)).toEqual({ date: "2024-03-03" });
    expect(nextOccurrence(rule, at("2024-03-03"), 2)).toBeUndefined();
    expect(nextOccurrence(rule, at("2024-03-03"), 3)).toBeUndefined();
    expect(nextOccurrence(rule, at("2024-03-03"), 10)).toBeUndefined();
    expect(nextOccurrence("FREQ=DAILY;COUNT=1", at("2024-03-01"), 0)).toBeUndefined();
  });

  it("UNTIL ends the rule", () => {
    const rule = "FREQ=DAILY;UNTIL=20240301T000000Z";
    expect(nextOccurrence(rule, at("2024-02-29"), 0)).toEqual({ date: "2024-03-01" });
    expect(nextOccurrence(rule, at("2024-03-01"), 0)).toBeUndefined();
  });

  it("a timed due date keeps its wall-clock time and zone across DST", () => {
    // Berlin springs forward on 2024-03-31: the 09:00 task stays at 09:00.
    expect(nextOccurrence("FREQ=DAILY", at("2024-03-30", "09:00:00", "Europe/Berlin"), 0)).toEqual({
      date: "2024-03-31",
      time: "09:00:00",
      timeZone: "Europe/Berlin",
    });
    expect(
      nextOccurrence("FREQ=WEEKLY", at("2024-10-29", "08:30:00", "America/New_York"), 0),
    ).toEqual({ date: "2024-11-05", time: "08:30:00", timeZone: "America/New_York" });
    // Late evening stays on its own calendar day (floating, not shifted through UTC).
    expect(
      nextOccurrence("FREQ=DAILY;INTERVAL=3", at("2024-02-28", "23:30:00", "America/New_York"), 0),
    ).toEqual({ date: "2024-03-02", time: "23:30:00", timeZone: "America/New_York" });
    expect(
      nextOccurrence("FREQ=WEEKLY;BYDAY=MO,WE,FR", at("2024-03-08", "00:15:00", "Asia/Tokyo"), 0),
    ).toEqual({ date: "2024-03-11", time: "00:15:00", timeZone: "Asia/Tokyo" });
  });

  it("an all-day due date stays all-day", () => {
    expect(nextOccurrence("FREQ=DAILY", at("2024-03-30"), 0)).toStrictEqual({
      date: "2024-03-31",
    });
  });
});
