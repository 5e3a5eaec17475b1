/**
 * Synthetic workspaces with known habits, for evaluation and tests: a year of tasks across eight
 * projects, each with its own vocabulary, label, priority, duration and due-date habits, plus the
 * mess of real use: tasks filed against the habit (4-20% per project, about 10% overall), dropped
 * and stray labels, typos, near-duplicates (most of them cancelled soon after), overdue tasks and
 * tasks abandoned (cancelled, or left open and untouched). Pure and seeded.
 */
import { formatDay, weekdayOfDay } from "./days.js";
import { createRandom, type Random } from "./random.js";
import type { HistoryTask, Priority } from "./types.js";

export interface SyntheticOptions {
  tasks: number;
  seed: number;
  /** The end of the history; default 2025-06-02T09:00:00Z. */
  now?: Date;
  /** How many days of history; default 365. */
  days?: number;
}

export interface SyntheticProject {
  id: string;
  name: string;
  /** Share of its tasks filed elsewhere. */
  misfiling: number;
}

/** What the habits say a task should be (before noise), and what happened to it. */
export interface TaskTruth {
  projectId: string;
  labels: string[];
  priority: Priority;
  durationMinutes: number | null;
  /** "none", "lead:N" or "weekday:W" (as in the model's due head). */
  dueRule: string;
  /** The open task it duplicates, when it is a near-duplicate. */
  duplicateOf: string | null;
  /** Filed in another project than the habit says (or left in the inbox). */
  misfiled: boolean;
  /** Never going to be done: cancelled eventually, or left open and untouched. */
  abandoned: boolean;
}

export interface SyntheticWorkspace {
  now: string;
  projects: SyntheticProject[];
  /** Oldest first. */
  tasks: HistoryTask[];
  truth: Record<string, TaskTruth>;
}

interface Template {
  text: string;
  labels?: string[];
  minutes?: number | null;
  priority?: Priority;
  due?: string;
}

interface ProjectHabits {
  name: string;
  weight: number;
  misfiling: number;
  labels: string[];
  /** Share of its tasks that carry its own labels (by habit). */
  labelShare: number;
  priorities: readonly (readonly [Priority, number])[];
  due: string;
  /** Share of its tasks that get a due date. */
  dueShare: number;
  minutes: number;
  /** Share of its tasks that get a duration. */
  durationShare: number;
  abandonment: number;
  templates: Template[];
}

const SLOTS: Record<string, readonly string[]> = {
  component: [
    "checkout",
    "login",
    "search",
    "billing API",
    "notifications",
    "onboarding flow",
    "dashboard",
    "payments service",
    "CI pipeline",
    "database migration",
  ],
  client: [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Soylent",
  ],
  person: [
    "Sarah",
    "Tom",
    "Priya",
    "Lukas",
    "Mei",
    "Carlos",
    "Anna",
    "Omar",
    "Jonas",
    "Fatima",
    "Grace",
    "Ivan",
  ],
  family: ["mom", "dad", "grandma", "my sister", "my brother"],
  room: ["kitchen", "bathroom", "living room", "bedroom", "hallway", "basement"],
  item: [
    "milk",
    "batteries",
    "printer ink",
    "light bulbs",
    "dog food",
    "coffee beans",
    "a phone charger",
    "bin bags",
    "shoes",
    "a lamp",
    "paint",
    "screws",
  ],
  doctor: ["Patel", "Nguyen", "Schmidt", "Okafor"],
  medicine: ["allergy", "asthma", "blood pressure"],
  topic: [
    "Rust",
    "machine learning",
    "statistics",
    "TypeScript",
    "distributed systems",
    "linear algebra",
  ],
  book: [
    "Designing Data-Intensive Applications",
    "The Pragmatic Programmer",
    "Thinking Fast and Slow",
    "SICP",
  ],
  bill: ["electricity", "water", "internet", "phone", "gas", "credit card"],
  insurance: ["car", "home", "travel", "health"],
  subscription: ["streaming", "gym", "magazine", "cloud storage"],
  n: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
  subject: ["the budget", "next steps", "the contract", "the plan", "the schedule", "feedback"],
  environment: ["staging", "production", "the test cluster", "the demo server"],
  part: ["module", "handlers", "data layer", "error handling", "config"],
  product: ["website redesign", "mobile app", "audit", "support plan", "data migration"],
  plant: ["plants", "herbs", "tomatoes", "ferns", "garden"],
  lawn: ["front", "back"],
  storage: ["garage", "attic", "shed", "wardrobe", "pantry"],
  bin: ["recycling", "rubbish", "compost", "glass"],
  clothes: ["suit", "coat", "shirts", "dress", "curtains"],
  meal: ["the week", "the weekend", "Sunday lunch", "the party", "the barbecue"],
  bodypart: ["knee", "back", "shoulder", "ankle"],
  distance: ["5k", "10k", "short", "long", "hill"],
  clock: ["7am", "noon", "6pm", "8pm"],
  language: ["Spanish", "German", "Japanese", "Italian"],
  occasion: [
    "the anniversary",
    "a birthday",
    "the holidays",
    "the wedding",
    "the trip",
    "the weekend",
  ],
  event: ["game", "movie", "quiz", "karaoke", "pizza"],
  month: ["January", "March", "May", "July", "September", "November"],
};

