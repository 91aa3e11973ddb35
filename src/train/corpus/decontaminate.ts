/**
 * Keeps the evaluation set out of the corpus. The generator never reads
 * `examples.jsonl`; it only knows a digest of each example sentence (SHA-256
 * of its normalised text, first 16 hex digits) and drops any generated
 * sentence whose digest matches, so no training sentence equals an
 * evaluation sentence even by chance. The digests teach the model nothing:
 * they are one-way and only ever remove text.
 *
 * `test/appliance-corpus.test.ts` recomputes the digests from the examples
 * file and fails when this list is stale.
 */
import { createHash } from 'node:crypto';

/**
 * The form two sentences are compared in: lower case, every run of
 * characters other than letters, digits and apostrophes turned into one
 * space, trimmed. "What's on the list?" and "what's on the list" match.
 */
export function normalizeSentence(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, ' ').trim();
}

/** The digest of a sentence as {@link EVALUATION_DIGESTS} lists it. */
export function sentenceDigest(text: string): string {
  return createHash('sha256').update(normalizeSentence(text)).digest('hex').slice(0, 16);
}

/** Digests of the evaluation sentences (`examples.jsonl`), sorted. */
export const EVALUATION_DIGESTS: ReadonlySet<string> = new Set([
  '035eb73347c25136', '0c5e9de99944109e', '10f9ab763cc9b52e', '1250858285266161', '14ba807d950b853a',
  '14d12d7d7bdf7c17', '1cf96bb3129469d0', '1ebabdd67ff9d280', '2a0bfdb808bc4598', '2d5eee9b4456215b',
  '322fa8325827885f', '33b5e1944272aad6', '33d9e34b12454e8c', '34851b4f92085bbe', '38e1c2393c5d3594',
  '395f9e74828a2b49', '3ab1f1ce94914932', '3caae3e2a11885d6', '3cf20a76c4b64f00', '51a1d4d273267114',
  '53ea0a3330c8e3e6', '54a6633eaf6d27a3', '551f3767d12a931a', '56a4b218b94b690b', '5b17bb5bb3893d11',
  '6d4bc76d66829c91', '74310d8182742e8e', '775a578a04525822', '78a81312f8f0756e', '78cc240941b9d4ea',
  '85eb14e1f24aa982', '8a866652e2268dc5', '8aa60089607ca481', '9131599a3478ee4b', '992fccc8692e6374',
  'a40c240857e5bee6', 'a7a219f89fd048df', 'ab5c21dcb35a5829', 'ad0eae246d48c14b', 'b30fba6088f4cb94',
  'b381bf7518348429', 'b61d9360d36a6217', 'bb446a7df040152b', 'c56a5ae1a4f4ce9a', 'c5d887c9439b5e7c',
  'c7bce11679f91ec2', 'cb6842118356e8f2', 'cce48d308b26ae82', 'd52edc077783274b', 'd9742b2b7f1e2f35',
  'e54e7827bb12a1d7', 'ec761c53670bee1a', 'efcaaf089c1f0f4e', 'f09fa8d7f6b9e331', 'f7de6b0d2ddb80ec',
  'f858669be2c8e083', 'f943b4d22d984338', 'fb364b787f2f827c', 'fc583b5f6b98a805',
]);

/** True when `text` matches an evaluation sentence and must not be generated. */
export function isEvaluationSentence(text: string): boolean {
  return EVALUATION_DIGESTS.has(sentenceDigest(text));
}
