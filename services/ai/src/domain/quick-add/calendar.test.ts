import { describe, expect, it } from "vitest";
import {
  addDays,
  addMinutes,
  addMonths,
  daysInMonth,
  formatDate,
  fromDayNumber,
  toDayNumber,
  weekdayOf,
} from "./calendar.js";

describe("calendar", () => {
  it("counts days across month, year and leap-day boundaries", () => {
    expect(formatDate(addDays({ year: 2028, month: 2, day: 28 }, 1))).toBe("2028-02-29");
    expect(formatDate(addDays({ year: 2026, month: 12, day: 31 }, 1))).toBe("2027-01-01");
    expect(formatDate(addDays({ year: 2026, month: 3, day: 1 }, -1))).toBe("2026-02-28");
  });

  it("round-trips day numbers, including years below 100", () => {
    for (const d of [
      { year: 1, month: 1, day: 1 },
      { year: 99, month: 12, day: 31 },
      { year: 9999, month: 12, day: 31 },
    ]) {
      expect(fromDayNumber(toDayNumber(d))).toEqual(d);
    }
  });

  it("knows weekdays (0 = Sunday)", () => {
    expect(weekdayOf({ year: 2026, month: 3, day: 11 })).toBe(3);
    expect(weekdayOf({ year: 2026, month: 3, day: 15 })).toBe(0);
  });

  it("clamps when adding months", () => {
    expect(formatDate(addMonths({ year: 2026, month: 1, day: 31 }, 1))).toBe("2026-02-28");
    expect(formatDate(addMonths({ year: 2026, month: 11, day: 30 }, 3))).toBe("2027-02-28");
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });

  it("moves the wall clock by minutes without any time zone offsets", () => {
    const moved = addMinutes({ year: 2026, month: 3, day: 29 }, { hour: 1, minute: 30 }, 60);
    expect(formatDate(moved.date)).toBe("2026-03-29");
    expect(moved.time).toEqual({ hour: 2, minute: 30 });
    const late = addMinutes({ year: 2026, month: 12, day: 31 }, { hour: 23, minute: 0 }, 90);
    expect(formatDate(late.date)).toBe("2027-01-01");
    expect(late.time).toEqual({ hour: 0, minute: 30 });
  });
});