const PROJECTS: ProjectHabits[] = [
  {
    name: "Work",
    labelShare: 0.6,
    weight: 25,
    misfiling: 0.05,
    labels: ["computer"],
    priorities: [
      [2, 0.35],
      [3, 0.45],
      [1, 0.1],
      [4, 0.1],
    ],
    due: "weekday:5",
    dueShare: 0.7,
    minutes: 60,
    durationShare: 0.8,
    abandonment: 0.06,
    templates: [
      { text: "Fix {component} bug #{ticket}", minutes: 60 },
      { text: "Review pull request #{ticket} for {component}", minutes: 30 },
      { text: "Deploy {component} to {environment}", minutes: 30 },
      { text: "Write design doc for {component}", labels: ["deep-work"], minutes: 120 },
      { text: "Refactor {component} {part}", labels: ["deep-work"], minutes: 120 },
      { text: "Update release notes for v{n}.{n}", minutes: 30 },
      { text: "Sync with {person} about {component}", labels: ["meeting"], minutes: 30 },
      { text: "Prepare sprint {sprint} planning", labels: ["meeting"], minutes: 60 },
      { text: "Investigate flaky {component} tests in build {ticket}", minutes: 60 },
      { text: "Upgrade dependencies in {component}", minutes: 60 },
    ],
  },
  {
    name: "Clients",
    labelShare: 0.75,
    weight: 12,
    misfiling: 0.04,
    labels: ["clients"],
    priorities: [
      [2, 0.6],
      [1, 0.15],
      [3, 0.25],
    ],
    due: "lead:2",
    dueShare: 0.85,
    minutes: 30,
    durationShare: 0.7,
    abandonment: 0.03,
    templates: [
      { text: "Send invoice {invoice} to {client}", labels: ["finance", "email"], minutes: 15 },
      {
        text: "Follow up with {client} on unpaid invoice {invoice}",
        labels: ["finance", "email"],
        minutes: 15,
        priority: 1,
      },
      { text: "Prepare quote for {client} {product}", labels: ["finance"], minutes: 60 },
      { text: "Call {client} about project scope", labels: ["phone"], minutes: 30 },
      { text: "Renew contract with {client}", minutes: 45 },
      { text: "Send week {week} status report to {client}", labels: ["email"], minutes: 30 },
      { text: "Schedule kickoff meeting with {client}", labels: ["meeting"], minutes: 30 },
    ],
  },
  {
    name: "Home",
    labelShare: 0.8,
    weight: 12,
    misfiling: 0.12,
    labels: ["home"],
    priorities: [
      [4, 0.7],
      [3, 0.3],
    ],
    due: "weekday:6",
    dueShare: 0.5,
    minutes: 45,
    durationShare: 0.6,
    abandonment: 0.15,
    templates: [
      { text: "Fix leaking tap in the {room}", minutes: 30 },
      { text: "Clean the {room}", minutes: 45 },
      { text: "Vacuum the {room}", minutes: 30 },
      { text: "Replace light bulb in the {room}", labels: ["quick"], minutes: 15 },
      { text: "Water the {plant}", labels: ["quick"], minutes: 15 },
      { text: "Mow the {lawn} lawn", minutes: 60 },
      { text: "Organise the {storage}", minutes: 120 },
      { text: "Change sheets in the {room}", labels: ["quick"], minutes: 15 },
      { text: "Take out the {bin}", labels: ["quick"], minutes: 15 },
    ],
  },
  {
    name: "Errands",
    labelShare: 0.7,
    weight: 12,
    misfiling: 0.2,
    labels: ["errands"],
    priorities: [
      [4, 0.6],
      [3, 0.4],
    ],
    due: "lead:1",
    dueShare: 0.7,
    minutes: 30,
    durationShare: 0.3,
    abandonment: 0.1,
    templates: [
      { text: "Pick up {clothes} from the dry cleaner" },
      { text: "Return {item} parcel to the post office" },
      { text: "Get groceries for {meal}", minutes: 60 },
      { text: "Drop off {item} at {person}'s place" },
      { text: "Buy birthday present for {person}" },
      { text: "Pick up prescription at the pharmacy", labels: ["health"] },
    ],
  },
  {
    name: "Health",
    labelShare: 0.75,
    weight: 9,
    misfiling: 0.1,
    labels: ["health"],
    priorities: [
      [3, 0.6],
      [2, 0.2],
      [4, 0.2],
    ],
    due: "lead:7",
    dueShare: 0.6,
    minutes: 60,
    durationShare: 0.7,
    abandonment: 0.12,
    templates: [
      { text: "Book dentist appointment for {person}", labels: ["phone"], minutes: 15 },
      { text: "Schedule physio session for my {bodypart}", labels: ["phone"], minutes: 15 },
      { text: "Go for a {distance} run", minutes: 45 },
      { text: "Yoga class at {clock}", minutes: 60 },
      { text: "Annual checkup with Dr. {doctor}", minutes: 60 },
      { text: "Refill {medicine} prescription", minutes: 15 },
      { text: "Book eye test at the optician", labels: ["phone"], minutes: 15 },
      { text: "Meal prep for {meal}", minutes: 90 },
    ],
  },
  {
    name: "Learning",
    labelShare: 0.6,
    weight: 8,
    misfiling: 0.08,
    labels: ["learning"],
    priorities: [
      [4, 0.8],
      [3, 0.2],
    ],
    due: "lead:14",
    dueShare: 0.15,
    minutes: 45,
    durationShare: 0.6,
    abandonment: 0.35,
    templates: [
      { text: "Read chapter {n} of {book}", labels: ["reading"], minutes: 45 },
      { text: "Watch lecture {n} on {topic}", minutes: 60 },
      { text: "Practice {language} vocabulary, lesson {n}", minutes: 20 },
      { text: "Finish {topic} course module {n}", labels: ["deep-work"], minutes: 90 },
      { text: "Write notes on {topic}", labels: ["deep-work"], minutes: 45 },
      { text: "Do {topic} exercises {n}.{n}", minutes: 60 },
    ],
  },
  {
    name: "Finance",
    labelShare: 0.85,
    weight: 10,
    misfiling: 0.06,
    labels: ["finance"],
    priorities: [
      [2, 0.5],
      [1, 0.2],
      [3, 0.3],
    ],
    due: "lead:3",
    dueShare: 0.9,
    minutes: 15,
    durationShare: 0.6,
    abandonment: 0.03,
    templates: [
      { text: "File tax return", labels: ["deep-work"], minutes: 120, priority: 1 },
      { text: "Transfer {amount} to savings", minutes: 10 },
      { text: "Check {month} bank statement", minutes: 15 },
      { text: "Renew {insurance} insurance", labels: ["phone"], minutes: 30 },
      { text: "Pay {month} rent", minutes: 10 },
      { text: "Cancel unused {subscription} subscription", minutes: 10 },
    ],
  },
  {
    name: "Social",
    labelShare: 0.5,
    weight: 12,
    misfiling: 0.15,
    labels: ["personal"],
    priorities: [
      [3, 0.5],
      [4, 0.5],
    ],
    due: "weekday:0",
    dueShare: 0.6,
    minutes: 30,
    durationShare: 0.5,
    abandonment: 0.12,
    templates: [
      { text: "Call {family} about {occasion}", labels: ["phone"], minutes: 30 },
      { text: "Plan {meal} with {person}", minutes: 30 },
      { text: "Send birthday card to {person}", minutes: 15 },
      { text: "Book restaurant for {occasion}", labels: ["phone"], minutes: 15 },
      { text: "Organise {event} night", minutes: 60 },
      { text: "Reply to {person}'s email", labels: ["email"], minutes: 15 },
      { text: "Buy gift for {person}", labels: ["errands"], minutes: 30 },
    ],
  },
];

