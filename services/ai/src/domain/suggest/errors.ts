/** Domain errors of the suggestion models; `reason` is stable (the RPC layer maps it). */

export type SuggestInputReason = "INVALID_TASK" | "INVALID_OPTION";

/** Input the models refuse: a malformed task or option. Nothing is trained or suggested. */
export class SuggestInputError extends Error {
  readonly reason: SuggestInputReason;
  /** Path of the offending value, e.g. "tasks[3].priority" or "now". */
  readonly field: string;

  constructor(reason: SuggestInputReason, field: string, message: string) {
    super(message);
    this.name = "SuggestInputError";
    this.reason = reason;
    this.field = field;
  }
}

export type ModelFormatReason =
  | "MODEL_NOT_JSON"
  | "MODEL_FORMAT_UNKNOWN"
  | "MODEL_MALFORMED"
  | "MODEL_VERSION_MISMATCH";

/** A stored model that cannot be read back (corrupt, altered, or from another format). */
export class ModelFormatError extends Error {
  readonly reason: ModelFormatReason;

  constructor(reason: ModelFormatReason, message: string) {
    super(message);
    this.name = "ModelFormatError";
    this.reason = reason;
  }
}
