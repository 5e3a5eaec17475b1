/** Words of a task's title and notes, as the models see them. */

// A small English stop-word list: words that say nothing about where a task belongs.
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about after again all also am an and any are as at be been before being both but by can " +
    "could did do does doing down during each few for from further had has have having he her " +
    "here hers him his how i if in into is it its itself just me more most my myself no nor not " +
    "now of off on once only or other our ours out over own same she should so some such than " +
    "that the their theirs them then there these they this those through to too under until up " +
    "very was we were what when where which while who whom why will with would you your yours"
  ).split(" "),
);

const NON_ASCII = /[^\u0000-\u007f]/;
const SPLIT = /[^\p{L}\p{N}]+/u;
const DIGITS = /^\p{N}+$/u;

/** Folds "invoices" into "invoice" and "groceries" into "grocery"; leaves "glass", "status". */
function stem(word: string): string {
  if (word.length < 4 || !word.endsWith("s")) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("ss") || word.endsWith("us") || word.endsWith("is")) return word;
  return word.slice(0, -1);
}

/** Lower-cased, accent-folded raw words, in order (stop words included). */
function rawWords(text: string): string[] {
  let folded = text.toLowerCase();
  if (NON_ASCII.test(folded)) folded = folded.normalize("NFKD").replace(/\p{M}+/gu, "");
  return folded.split(SPLIT);
}

const isContentWord = (raw: string) => raw.length >= 2 && !STOP_WORDS.has(raw);

/**
 * Lower-cased, accent-folded, lightly stemmed words without stop words or one-letter words.
 * Numbers are kept (they tell "PR 123" from "PR 456"); see {@link modelTokens} for the models.
 */
export function words(text: string): string[] {
  return rawWords(text).filter(isContentWord).map(stem);
}

const MAX_NOTE_WORDS = 60;

/**
 * The distinct text features of a task: title words and adjacent-word bigrams ("send invoice"),
 * and the first words of the notes. Bare numbers are left out: they name instances, not habits.
 */
export function modelTokens(title: string, notes?: string): string[] {
  const seen = new Set<string>();
  let previous: string | null = null;
  for (const raw of rawWords(title)) {
    // A bigram is two words side by side: a stop word or a number between them breaks it.
    if (!isContentWord(raw) || DIGITS.test(raw)) {
      previous = null;
      continue;
    }
    const word = stem(raw);
    seen.add(word);
    if (previous !== null) seen.add(`${previous} ${word}`);
    previous = word;
  }
  if (notes) {
    let n = 0;
    for (const word of words(notes)) {
      if (n++ >= MAX_NOTE_WORDS) break;
      if (!DIGITS.test(word)) seen.add(word);
    }
  }
  return [...seen];
}

/** Character trigrams of the squeezed title words (typo-tolerant similarity). */
export function trigrams(titleWords: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const word of titleWords) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  }
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}