// Tasks several projects have, with the same words: only the context tells them apart.
const SHARED_TEMPLATES: (Template & { projects: string[] })[] = [
  {
    text: "Call {person}",
    labels: ["phone"],
    minutes: 15,
    projects: ["Work", "Clients", "Social"],
  },
  {
    text: "Email {person} about {subject}",
    labels: ["email"],
    minutes: 15,
    projects: ["Work", "Clients", "Social"],
  },
  {
    text: "Schedule meeting with {person}",
    labels: ["meeting"],
    minutes: 30,
    projects: ["Work", "Clients"],
  },
  { text: "Buy {item}", projects: ["Errands", "Home"] },
  { text: "Pay {month} {bill} bill", minutes: 10, projects: ["Finance", "Home"] },
  {
    text: "Read article about {topic}",
    labels: ["reading"],
    minutes: 20,
    projects: ["Learning", "Work"],
  },
  {
    text: "Book appointment with {person}",
    labels: ["phone"],
    minutes: 15,
    projects: ["Health", "Social", "Clients"],
  },
];
for (const shared of SHARED_TEMPLATES) {
  for (const project of PROJECTS)
    if (shared.projects.includes(project.name)) project.templates.push(shared);
}

const ALL_LABELS = [
  ...new Set(PROJECTS.flatMap((p) => [...p.labels, ...p.templates.flatMap((t) => t.labels ?? [])])),
].sort();
const NOISE_MINUTES = [10, 15, 20, 30, 45, 60, 90, 120];
const NOTES = [
  "See the email thread first",
  "Ask {person} before starting",
  "Details are in the shared folder",
  "Keep the receipt",
  "No rush, but do not forget",
  "Link in the calendar invite",
];
const URGENT_SUFFIXES = [" asap", " - urgent", " today!"];
// Words people add to any kind of task: they make titles vary without saying where they belong.
const QUALIFIERS = [
  " this week",
  " before the weekend",
  " when back",
  " for next week",
  " first thing",
  " after lunch",
  " by Friday",
  " with {person}",
  " (follow-up)",
  " tonight",
  " on the way home",
  " before {month}",
];
const DAY_MS = 86_400_000;

