/**
 * Naive Bayes over binary features (a feature is present in a task or not; only present features
 * count): a categorical head (one class per task, or several for "multi-class" documents) and a
 * multi-label head (one-vs-rest per label, sharing its counts). The states are plain counts, so
 * they serialise small; `compile*` turns them into log tables for fast scoring.
 */

const ALPHA = 0.5;
/** Features seen in fewer tasks are dropped: they cannot generalise and bloat the model. */
const MIN_FEATURE_DOCS = 2;

export interface NaiveBayesState {
  classes: string[];
  /** Tasks per class (a task with several classes counts in each). */
  classDocs: number[];
  features: string[];
  /** Tasks that have each feature. */
  featureDocs: number[];
  /** Per feature: sparse pairs [classIndex, tasks, classIndex, tasks, ...]. */
  counts: number[][];
}

export interface MultiLabelState {
  labels: string[];
  totalDocs: number;
  /** Tasks that carry each label. */
  labelDocs: number[];
  features: string[];
  featureDocs: number[];
  /** Per feature: sparse pairs [labelIndex, tasks, ...]. */
  counts: number[][];
}

interface FeatureCounts {
  docs: number;
  perClass: Map<number, number>;
}

function countFeatures(
  examples: readonly { features: readonly string[]; classes: readonly string[] }[],
  classIndex: Map<string, number>,
  classNames: string[],
): { classDocs: number[]; table: Map<string, FeatureCounts> } {
  const classDocs: number[] = classNames.map(() => 0);
  const table = new Map<string, FeatureCounts>();
  for (const example of examples) {
    const indices: number[] = [];
    for (const name of example.classes) {
      let index = classIndex.get(name);
      if (index === undefined) {
        index = classNames.length;
        classIndex.set(name, index);
        classNames.push(name);
        classDocs.push(0);
      }
      classDocs[index] = (classDocs[index] as number) + 1;
      indices.push(index);
    }
    for (const feature of example.features) {
      let entry = table.get(feature);
      if (!entry) {
        entry = { docs: 0, perClass: new Map() };
        table.set(feature, entry);
      }
      entry.docs++;
      for (const index of indices) entry.perClass.set(index, (entry.perClass.get(index) ?? 0) + 1);
    }
  }
  return { classDocs, table };
}

function sparse(
  table: Map<string, FeatureCounts>,
): Pick<NaiveBayesState, "features" | "featureDocs" | "counts"> {
  const features: string[] = [];
  const featureDocs: number[] = [];
  const counts: number[][] = [];
  // Sorted, so that the same history gives byte-identical (and equally hashed) models.
  for (const feature of [...table.keys()].sort()) {
    const entry = table.get(feature) as FeatureCounts;
    if (entry.docs < MIN_FEATURE_DOCS) continue;
    features.push(feature);
    featureDocs.push(entry.docs);
    const pairs: number[] = [];
    for (const index of [...entry.perClass.keys()].sort((a, b) => a - b)) {
      pairs.push(index, entry.perClass.get(index) as number);
    }
    counts.push(pairs);
  }
  return { features, featureDocs, counts };
}

/** Counts a categorical head; `classes` of an example is usually one class. */
export function fitNaiveBayes(
  examples: readonly { features: readonly string[]; classes: readonly string[] }[],
): NaiveBayesState {
  const classes: string[] = [];
  const { classDocs, table } = countFeatures(examples, new Map(), classes);
  // Class order by name keeps the state canonical.
  const order = classes.map((_, i) => i).sort((a, b) => compare(classes[a], classes[b]));
  const remap = new Map(order.map((old, i) => [old, i]));
  for (const entry of table.values()) {
    entry.perClass = new Map([...entry.perClass].map(([k, v]) => [remap.get(k) as number, v]));
  }
  return {
    classes: order.map((i) => classes[i] as string),
    classDocs: order.map((i) => classDocs[i] as number),
    ...sparse(table),
  };
}

/** Counts a multi-label head over the given label vocabulary. */
export function fitMultiLabel(
  examples: readonly { features: readonly string[]; labels: readonly string[] }[],
): MultiLabelState {
  const labels = [...new Set(examples.flatMap((e) => e.labels))].sort(compare);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const names = labels.slice();
  const { classDocs, table } = countFeatures(
    examples.map((e) => ({ features: e.features, classes: e.labels })),
    labelIndex,
    names,
  );
  return {
    labels,
    totalDocs: examples.length,
    labelDocs: labels.map((_, i) => classDocs[i] ?? 0),
    ...sparse(table),
  };
}

function compare(a: string | undefined, b: string | undefined): number {
  return a === b ? 0 : (a ?? "") < (b ?? "") ? -1 : 1;
}

