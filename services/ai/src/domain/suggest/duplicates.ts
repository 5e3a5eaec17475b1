/**
 * Near-duplicate titles: the mean of word-set and character-trigram Jaccard similarity (words
 * catch reordering, trigrams catch typos). Candidates come from an inverted index on words.
 */

import { fitLogistic, linearScore } from "./logistic.js";
import { sigmoid } from "./naive-bayes.js";
import type { PreparedTask } from "./prepared-task.js";
import { jaccard, trigrams, words } from "./text.js";
import type { HistoryTask } from "./types.js";

/** Pairs below this are never proposed (nor used to calibrate). */
export const DUPLICATE_MIN_SIMILARITY = 0.5;
// Cheap pre-filter: pairs sharing fewer words than this cannot reach the minimum.
const MIN_WORD_JACCARD = 0.25;
const DAY_MS = 86_400_000;
/** How far back an open task is looked for when mining history. */
const HISTORY_WINDOW_MS = 180 * DAY_MS;
/** A task cancelled this soon after its twin appeared was, in all likelihood, the duplicate. */
const RESOLVED_WITHIN_MS = 14 * DAY_MS;

export interface DuplicateEntry {
  id: string;
  title: string;
  projectId: string | null;
  createMs: number;
  words: Set<string>;
  /** Character trigrams, built on first need: most pairs fail on words alone. */
  trigrams: Set<string> | null;
}

export function duplicateEntry(
  task: Pick<HistoryTask, "id" | "title" | "createTime" | "projectId">,
): DuplicateEntry {
  const titleWords = words(task.title);
  return {
    id: task.id,
    title: task.title,
    projectId: task.projectId,
    createMs: Date.parse(task.createTime),
    words: new Set(titleWords),
    trigrams: null,
  };
}

/** Similarity in [0, 1]; 0 when the titles share too few words to be duplicates. */
export function titleSimilarity(a: DuplicateEntry, b: DuplicateEntry): number {
  const wordSimilarity = jaccard(a.words, b.words);
  if (wordSimilarity < MIN_WORD_JACCARD) return 0;
  a.trigrams ??= trigrams([...a.words]);
  b.trigrams ??= trigrams([...b.words]);
  return (wordSimilarity + jaccard(a.trigrams, b.trigrams)) / 2;
}

export function sharedWords(a: DuplicateEntry, b: DuplicateEntry): string[] {
  return [...a.words].filter((w) => b.words.has(w));
}

/** The open tasks of a workspace, indexed for similarity look-ups; build once, query often. */
export interface OpenTaskIndex {
  entries: DuplicateEntry[];
  postings: Map<string, number[]>;
}

export function indexOpenTasks(tasks: readonly HistoryTask[]): OpenTaskIndex {
  const entries = tasks.filter((t) => t.state === "OPEN").map(duplicateEntry);
  const postings = new Map<string, number[]>();
  entries.forEach((entry, i) => {
    for (const word of entry.words) {
      const list = postings.get(word);
      if (list) list.push(i);
      else postings.set(word, [i]);
    }
  });
  return { entries, postings };
}

export interface SimilarTask {
  entry: DuplicateEntry;
  similarity: number;
}

/** Open tasks at least `minSimilarity` alike to `entry` (itself excluded), most alike first. */
export function similarOpenTasks(
  index: OpenTaskIndex,
  entry: DuplicateEntry,
  minSimilarity = DUPLICATE_MIN_SIMILARITY,
): SimilarTask[] {
  const seen = new Set<number>();
  const out: SimilarTask[] = [];
  for (const word of entry.words) {
    for (const i of index.postings.get(word) ?? []) {
      if (seen.has(i)) continue;
      seen.add(i);
      const other = index.entries[i] as DuplicateEntry;
      if (other.id === entry.id) continue;
      const similarity = titleSimilarity(entry, other);
      if (similarity >= minSimilarity) out.push({ entry: other, similarity });
    }
  }
  return out.sort(
    (a, b) =>
      b.similarity - a.similarity ||
      a.entry.createMs - b.entry.createMs ||
      (a.entry.id < b.entry.id ? -1 : 1),
  );
}

export interface HistoryPair {
  earlierId: string;
  laterId: string;
  similarity: number;
  /** {@link pairFeatures} of the two. */
  features: number[];
  /** What the workspace did: one twin cancelled soon after the other appeared. */
  duplicate: boolean;
  laterCreateMs: number;
}

