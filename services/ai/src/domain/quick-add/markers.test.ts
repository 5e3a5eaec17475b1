import { describe, expect, it } from "vitest";
import { dueOf, parse } from "./test-helpers.js";

describe("priority", () => {
  it("pN and !!N set priority N; p4 or none is 4", () => {
    expect(parse("Send the invoice p2").priority).toBe(2);
    expect(parse("Fix the bug P1").priority).toBe(1);
    expect(parse("Draft the outline !!1 #Work").priority).toBe(1);
    expect(parse("Reorganize the shelf !!3").priority).toBe(3);
    expect(parse("Buy printer paper p4").priority).toBe(4);
    expect(parse("Buy printer paper").priority).toBe(4);
    expect(parse("Buy printer paper p4").title).toBe("Buy printer paper");
  });

  it('"urgent", "asap" (any case, with a colon) are 1 and "important" 2; they leave the title', () => {
    expect(parse("URGENT: call the school")).toMatchObject({
      priority: 1,
      title: "call the school",
    });
    expect(parse("Urgent: call the school")).toMatchObject({
      priority: 1,
      title: "call the school",
    });
    expect(parse("Call the insurance company urgent")).toMatchObject({
      priority: 1,
      title: "Call the insurance company",
    });
    expect(parse("Fix login bug asap #Work")).toMatchObject({
      priority: 1,
      title: "Fix login bug",
    });
    expect(parse("Send it ASAP!")).toMatchObject({ priority: 1, title: "Send it" });
    expect(parse("Important: sign the contract tomorrow")).toMatchObject({
      priority: 2,
      title: "sign the contract",
    });
    expect(parse("Reply to the auditor - important")).toMatchObject({
      priority: 2,
      title: "Reply to the auditor",
    });
  });

  it("keeps urgent/important used as adjectives in the title", () => {
    expect(parse("Urgent care appointment tomorrow")).toMatchObject({
      priority: 4,
      title: "Urgent care appointment",
    });
    expect(parse("Important meeting with the CEO")).toMatchObject({
      priority: 4,
      title: "Important meeting with the CEO",
    });
  });

  it("p5, !1 and words containing p1 are not priorities", () => {
    expect(parse("Call mom p5")).toMatchObject({ priority: 4, title: "Call mom p5" });
    expect(parse("Fix bug !1")).toMatchObject({ priority: 4, title: "Fix bug !1" });
    expect(parse("Order the mp3 player")).toMatchObject({ priority: 4 });
  });
});

describe("labels and projects", () => {
  it("reads @labels lower-cased and #Project as typed", () => {
    const draft = parse("Plan the garden #Home-Improvement @Spring @outdoors");
    expect(draft.labels).toEqual(["spring", "outdoors"]);
    expect(draft.project).toBe("Home-Improvement");
    expect(draft.title).toBe("Plan the garden");
  });

  it("ignores @ inside e-mail addresses", () => {
    const draft = parse("Email bob@example.com the invoice @work");
    expect(draft.labels).toEqual(["work"]);
    expect(draft.title).toBe("Email bob@example.com the invoice");
  });

  it("ignores # inside URLs and words, and # before a bare number", () => {
    const draft = parse("Read https://docs.example.com/setup#install tomorrow");
    expect(draft.project).toBeNull();
    expect(draft.title).toBe("Read https://docs.example.com/setup#install");
    expect(dueOf(draft)).toBe("2026-03-12");
    expect(parse("Write C# code").project).toBeNull();
    expect(parse("Fix issue #42 before the release")).toMatchObject({
      project: null,
      title: "Fix issue #42 before the release",
    });
  });

  it("takes the first project and reports the others as alternatives", () => {
    const draft = parse("Buy paint #Home #Garden");
    expect(draft.project).toBe("Home");
    expect(draft.title).toBe("Buy paint");
    const el = draft.elements.find((e) => e.kind === "project" && e.value === "Home");
    expect(el?.alternatives).toEqual([{ value: "Garden", confidence: 0.3 }]);
  });

  it("does not read dates, priorities or durations inside URLs and addresses", () => {
    expect(parse("See https://example.com/p1/tomorrow/for-2h")).toMatchObject({
      priority: 4,
      due: null,
      durationMinutes: null,
    });
    expect(parse("Write to monday@example.com").due).toBeNull();
  });
});

describe("title", () => {
  it("drops lead-ins at the start, any case, and keeps the casing of the rest", () => {
    expect(parse("Remind me to stretch").title).toBe("stretch");
    expect(parse("remind me to Buy stamps").title).toBe("Buy stamps");
    expect(parse("I need to call the dentist today").title).toBe("call the dentist");
    expect(parse("Don't forget to send Mum a card").title).toBe("send Mum a card");
    expect(parse("Don\u2019t forget to feed the cat").title).toBe("feed the cat");
    expect(parse("TODO: file expense report #Work p3").title).toBe("file expense report");
    expect(parse("todo: fix the squeaky door").title).toBe("fix the squeaky door");
  });

  it("keeps lead-in words that are not at the start", () => {
    expect(parse("Ask Sam to remind me to call").title).toBe("Ask Sam to remind me to call");
    expect(parse("Todo list app review").title).toBe("Todo list app review");
  });

  it('"on" and "at" go with their date phrase; other words stay', () => {
    expect(parse("Book a table for 4 at Luigi's on friday at 7pm").title).toBe(
      "Book a table for 4 at Luigi's",
    );
    expect(parse("Finish the report by friday").title).toBe("Finish the report");
    expect(parse("Submit the form due friday").title).toBe("Submit the form");
    expect(parse("Pick up 3 parcels at the post office tomorrow").title).toBe(
      "Pick up 3 parcels at the post office",
    );
  });

  it("collapses spaces and tidies punctuation left by removed parts", () => {
    expect(parse("  Call   the plumber   tomorrow,  then fix the sink ").title).toBe(
      "Call the plumber, then fix the sink",
    );
    expect(parse("Pay rent tomorrow.").title).toBe("Pay rent");
    expect(parse("Call mom (tomorrow)").title).toBe("Call mom");
    expect(parse("Today: finish the report").title).toBe("finish the report");
    expect(parse("Buy milk.").title).toBe("Buy milk.");
  });
});

describe("durations", () => {
  it("reads minutes and hours after for", () => {
    expect(parse("Code review for 30 min #Work").durationMinutes).toBe(30);
    expect(parse("Deep work for 2h").durationMinutes).toBe(120);
    expect(parse("Fix the bed for 1.5 hours").durationMinutes).toBe(90);
    expect(parse("Read for 1h30").durationMinutes).toBe(90);
    expect(parse("Workshop for 2 hours and 15 minutes").durationMinutes).toBe(135);
    expect(parse("Piano practice for half an hour").durationMinutes).toBe(30);
    expect(parse("Meeting for an hour and a half").durationMinutes).toBe(90);
    expect(parse("Talk for 90m").durationMinutes).toBe(90);
    expect(parse("Sprint planning monday at 10:00 for 1 hour #Work")).toMatchObject({
      title: "Sprint planning",
      durationMinutes: 60,
    });
  });

  it('"for" before anything but a number and a unit stays in the title', () => {
    expect(parse("Book a table for 8 people")).toMatchObject({
      title: "Book a table for 8 people",
      durationMinutes: null,
    });
    expect(parse("Book flights for the conference").title).toBe("Book flights for the conference");
    expect(parse("Drive for 2 days").durationMinutes).toBeNull();
    expect(parse("Buy a gift for Mom for 20 dollars").durationMinutes).toBeNull();
    expect(parse("Do homework for a while").title).toBe("Do homework for a while");
  });
});