/** Log tables of a categorical head. */
export interface CompiledNaiveBayes {
  state: NaiveBayesState;
  logPrior: Float64Array;
  /** log P(feature absent from the class's counts | class). */
  logUnseen: Float64Array;
  featureIndex: Map<string, number>;
  /** featureIndex × classes, row-major. */
  logLikelihood: Float64Array;
}

export function compileNaiveBayes(state: NaiveBayesState): CompiledNaiveBayes {
  const k = state.classes.length;
  const v = state.features.length;
  const classFeatures = new Float64Array(k);
  for (const pairs of state.counts) {
    for (let i = 0; i < pairs.length; i += 2) {
      const c = pairs[i] as number;
      classFeatures[c] = (classFeatures[c] as number) + (pairs[i + 1] as number);
    }
  }
  const totalDocs = state.classDocs.reduce((a, b) => a + b, 0);
  const logPrior = new Float64Array(k);
  const logUnseen = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    logPrior[c] = Math.log(((state.classDocs[c] as number) + ALPHA) / (totalDocs + ALPHA * k));
    logUnseen[c] = Math.log(ALPHA / ((classFeatures[c] as number) + ALPHA * v));
  }
  const logLikelihood = new Float64Array(v * k);
  const featureIndex = new Map<string, number>();
  for (let f = 0; f < v; f++) {
    featureIndex.set(state.features[f] as string, f);
    logLikelihood.set(logUnseen, f * k);
    const pairs = state.counts[f] as number[];
    for (let i = 0; i < pairs.length; i += 2) {
      const c = pairs[i] as number;
      logLikelihood[f * k + c] = Math.log(
        ((pairs[i + 1] as number) + ALPHA) / ((classFeatures[c] as number) + ALPHA * v),
      );
    }
  }
  return { state, logPrior, logUnseen, featureIndex, logLikelihood };
}

export interface CategoricalPrediction {
  /** Class indices, most likely first. */
  ranking: number[];
  /** Normalised posterior per class. */
  posterior: Float64Array;
  /** Unnormalised log joint per class. */
  scores: Float64Array;
  /** Log-odds of the top class against all others: the raw score the calibrators see. */
  logit: number;
  /** The known features of the task (indices into the state's features). */
  featureIds: number[];
}

export function predictNaiveBayes(
  model: CompiledNaiveBayes,
  features: readonly string[],
): CategoricalPrediction | null {
  const k = model.state.classes.length;
  if (k === 0) return null;
  const score = Float64Array.from(model.logPrior);
  const featureIds: number[] = [];
  for (const feature of features) {
    const f = model.featureIndex.get(feature);
    if (f === undefined) continue;
    featureIds.push(f);
    const row = f * k;
    for (let c = 0; c < k; c++)
      score[c] = (score[c] as number) + (model.logLikelihood[row + c] as number);
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const s of score) max = Math.max(max, s);
  let total = 0;
  const posterior = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    posterior[c] = Math.exp((score[c] as number) - max);
    total += posterior[c] as number;
  }
  for (let c = 0; c < k; c++) posterior[c] = (posterior[c] as number) / total;
  const ranking = Array.from({ length: k }, (_, c) => c).sort(
    (a, b) => (score[b] as number) - (score[a] as number) || a - b,
  );
  return {
    ranking,
    posterior,
    scores: score,
    logit: logOddsOf(score, ranking[0] as number),
    featureIds,
  };
}

/** log p(c) − log(1 − p(c)) from the log joints, which do not saturate the way p does. */
export function logOddsOf(scores: Float64Array, c: number): number {
  const own = scores[c] as number;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) if (i !== c) max = Math.max(max, scores[i] as number);
  if (max === Number.NEGATIVE_INFINITY) return 30;
  let rest = 0;
  for (let i = 0; i < scores.length; i++)
    if (i !== c) rest += Math.exp((scores[i] as number) - max);
  return own - max - Math.log(rest);
}

/** Tasks with feature f in class c (0 when unseen). */
export function featureClassDocs(state: NaiveBayesState, f: number, c: number): number {
  const pairs = state.counts[f] as number[];
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === c) return pairs[i + 1] as number;
  return 0;
}

/**
 * The task's features that most favour class c over the runner-up class, strongest first
 * (at most `limit`, each seen in at least `minDocs` tasks of class c).
 */
export function strongestFeatures(
  model: CompiledNaiveBayes,
  prediction: CategoricalPrediction,
  c: number,
  limit: number,
  minDocs = 2,
): number[] {
  const k = model.state.classes.length;
  const runnerUp = prediction.ranking.find((x) => x !== c);
  const scored: { f: number; lift: number }[] = [];
  for (const f of prediction.featureIds) {
    if (featureClassDocs(model.state, f, c) < minDocs) continue;
    const own = model.logLikelihood[f * k + c] as number;
    const other = runnerUp === undefined ? 0 : (model.logLikelihood[f * k + runnerUp] as number);
    if (own - other > 0) scored.push({ f, lift: own - other });
  }
  scored.sort((a, b) => b.lift - a.lift || a.f - b.f);
  return distinctFeatures(
    scored.map((s) => s.f),
    model.state.features,
    limit,
  );
}

