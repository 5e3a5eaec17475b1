import { describe, expect, it } from "vitest";
import { dueOf, parse } from "./test-helpers.js";

// Reference: Wednesday 2026-03-11 10:00 unless stated.
describe("recurrence conventions", () => {
  it("writes the interval and leaves by_day / by_month_day out when not said", () => {
    const draft = parse("Back up the laptop weekly");
    expect(draft.recurrence).toEqual({
      freq: "WEEKLY",
      interval: 1,
      rrule: "FREQ=WEEKLY;INTERVAL=1",
    });
    expect(draft.title).toBe("Back up the laptop");
    expect(parse("Review the budget monthly").recurrence).toMatchObject({ freq: "MONTHLY" });
    expect(parse("Renew the domain yearly").recurrence).toMatchObject({ freq: "YEARLY" });
    expect(parse("Practice Spanish daily").recurrence).toMatchObject({ freq: "DAILY" });
  });

  it("a recurrence without an anchor starts on the reference date, all-day", () => {
    expect(dueOf(parse("Payroll run every 2 weeks"))).toBe("2026-03-11");
    expect(dueOf(parse("Run the vacuum every other day"))).toBe("2026-03-11");
    expect(dueOf(parse("Rotate the keys every 3 months"))).toBe("2026-03-11");
    expect(parse("Rotate the keys every 3 months").recurrence).toMatchObject({
      freq: "MONTHLY",
      interval: 3,
      rrule: "FREQ=MONTHLY;INTERVAL=3",
    });
    expect(parse("Sync every other week").recurrence).toMatchObject({
      freq: "WEEKLY",
      interval: 2,
    });
    expect(parse("Review goals every quarter").recurrence).toMatchObject({
      freq: "MONTHLY",
      interval: 3,
    });
  });

  it('"every other friday" is WEEKLY, interval 2, by_day FR, starting on the coming Friday', () => {
    const draft = parse("Team lunch every other friday at noon #Work");
    expect(draft.recurrence).toEqual({
      freq: "WEEKLY",
      interval: 2,
      byDay: ["FR"],
      rrule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
    });
    expect(dueOf(draft)).toBe("2026-03-13T12:00");
    expect(draft.title).toBe("Team lunch");
    // The coming Friday, not the one two weeks out (Saturday reference).
    expect(dueOf(parse("Team lunch every other friday", "2026-03-14T10:00:00"))).toBe("2026-03-20");
  });

  it('"every weekday" is WEEKLY on MO-FR; a timed weekly one starts at the first slot after now', () => {
    const draft = parse("Stand-up notes every weekday at 9:30am", "2026-03-14T12:00:00");
    expect(draft.recurrence?.byDay).toEqual(["MO", "TU", "WE", "TH", "FR"]);
    expect(dueOf(draft)).toBe("2026-03-16T09:30");
    expect(dueOf(parse("Stand-up every weekday at 9:30am", "2026-03-11T09:00:00"))).toBe(
      "2026-03-11T09:30",
    );
    expect(dueOf(parse("Call Dad every sunday at 6pm", "2026-03-15T19:00:00"))).toBe(
      "2026-03-22T18:00",
    );
    expect(parse("Clean up every weekend").recurrence?.byDay).toEqual(["SA", "SU"]);
  });

  it("weekday lists and plural weekdays", () => {
    const draft = parse("Yoga every tuesday and thursday at 6:30pm", "2026-03-10T19:00:00");
    expect(draft.recurrence?.byDay).toEqual(["TU", "TH"]);
    expect(dueOf(draft)).toBe("2026-03-12T18:30");
    expect(parse("Gym every mon, wed and fri at 7am").recurrence?.rrule).toBe(
      "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE,FR",
    );
    const plural = parse("Piano lessons on mondays and thursdays at 4pm");
    expect(plural.recurrence?.byDay).toEqual(["MO", "TH"]);
    expect(plural.title).toBe("Piano lessons");
  });

  it('"every 2 weeks on monday" carries the weekday into by_day', () => {
    const draft = parse("Sync with my mentor every 2 weeks on monday at 4pm");
    expect(draft.recurrence).toMatchObject({ freq: "WEEKLY", interval: 2, byDay: ["MO"] });
    expect(dueOf(draft)).toBe("2026-03-16T16:00");
    expect(draft.title).toBe("Sync with my mentor");
  });

  it('"every morning" / "every evening" are DAILY at 09:00 / 19:00; passed times start tomorrow', () => {
    const morning = parse("Check the dashboard every morning", "2026-03-11T07:30:00");
    expect(morning.recurrence).toMatchObject({ freq: "DAILY", interval: 1 });
    expect(dueOf(morning)).toBe("2026-03-11T09:00");
    expect(dueOf(parse("Walk the dog every evening", "2026-03-11T19:30:00"))).toBe(
      "2026-03-12T19:00",
    );
    expect(dueOf(parse("Meditate every day at 7am", "2026-03-11T22:30:00"))).toBe(
      "2026-03-12T07:00",
    );
    expect(dueOf(parse("Stretch every day at 3pm"))).toBe("2026-03-11T15:00");
    expect(dueOf(parse("Mow the lawn every saturday morning"))).toBe("2026-03-14T09:00");
  });

  it('"every 15th" and "every 1st of the month" are MONTHLY by_month_day', () => {
    const draft = parse("Transfer savings every 15th @finance", "2026-06-20T14:00:00");
    expect(draft.recurrence).toMatchObject({ freq: "MONTHLY", interval: 1, byMonthDay: [15] });
    expect(dueOf(draft)).toBe("2026-07-15");
    expect(
      dueOf(parse("Invoice clients every 1st of the month at 9am", "2026-03-01T10:00:00")),
    ).toBe("2026-04-01T09:00");
    expect(dueOf(parse("Pay rent every month on the 3rd", "2026-05-04T09:00:00"))).toBe(
      "2026-06-03",
    );
    expect(parse("Report every last day of the month").recurrence?.byMonthDay).toEqual([-1]);
    expect(dueOf(parse("Report every last day of the month"))).toBe("2026-03-31");
  });

  it("nth weekday of the month", () => {
    const draft = parse("Board meeting every first monday of the month");
    expect(draft.recurrence).toMatchObject({ freq: "MONTHLY", byDay: ["1MO"] });
    expect(draft.recurrence?.rrule).toBe("FREQ=MONTHLY;INTERVAL=1;BYDAY=+1MO");
    expect(dueOf(draft)).toBe("2026-04-06");
  });

  it('"every year on jan 5" is YEARLY with the date carried by due', () => {
    const draft = parse("Mom's birthday every year on jan 5 @family", "2026-08-12T11:00:00");
    expect(draft.recurrence).toEqual({
      freq: "YEARLY",
      interval: 1,
      rrule: "FREQ=YEARLY;INTERVAL=1",
    });
    expect(dueOf(draft)).toBe("2027-01-05");
    expect(draft.title).toBe("Mom's birthday");
    expect(dueOf(parse("Birthday every march 3"))).toBe("2027-03-03");
    expect(dueOf(parse("Birthday every 3rd of March", "2026-03-01T10:00:00"))).toBe("2026-03-03");
  });

  it('"starting <date>" moves the first occurrence', () => {
    expect(dueOf(parse("Backup every day starting tomorrow"))).toBe("2026-03-12");
    const draft = parse("Change the filter every 2 months starting next monday");
    expect(dueOf(draft)).toBe("2026-03-16");
    expect(draft.title).toBe("Change the filter");
  });

  it("adjectives are not recurrences", () => {
    expect(parse("Weekly report every friday").title).toBe("Weekly report");
    expect(parse("Daily standup notes").recurrence).toBeNull();
    expect(parse("Quarterly planning next monday").recurrence).toBeNull();
    expect(parse("Every time I call").recurrence).toBeNull();
  });

  it("gives a readable rendering in the recurrence element", () => {
    const el = parse("Team lunch every other friday").elements.find((e) => e.kind === "recurrence");
    expect(el).toMatchObject({ text: "every other friday", value: "every 2 weeks on Friday" });
  });
});
