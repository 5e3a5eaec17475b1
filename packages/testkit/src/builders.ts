import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  Priority,
  type Project,
  type ProjectSchema,
  type Task,
  type TaskSchema,
} from "@glidepath/contracts/core/v1";

// Test-data builders: a valid resource with every field a test doesn't care about filled in,
// and the fields it does care about given as overrides.

let sequence = 0;
const next = () => ++sequence;

/** A task as plain fields (not a message instance), so overrides spread cleanly. */
export type TaskInit = Exclude<MessageInitShape<typeof TaskSchema>, Task>;
export type ProjectInit = Exclude<MessageInitShape<typeof ProjectSchema>, Project>;

/** A task with a unique title; override any field. */
export function aTask(overrides: TaskInit = {}): TaskInit {
  return { title: `Task ${next()}`, priority: Priority.P3, labels: [], ...overrides };
}

/** A task due on a date (all-day), e.g. `aDueTask("2026-12-01")`. */
export function aDueTask(date: string, overrides: TaskInit = {}): TaskInit {
  const [year, month, day] = date.split("-").map(Number);
  return aTask({ due: { date: { year, month, day } }, ...overrides });
}

/** A task due at a wall-clock time in a time zone, e.g. `aTimedTask("2026-12-01", "09:30", "Europe/Berlin")`. */
export function aTimedTask(
  date: string,
  time: string,
  timeZone: string,
  overrides: TaskInit = {},
): TaskInit {
  const [year, month, day] = date.split("-").map(Number);
  const [hours, minutes] = time.split(":").map(Number);
  return aTask({
    due: { date: { year, month, day }, time: { hours, minutes }, timeZone },
    ...overrides,
  });
}

/** A project with a unique name; override any field. */
export function aProject(overrides: ProjectInit = {}): ProjectInit {
  return { displayName: `Project ${next()}`, description: "", ...overrides };
}