/**
 * The first `limit` features that do not repeat a word of one already taken: "dry cleaner"
 * after "dry" says nothing new.
 */
function distinctFeatures(
  ordered: readonly number[],
  names: readonly string[],
  limit: number,
): number[] {
  const taken: number[] = [];
  const words = new Set<string>();
  for (const f of ordered) {
    if (taken.length >= limit) break;
    const name = names[f] as string;
    const own = name.startsWith("@") ? [name] : name.split(" ");
    if (own.some((w) => words.has(w))) continue;
    for (const w of own) words.add(w);
    taken.push(f);
  }
  return taken;
}

/** Log tables of a multi-label head: per feature and label, log P(f | L) − log P(f | not L). */
export interface CompiledMultiLabel {
  state: MultiLabelState;
  logPriorOdds: Float64Array;
  featureIndex: Map<string, number>;
  /** featureIndex × labels, row-major. */
  logRatio: Float64Array;
}

export function compileMultiLabel(state: MultiLabelState): CompiledMultiLabel {
  const k = state.labels.length;
  const v = state.features.length;
  const labelFeatures = new Float64Array(k);
  let totalFeatures = 0;
  for (let f = 0; f < v; f++) {
    totalFeatures += state.featureDocs[f] as number;
    const pairs = state.counts[f] as number[];
    for (let i = 0; i < pairs.length; i += 2) {
      const l = pairs[i] as number;
      labelFeatures[l] = (labelFeatures[l] as number) + (pairs[i + 1] as number);
    }
  }
  const logPriorOdds = new Float64Array(k);
  const onDenominator = new Float64Array(k);
  const offDenominator = new Float64Array(k);
  for (let l = 0; l < k; l++) {
    const docs = state.labelDocs[l] as number;
    logPriorOdds[l] = Math.log((docs + ALPHA) / (state.totalDocs - docs + ALPHA));
    onDenominator[l] = (labelFeatures[l] as number) + ALPHA * v;
    offDenominator[l] = totalFeatures - (labelFeatures[l] as number) + ALPHA * v;
  }
  const logRatio = new Float64Array(v * k);
  const featureIndex = new Map<string, number>();
  const on = new Float64Array(k);
  for (let f = 0; f < v; f++) {
    featureIndex.set(state.features[f] as string, f);
    on.fill(0);
    const pairs = state.counts[f] as number[];
    for (let i = 0; i < pairs.length; i += 2) on[pairs[i] as number] = pairs[i + 1] as number;
    const docs = state.featureDocs[f] as number;
    for (let l = 0; l < k; l++) {
      const n = on[l] as number;
      logRatio[f * k + l] =
        Math.log((n + ALPHA) / (onDenominator[l] as number)) -
        Math.log((docs - n + ALPHA) / (offDenominator[l] as number));
    }
  }
  return { state, logPriorOdds, featureIndex, logRatio };
}

export interface MultiLabelPrediction {
  /** Per label: log-odds that the task carries it. */
  logOdds: Float64Array;
  featureIds: number[];
}

export function predictMultiLabel(
  model: CompiledMultiLabel,
  features: readonly string[],
): MultiLabelPrediction {
  const k = model.state.labels.length;
  const logOdds = Float64Array.from(model.logPriorOdds);
  const featureIds: number[] = [];
  for (const feature of features) {
    const f = model.featureIndex.get(feature);
    if (f === undefined) continue;
    featureIds.push(f);
    const row = f * k;
    for (let l = 0; l < k; l++)
      logOdds[l] = (logOdds[l] as number) + (model.logRatio[row + l] as number);
  }
  return { logOdds, featureIds };
}

export function featureLabelDocs(state: MultiLabelState, f: number, l: number): number {
  const pairs = state.counts[f] as number[];
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === l) return pairs[i + 1] as number;
  return 0;
}

/** The task's features that most favour label l, strongest first. */
export function strongestLabelFeatures(
  model: CompiledMultiLabel,
  prediction: MultiLabelPrediction,
  l: number,
  limit: number,
  minDocs = 2,
): number[] {
  const k = model.state.labels.length;
  const ordered = prediction.featureIds
    .filter((f) => featureLabelDocs(model.state, f, l) >= minDocs)
    .map((f) => ({ f, lift: model.logRatio[f * k + l] as number }))
    .filter((s) => s.lift > 0)
    .sort((a, b) => b.lift - a.lift || a.f - b.f)
    .map((s) => s.f);
  return distinctFeatures(ordered, model.state.features, limit);
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