/**
 * What the duplicate model reads about two alike tasks: how alike, how far apart they were
 * written down (a forgotten task is re-added within days; a routine one recurs), same project.
 */
export function pairFeatures(a: DuplicateEntry, b: DuplicateEntry, similarity: number): number[] {
  const gapDays = Math.abs(a.createMs - b.createMs) / DAY_MS;
  return [
    similarity,
    similarity >= 0.999 ? 1 : 0,
    gapDays <= 1 ? 1 : 0,
    gapDays <= 7 ? 1 : 0,
    Math.log1p(gapDays) / 5,
    a.projectId !== null && a.projectId === b.projectId ? 1 : 0,
  ];
}

/**
 * Pairs of tasks that were open at the same time with alike titles, labelled by what the
 * workspace did with them. A quickly cancelled task counts as the duplicate of its most alike
 * twin only.
 */
export function historyDuplicatePairs(tasks: readonly PreparedTask[]): HistoryPair[] {
  const sorted = tasks.slice().sort((a, b) => a.createMs - b.createMs);
  const entries = sorted.map((p) => duplicateEntry(p.task));
  const postings = new Map<string, number[]>();
  const pairs: HistoryPair[] = [];
  const seen = new Set<number>();
  sorted.forEach((later, j) => {
    const entry = entries[j] as DuplicateEntry;
    seen.clear();
    const candidates: { i: number; similarity: number }[] = [];
    for (const word of entry.words) {
      const list = postings.get(word);
      if (!list) continue;
      for (let k = list.length - 1; k >= 0; k--) {
        const i = list[k] as number;
        const earlier = sorted[i] as PreparedTask;
        if (earlier.createMs < later.createMs - HISTORY_WINDOW_MS) break;
        if (seen.has(i)) continue;
        seen.add(i);
        if (earlier.closeMs !== null && earlier.closeMs <= later.createMs) continue;
        const similarity = titleSimilarity(entry, entries[i] as DuplicateEntry);
        if (similarity >= DUPLICATE_MIN_SIMILARITY) candidates.push({ i, similarity });
      }
    }
    candidates.sort((a, b) => b.similarity - a.similarity || b.i - a.i);
    candidates.forEach(({ i, similarity }, rank) => {
      const earlier = sorted[i] as PreparedTask;
      pairs.push({
        earlierId: earlier.task.id,
        laterId: later.task.id,
        similarity,
        features: pairFeatures(entries[i] as DuplicateEntry, entry, similarity),
        duplicate: rank === 0 && resolvedAsDuplicate(earlier, later),
        laterCreateMs: later.createMs,
      });
    });
    for (const word of entry.words) {
      const list = postings.get(word);
      if (list) list.push(j);
      else postings.set(word, [j]);
    }
  });
  return pairs;
}

/** Logistic weights over {@link pairFeatures}; null: too few resolved pairs, similarity alone. */
export interface DuplicateModelState {
  weights: number[] | null;
}

const MIN_PAIRS_PER_OUTCOME = 5;

export function fitDuplicateModel(pairs: readonly HistoryPair[]): DuplicateModelState {
  const positives = pairs.filter((p) => p.duplicate).length;
  if (positives < MIN_PAIRS_PER_OUTCOME || pairs.length - positives < MIN_PAIRS_PER_OUTCOME) {
    return { weights: null };
  }
  return {
    weights: fitLogistic(
      pairs.map((p) => p.features),
      pairs.map((p) => p.duplicate),
    ),
  };
}

export function duplicateScore(
  model: DuplicateModelState,
  features: readonly number[],
): { score: number; rawProbability: number } {
  const similarity = features[0] as number;
  if (!model.weights) return { score: similarity, rawProbability: similarity };
  const score = linearScore(model.weights, features);
  return { score, rawProbability: sigmoid(score) };
}

/**
 * The later twin was cancelled within two weeks of its creation while the earlier one was not —
 * or the other way round, while both were young (a task cancelled after months open was
 * abandoned, not merged).
 */
function resolvedAsDuplicate(earlier: PreparedTask, later: PreparedTask): boolean {
  const cancelledWithin = (p: PreparedTask) =>
    p.task.state === "CANCELLED" &&
    p.closeMs !== null &&
    p.closeMs - later.createMs <= RESOLVED_WITHIN_MS;
  if (cancelledWithin(later)) return earlier.task.state !== "CANCELLED";
  return (
    cancelledWithin(earlier) &&
    later.createMs - earlier.createMs <= RESOLVED_WITHIN_MS &&
    later.task.state !== "CANCELLED"
  );
}