function uuid(random: Random): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => "0123456789abcdef"[random.int(16)] as string).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[random.int(4)]}${hex(3)}-${hex(12)}`;
}

// Slots that name one instance: ticket and invoice numbers, sprints, weeks, amounts.
const NUMBERED: Record<string, (random: Random) => string> = {
  ticket: (random) => String(100 + random.int(9900)),
  invoice: (random) => `INV-${1000 + random.int(9000)}`,
  sprint: (random) => String(1 + random.int(60)),
  week: (random) => String(1 + random.int(52)),
  amount: (random) => `£${(1 + random.int(40)) * 25}`,
};

function fill(text: string, random: Random): string {
  return text.replace(/\{(\w+)\}/g, (_, slot: string) => {
    const numbered = NUMBERED[slot];
    return numbered ? numbered(random) : random.pick(SLOTS[slot] ?? [slot]);
  });
}

/** One typo in a longer word: a swap of two letters, or a dropped letter. */
function typo(title: string, random: Random): string {
  const words = title.split(" ");
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => /^[a-z]{4,}$/i.test(w));
  if (candidates.length === 0) return title;
  const [word, i] = random.pick(candidates);
  const at = 1 + random.int(word.length - 2);
  words[i] = random.chance(0.5)
    ? word.slice(0, at) + word.charAt(at + 1) + word.charAt(at) + word.slice(at + 2)
    : word.slice(0, at) + word.slice(at + 1);
  return words.join(" ");
}

/** A near-duplicate title: the same, with a typo, a dropped word, or a reminder prefix. */
function rephrase(title: string, random: Random): string {
  const roll = random.next();
  if (roll < 0.3) return title;
  if (roll < 0.55) return typo(title, random);
  if (roll < 0.75) return `Reminder: ${title.charAt(0).toLowerCase()}${title.slice(1)}`;
  const words = title.split(" ");
  if (words.length < 3) return `${title} again`;
  words.splice(1 + random.int(words.length - 1), 1);
  return words.join(" ");
}

function dueDayFor(rule: string, createDay: number): number | null {
  const [kind, value] = rule.split(":");
  const n = Number(value);
  if (kind === "lead") return createDay + n;
  if (kind === "weekday") {
    const ahead = (n - weekdayOfDay(createDay) + 7) % 7;
    return createDay + (ahead === 0 ? 7 : ahead);
  }
  return null;
}

interface Fate {
  state: HistoryTask["state"];
  updateMs: number;
  completeMs: number | null;
  /** When it stopped being open (Infinity while open). */
  closeMs: number;
}

function decideFate(
  random: Random,
  createMs: number,
  nowMs: number,
  dueMs: number | null,
  abandoned: boolean,
  slowness: number,
): Fate {
  const touched = (limitMs: number) => Math.min(nowMs, createMs + random.next() * limitMs);
  if (abandoned) {
    const cancelMs = createMs + (40 + -Math.log(1 - random.next()) * 60) * DAY_MS;
    if (cancelMs < nowMs)
      return { state: "CANCELLED", updateMs: cancelMs, completeMs: null, closeMs: cancelMs };
    return {
      state: "OPEN",
      updateMs: touched(3 * DAY_MS),
      completeMs: null,
      closeMs: Number.POSITIVE_INFINITY,
    };
  }
  let doneMs: number;
  if (dueMs !== null) {
    const late = random.chance(0.15) ? 5 - Math.log(1 - random.next()) * 15 : random.int(4) - 1;
    doneMs = Math.max(createMs + DAY_MS / 4, dueMs + late * DAY_MS + random.next() * DAY_MS);
  } else {
    doneMs = createMs + (0.2 + -Math.log(1 - random.next()) * 5 * slowness) * DAY_MS;
  }
  if (doneMs < nowMs)
    return { state: "DONE", updateMs: doneMs, completeMs: doneMs, closeMs: doneMs };
  return {
    state: "OPEN",
    updateMs: touched(2 * DAY_MS),
    completeMs: null,
    closeMs: Number.POSITIVE_INFINITY,
  };
}

/**
 * The workspace as it stood at `at`: tasks added by then, each open unless it was already done
 * or cancelled (what a model trained at `at` could have known).
 */
export function snapshotAt(workspace: SyntheticWorkspace, at: Date): HistoryTask[] {
  const atMs = at.getTime();
  const out: HistoryTask[] = [];
  for (const task of workspace.tasks) {
    if (Date.parse(task.createTime) > atMs) continue;
    // updateTime is when a closed task closed: after `at`, it was still open then.
    out.push(
      Date.parse(task.updateTime) <= atMs
        ? task
        : { ...task, state: "OPEN", completeTime: null, updateTime: task.createTime },
    );
  }
  return out;
}

export function generateWorkspace(options: SyntheticOptions): SyntheticWorkspace {
  const random = createRandom(options.seed);
  const nowMs = (options.now ?? new Date("2025-06-02T09:00:00Z")).getTime();
  const spanMs = (options.days ?? 365) * DAY_MS;
  const projects = PROJECTS.map((habits) => ({ id: uuid(random), habits }));
  const createTimes = Array.from(
    { length: options.tasks },
    () => nowMs - random.next() * spanMs,
  ).sort((a, b) => a - b);
  const tasks: HistoryTask[] = [];
  const truth: Record<string, TaskTruth> = {};
  const closeMsById = new Map<string, number>();
  let windowStart = 0;

  for (const createMs of createTimes) {
    const id = uuid(random);
    const createDay = Math.floor(createMs / DAY_MS);
    const recent = nowMs - createMs < 10 * DAY_MS;

    // Now and then, a near-duplicate of a task added in the last month and still open.
    while (
      windowStart < tasks.length &&
      createMs - (createTimes[windowStart] as number) > 30 * DAY_MS
    )
      windowStart++;
    const openRecent = random.chance(0.03)
      ? tasks.slice(windowStart).filter((t) => (closeMsById.get(t.id) ?? 0) > createMs)
      : [];
    if (openRecent.length > 0) {
      const original = random.pick(openRecent);
      const originalTruth = truth[original.id] as TaskTruth;
      const noticed = random.chance(0.8);
      const fate: Fate = noticed
        ? (() => {
            const cancelMs = createMs + (0.5 + random.next() * 9.5) * DAY_MS;
            return cancelMs < nowMs
              ? {
                  state: "CANCELLED" as const,
                  updateMs: cancelMs,
                  completeMs: null,
                  closeMs: cancelMs,
                }
              : {
                  state: "OPEN" as const,
                  updateMs: createMs,
                  completeMs: null,
                  closeMs: Number.POSITIVE_INFINITY,
                };
          })()
        : decideFate(random, createMs, nowMs, null, false, 1);
      tasks.push({
        ...original,
        id,
        title: rephrase(original.title, random),
        labels: original.labels.slice(),
        state: fate.state,
        createTime: new Date(createMs).toISOString(),
        updateTime: new Date(fate.updateMs).toISOString(),
        completeTime: fate.completeMs === null ? null : new Date(fate.completeMs).toISOString(),
      });
      truth[id] = { ...originalTruth, duplicateOf: original.id, abandoned: false };
      closeMsById.set(id, fate.closeMs);
      continue;
    }

    const project = random.weighted(projects.map((p) => [p, p.habits.weight] as const));
    const habits = project.habits;
    const template = random.pick(habits.templates);
    const urgent = random.chance(0.08);
    const qualifier = random.chance(0.35) ? fill(random.pick(QUALIFIERS), random) : "";
    let title =
      fill(template.text, random) + qualifier + (urgent ? random.pick(URGENT_SUFFIXES) : "");
    if (random.chance(0.05)) title = typo(title, random);

    const ownLabels = random.chance(habits.labelShare) ? habits.labels : [];
    const truthLabels = [...new Set([...ownLabels, ...(template.labels ?? [])])].sort();
    let labels = truthLabels.filter(() => !random.chance(0.08));
    if (random.chance(0.05)) labels = [...new Set([...labels, random.pick(ALL_LABELS)])].sort();

    const truthPriority: Priority = urgent
      ? 1
      : (template.priority ?? random.weighted(habits.priorities));
    const priority: Priority = random.chance(0.1)
      ? random.pick([1, 2, 3, 4] as const)
      : truthPriority;

    const truthMinutes = template.minutes === undefined ? habits.minutes : template.minutes;
    let durationMinutes: number | null = null;
    if (truthMinutes !== null && random.chance(habits.durationShare)) {
      durationMinutes = random.chance(0.1) ? random.pick(NOISE_MINUTES) : truthMinutes;
    }

    const dueRule = template.due ?? habits.due;
    let dueDay: number | null = null;
    if (random.chance(habits.dueShare)) {
      dueDay = random.chance(0.12) ? createDay + random.int(15) : dueDayFor(dueRule, createDay);
    }
    const dueMs = dueDay === null ? null : (dueDay + 0.75) * DAY_MS;

    const misfiled = random.chance(habits.misfiling);
    let projectId: string | null = misfiled
      ? random.pick(projects.filter((p) => p !== project)).id
      : project.id;

    const priorityFactor = { 1: 0.3, 2: 0.6, 3: 1, 4: 1.5 }[priority];
    const abandoned = random.chance(habits.abandonment * priorityFactor);
    const fate = decideFate(
      random,
      createMs,
      nowMs,
      dueMs,
      abandoned,
      habits.name === "Learning" ? 4 : 1,
    );
    // Recent open tasks often wait in the inbox to be filed.
    if (recent && fate.state === "OPEN" && random.chance(0.4)) projectId = null;

    const task: HistoryTask = {
      id,
      title,
      labels,
      projectId,
      priority,
      due:
        dueDay === null
          ? null
          : random.chance(0.2)
            ? { date: formatDay(dueDay), time: random.pick(["09:00", "12:00", "17:00"]) }
            : { date: formatDay(dueDay) },
      durationMinutes,
      state: fate.state,
      createTime: new Date(createMs).toISOString(),
      updateTime: new Date(fate.updateMs).toISOString(),
      completeTime: fate.completeMs === null ? null : new Date(fate.completeMs).toISOString(),
    };
    if (random.chance(0.2)) task.notes = fill(random.pick(NOTES), random);
    tasks.push(task);
    truth[id] = {
      projectId: project.id,
      labels: truthLabels,
      priority: truthPriority,
      durationMinutes: truthMinutes,
      dueRule,
      duplicateOf: null,
      misfiled: misfiled || projectId === null,
      abandoned,
    };
    closeMsById.set(id, fate.closeMs);
  }

  return {
    now: new Date(nowMs).toISOString(),
    projects: projects.map((p) => ({
      id: p.id,
      name: p.habits.name,
      misfiling: p.habits.misfiling,
    })),
    tasks,
    truth,
  };
}
