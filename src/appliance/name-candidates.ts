/**
 * The names a request can give: by the contract every name (`name`, `item`,
 * `label`, `dish`, `ingredients`) is words of the request, lower case, made
 * singular ("two cans of tomatoes" -> "tomato", "lamb shanks" -> "lamb
 * shank"). Constraining names to these candidates lets a tiny model copy a
 * food it never met in training instead of writing a familiar one.
 */
import { APPLIANCE_NAME_MAX_LENGTH } from './action.js';

/** Longest run of request words one name may take ("chicken breast fillet", "salt and vinegar crisp"). */
export const NAME_CANDIDATE_MAX_WORDS = 4;

/** Word characters of a name: lower-case letters (ASCII and Latin-1), digits, and `'`, `&`, `-` inside a word. */
const WORD = /[a-z\u00df-\u00f6\u00f8-\u00ff0-9'&-]+/gu;

/**
 * Singular forms a plural word may have, by English's regular endings, the
 * word itself first: "berries" -> "berry", "loaves" -> "loaf"/"loafe",
 * "tomatoes" -> "tomato"/"tomatoe", "eggs" -> "egg". Wrong guesses are
 * harmless: they are only candidates, and the model picks among them.
 */
function singularForms(word: string): string[] {
  const forms = [word];
  if (word.length > 4 && word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  if (word.length > 4 && word.endsWith('ves')) forms.push(`${word.slice(0, -3)}f`, `${word.slice(0, -3)}fe`);
  if (word.length > 3 && word.endsWith('es')) forms.push(word.slice(0, -2));
  if (word.length > 2 && word.endsWith('s') && !word.endsWith('ss')) forms.push(word.slice(0, -1));
  return forms;
}

/**
 * Every name a request can give: each run of 1 to
 * {@link NAME_CANDIDATE_MAX_WORDS} consecutive words of the request, lower
 * case, as said and with its last word made singular. Words are runs of
 * letters, digits, `'`, `&` and `-` (trimmed of the last three at their ends);
 * anything else separates words. Names longer than the contract allows are
 * left out.
 *
 * @param text - the request
 * @returns the candidates, sorted, without duplicates; empty when the request has no word
 * @example
 * ```ts
 * nameCandidates('Two cans of tomatoes'); // ['can', 'can of', 'can of tomato', ..., 'tomato', 'tomatoe', 'tomatoes', 'two', ...]
 * ```
 */
export function nameCandidates(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const words = (text.toLowerCase().match(WORD) ?? []).map((w) => w.replace(/^['&-]+|['&-]+$/gu, '')).filter((w) => w !== '');
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    for (let n = 1; n <= NAME_CANDIDATE_MAX_WORDS && i + n <= words.length; n++) {
      const head = words.slice(i, i + n - 1).join(' ');
      for (const last of singularForms(words[i + n - 1]!)) {
        const name = head === '' ? last : `${head} ${last}`;
        if ([...name].length <= APPLIANCE_NAME_MAX_LENGTH) out.add(name);
      }
    }
  }
  return [...out].sort();
}
