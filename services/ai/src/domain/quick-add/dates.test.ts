import { describe, expect, it } from "vitest";
import { dueOf, parse, WEDNESDAY_10AM } from "./test-helpers.js";

// Reference: Wednesday 2026-03-11 10:00 unless stated.
describe("date conventions", () => {
  it('"next <weekday>" is the first such weekday after today that is not today', () => {
    expect(dueOf(parse("Retro next friday"))).toBe("2026-03-13");
    expect(dueOf(parse("Retro next wednesday"))).toBe("2026-03-18");
    expect(dueOf(parse("Retro next monday", "2026-03-13T10:00:00"))).toBe("2026-03-16");
    expect(dueOf(parse("Retro next friday", "2026-03-13T10:00:00"))).toBe("2026-03-20");
    expect(dueOf(parse("Call Tom next tue"))).toBe("2026-03-17");
  });

  it("a bare weekday is the coming one, today included", () => {
    expect(dueOf(parse("Haircut saturday"))).toBe("2026-03-14");
    expect(dueOf(parse("Pick up the parcel on thursday"))).toBe("2026-03-12");
    expect(dueOf(parse("Team lunch wednesday"))).toBe("2026-03-11");
    expect(dueOf(parse("Dentist Tues 3pm"))).toBe("2026-03-17T15:00");
    expect(parse("Pick up the parcel on thursday").title).toBe("Pick up the parcel");
  });

  it('"friday next week" and "monday this week" use calendar weeks starting on Monday', () => {
    expect(dueOf(parse("Plan friday next week"))).toBe("2026-03-20");
    expect(dueOf(parse("Plan monday this week"))).toBe("2026-03-09");
  });

  it('"this weekend" is the coming Saturday; "on the weekend" too', () => {
    expect(dueOf(parse("Hike this weekend"))).toBe("2026-03-14");
    expect(dueOf(parse("Clean the garage on the weekend"))).toBe("2026-03-14");
    expect(dueOf(parse("Hike this weekend", "2026-03-14T09:00:00"))).toBe("2026-03-14");
    expect(parse("Clean the garage on the weekend").title).toBe("Clean the garage");
  });

  it("tonight is 20:00; morning 09:00, afternoon 15:00, evening 19:00", () => {
    expect(dueOf(parse("Dinner with Priya tonight"))).toBe("2026-03-11T20:00");
    expect(dueOf(parse("Dinner with Priya tonight", "2026-03-11T21:30:00"))).toBe(
      "2026-03-11T20:00",
    );
    expect(dueOf(parse("Email the landlord this morning", "2026-03-11T07:00:00"))).toBe(
      "2026-03-11T09:00",
    );
    expect(dueOf(parse("Review the contract friday afternoon"))).toBe("2026-03-13T15:00");
    expect(dueOf(parse("Iron the shirts this evening"))).toBe("2026-03-11T19:00");
    expect(dueOf(parse("Bring the charger tomorrow morning"))).toBe("2026-03-12T09:00");
    expect(dueOf(parse("Call the landlord tomorrow evening"))).toBe("2026-03-12T19:00");
    expect(dueOf(parse("Study tomorrow night"))).toBe("2026-03-12T20:00");
    expect(dueOf(parse("Go for a run in the morning"))).toBe("2026-03-12T09:00");
    expect(parse("Go for a run in the morning").title).toBe("Go for a run");
  });

  it("a time next to a part of the day takes its half of the day", () => {
    expect(dueOf(parse("Call at 9 tonight"))).toBe("2026-03-11T21:00");
    expect(dueOf(parse("Review tomorrow afternoon at 2"))).toBe("2026-03-12T14:00");
  });

  it('"end of (the) month" is the last day of this month, today if today is that day', () => {
    expect(dueOf(parse("Close the books end of month"))).toBe("2026-03-31");
    expect(dueOf(parse("Close the books end of the month", "2026-02-28T10:00:00"))).toBe(
      "2026-02-28",
    );
    expect(dueOf(parse("Close the books by the end of the month", "2028-02-03T10:00:00"))).toBe(
      "2028-02-29",
    );
    expect(dueOf(parse("Reconcile end of next month"))).toBe("2026-04-30");
    expect(parse("Close the books by the end of the month").title).toBe("Close the books");
  });

  it('"on the 15th" is the next 15th after today, skipping months without that day', () => {
    expect(dueOf(parse("Pay the card on the 15th"))).toBe("2026-03-15");
    expect(dueOf(parse("Pay the card on the 11th"))).toBe("2026-04-11");
    expect(dueOf(parse("Pay the card on the 31st", "2026-04-02T10:00:00"))).toBe("2026-05-31");
    expect(dueOf(parse("Pay the card on the 30th", "2026-02-10T10:00:00"))).toBe("2026-03-30");
    expect(dueOf(parse("Pay rent on the 1st of next month"))).toBe("2026-04-01");
    expect(parse("Pay the card on the 15th").title).toBe("Pay the card");
  });

  it('"Dec 3" and "5 March" are the next such date, next year once passed', () => {
    expect(dueOf(parse("Anniversary on Dec 3"))).toBe("2026-12-03");
    expect(dueOf(parse("Parents arrive 5 March"))).toBe("2027-03-05");
    expect(dueOf(parse("Parents arrive 11 March"))).toBe("2026-03-11");
    expect(dueOf(parse("Celebrate the 4th of July"))).toBe("2026-07-04");
    expect(dueOf(parse("Leap day party feb 29"))).toBe("2028-02-29");
    expect(dueOf(parse("Trip Jan 5 2027"))).toBe("2027-01-05");
    expect(parse("Anniversary on Dec 3").title).toBe("Anniversary");
    expect(parse("Celebrate the 4th of July").title).toBe("Celebrate");
  });

  it('"in N days/weeks/months" are all-day; "in N hours/minutes" move the wall clock', () => {
    expect(dueOf(parse("Renew passport in 2 weeks"))).toBe("2026-03-25");
    expect(dueOf(parse("Call back in a week"))).toBe("2026-03-18");
    expect(dueOf(parse("Dentist in 3 days"))).toBe("2026-03-14");
    expect(dueOf(parse("Renew passport in 3 months", "2026-11-30T10:00:00"))).toBe("2027-02-28");
    expect(dueOf(parse("Order toner in 2 hours"))).toBe("2026-03-11T12:00");
    expect(dueOf(parse("Check the oven in 45 minutes", "2026-03-11T23:30:00"))).toBe(
      "2026-03-12T00:15",
    );
    expect(dueOf(parse("Call back in half an hour"))).toBe("2026-03-11T10:30");
    expect(dueOf(parse("Board meeting in 2 days at 9am"))).toBe("2026-03-13T09:00");
    expect(dueOf(parse("Send the report 2 days from now"))).toBe("2026-03-13");
  });

  it('"in N hours" ignores daylight saving: it is wall clock plus N', () => {
    // Europe/Berlin springs forward on 2026-03-29 at 02:00.
    expect(dueOf(parse("Check in 2 hours", "2026-03-29T01:30:00"))).toBe("2026-03-29T03:30");
  });

  it("a bare time already past today means tomorrow", () => {
    expect(dueOf(parse("Take vitamins at 7am", "2026-03-11T22:40:00"))).toBe("2026-03-12T07:00");
    expect(dueOf(parse("Call the bank at 5pm"))).toBe("2026-03-11T17:00");
    expect(dueOf(parse("Lunch with Ana at noon"))).toBe("2026-03-11T12:00");
    expect(dueOf(parse("Lunch with Ana at noon", "2026-03-11T13:00:00"))).toBe("2026-03-12T12:00");
    expect(dueOf(parse("Call at 10am"))).toBe("2026-03-11T10:00");
    expect(dueOf(parse("Gym session wednesday at 17:30"))).toBe("2026-03-11T17:30");
  });

  it("today, tomorrow, the day after tomorrow", () => {
    expect(dueOf(parse("Submit timesheet today"))).toBe("2026-03-11");
    expect(dueOf(parse("Submit timesheet tomorrow"))).toBe("2026-03-12");
    expect(dueOf(parse("Call grandma the day after tomorrow"))).toBe("2026-03-13");
    expect(dueOf(parse("Submit grant application tomorrow", "2028-02-28T10:00:00"))).toBe(
      "2028-02-29",
    );
  });

  it("an ISO date is a date; with a time it is a datetime", () => {
    expect(dueOf(parse("Submit tax return 2027-04-15 p1"))).toBe("2027-04-15");
    expect(dueOf(parse("Launch 2026-12-03 at 3:45pm"))).toBe("2026-12-03T15:45");
    expect(dueOf(parse("Launch 2026-12-03T15:45"))).toBe("2026-12-03T15:45");
    expect(parse("Launch 2026-12-03 at 3:45pm").title).toBe("Launch");
  });

  it("next week / next month / next year start that period", () => {
    expect(dueOf(parse("Pay bills next week"))).toBe("2026-03-16");
    expect(dueOf(parse("Plan the trip next month"))).toBe("2026-04-01");
    expect(dueOf(parse("File taxes next year"))).toBe("2027-01-01");
  });

  it("a time range sets the duration when none was given", () => {
    const draft = parse("Workshop tomorrow from 2pm to 4:30pm");
    expect(dueOf(draft)).toBe("2026-03-12T14:00");
    expect(draft.durationMinutes).toBe(150);
    expect(draft.title).toBe("Workshop");
  });

  it("reports the time zone with datetimes", () => {
    expect(parse("Call at 5pm", WEDNESDAY_10AM, "Asia/Tokyo").due).toEqual({
      kind: "datetime",
      date: "2026-03-11",
      time: "17:00",
      timeZone: "Asia/Tokyo",
    });
  });

  it("does not depend on the time zone of the process", () => {
    const saved = process.env.TZ;
    try {
      const results = ["UTC", "Pacific/Chatham", "America/St_Johns"].map((tz) => {
        process.env.TZ = tz;
        return [
          "Check in 2 hours",
          "Renew passport in 3 months",
          "Meet tomorrow at 2:30am",
          "Pay rent every 1st of the month at 9am",
        ].map((text) => dueOf(parse(text, "2026-03-29T01:30:00")));
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe("choices where the README is silent", () => {
  it("a bare weekday that is today stays today, even when its time has passed", () => {
    expect(dueOf(parse("Gym wednesday at 8am"))).toBe("2026-03-11T08:00");
  });

  it('"end of the week" is the coming Friday; "next weekend" follows "next <weekday>"', () => {
    expect(dueOf(parse("Finish it end of the week"))).toBe("2026-03-13");
    expect(dueOf(parse("Party next weekend"))).toBe("2026-03-14");
    expect(dueOf(parse("Party next weekend", "2026-03-14T10:00:00"))).toBe("2026-03-21");
  });

  it('"coming" and "this coming" go with the weekday', () => {
    const draft = parse("Call the school this coming friday");
    expect(dueOf(draft)).toBe("2026-03-13");
    expect(draft.title).toBe("Call the school");
  });

  it("a bare weekend or part of the day is a noun", () => {
    expect(parse("Plan weekend trip").due).toBeNull();
    expect(parse("Evening walk tomorrow").title).toBe("Evening walk");
  });

  it("the title may be empty when the sentence is all structure", () => {
    const draft = parse("tomorrow p1");
    expect(draft).toMatchObject({ title: "", priority: 1 });
    expect(dueOf(draft)).toBe("2026-03-12");
  });
});
