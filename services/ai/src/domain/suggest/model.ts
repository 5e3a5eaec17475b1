/**
 * A workspace's suggestion model as plain, JSON-serialisable data, versioned by a hash of its
 * content: the same history, `now`, seed and zone train the same model with the same version.
 */
import { createHash } from "node:crypto";
import { ModelFormatError } from "./errors.js";
import { type CompiledHeads, compileHeads, type HeadsState } from "./heads.js";
import { applyIsotonic, type IsotonicCalibrator } from "./isotonic.js";
import { type ActionKind, type CalibrationReport, LOW_CONFIDENCE_CAP } from "./types.js";

export const MODEL_FORMAT = "glidepath.suggest/1";

export interface HistorySummary {
  tasks: number;
  open: number;
  closed: number;
  /** Tasks filed in a project (the project head learns from these). */
  filed: number;
  /** Said to the user when the history is too thin for some or all kinds of suggestion. */
  notice: string | null;
}

export interface SuggestModel {
  format: typeof MODEL_FORMAT;
  /** "suggest/1-<12 hex digits of a SHA-256 of the rest of the model>". */
  version: string;
  /** The `now` it was trained at (RFC 3339). */
  trainedAt: string;
  /** The IANA zone whose days the due-date habits are counted in. */
  timeZone: string;
  seed: number;
  history: HistorySummary;
  heads: HeadsState;
  /** Per kind with enough held-out history. */
  calibrators: Partial<Record<ActionKind, IsotonicCalibrator>>;
  reports: CalibrationReport[];
}

export function modelVersion(model: SuggestModel | Omit<SuggestModel, "version">): string {
  const { version: _ignored, ...content } = model as SuggestModel;
  const digest = createHash("sha256").update(JSON.stringify(content)).digest("hex");
  return `suggest/1-${digest.slice(0, 12)}`;
}

export function serializeModel(model: SuggestModel): string {
  return JSON.stringify(model);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a serialised model back; throws {@link ModelFormatError} if it is not one, or was altered. */
export function deserializeModel(json: string): SuggestModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ModelFormatError("MODEL_NOT_JSON", "the model is not JSON");
  }
  if (!isObject(parsed) || parsed.format !== MODEL_FORMAT) {
    throw new ModelFormatError(
      "MODEL_FORMAT_UNKNOWN",
      `the model is not in format ${MODEL_FORMAT}`,
    );
  }
  const heads = parsed.heads;
  const shaped =
    typeof parsed.version === "string" &&
    typeof parsed.trainedAt === "string" &&
    typeof parsed.timeZone === "string" &&
    typeof parsed.seed === "number" &&
    isObject(parsed.history) &&
    isObject(parsed.calibrators) &&
    Array.isArray(parsed.reports) &&
    isObject(heads) &&
    ["project", "priority", "labels", "duration", "due", "fate"].every(
      (name) =>
        isObject(heads[name]) && Array.isArray((heads[name] as { features?: unknown }).features),
    ) &&
    isObject(heads.duplicates);
  if (!shaped) throw new ModelFormatError("MODEL_MALFORMED", "the model is missing parts");
  const model = parsed as unknown as SuggestModel;
  if (modelVersion(model) !== model.version) {
    throw new ModelFormatError(
      "MODEL_VERSION_MISMATCH",
      "the model's content does not match its version",
    );
  }
  return model;
}

/** No history makes a suggestion certain. */
export const MAX_CONFIDENCE = 0.99;

// Log tables are derived data: built once per model object and dropped with it.
const compiled = new WeakMap<SuggestModel, CompiledHeads>();

export function compiledHeads(model: SuggestModel): CompiledHeads {
  let heads = compiled.get(model);
  if (!heads) {
    heads = compileHeads(model.heads);
    compiled.set(model, heads);
  }
  return heads;
}

export function reportFor(model: SuggestModel, kind: ActionKind): CalibrationReport | undefined {
  return model.reports.find((r) => r.kind === kind);
}

/** The confidence to show for a raw score, and why it is capped when it is. */
export function calibrate(
  model: SuggestModel,
  kind: ActionKind,
  score: number,
  rawProbability: number,
): { confidence: number; caveat: string | null } {
  const calibrator = model.calibrators[kind];
  if (calibrator) {
    return { confidence: Math.min(MAX_CONFIDENCE, applyIsotonic(calibrator, score)), caveat: null };
  }
  const reason = reportFor(model, kind)?.reason ?? "no calibration for this kind of suggestion";
  return {
    confidence: Math.min(LOW_CONFIDENCE_CAP, Math.max(0, rawProbability)),
    caveat: `${reason}; confidence capped at ${LOW_CONFIDENCE_CAP}`,
  };
}
