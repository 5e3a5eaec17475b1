export type QuickAddInputField = "text" | "time_zone" | "reference_time";

/** Thrown for input the parser refuses to read; everything else yields a draft. */
export class QuickAddInputError extends Error {
  readonly field: QuickAddInputField;

  constructor(field: QuickAddInputField, message: string) {
    super(message);
    this.name = "QuickAddInputError";
    this.field = field;
  }
}
