/**
 * The short reply the appliance shows on its screen for an action. Replies
 * are composed from the action alone (and the recipe table), never by the
 * model, and are never sent anywhere.
 */
import type { ApplianceAction, ApplianceMode, ShoppingItem } from './action.js';
import { findRecipe } from './recipes.js';
import type { Recipe } from './recipes.js';

/** Options of {@link composeReply}. */
export interface ComposeReplyOptions {
  /** How to find a dish's ingredients. Default: {@link findRecipe} over the built-in table. */
  findRecipe?: (dish: string) => Recipe | undefined;
}

const MODE_NAMES: Record<ApplianceMode, string> = {
  normal: 'Normal mode',
  eco: 'Eco mode',
  holiday: 'Holiday mode',
  party: 'Quick chill (party mode)',
  sabbath: 'Sabbath mode',
};

/** "milk (2 l)", "apple (3)", "bread". */
function describeItem(item: ShoppingItem): string {
  if (item.quantity === undefined) return item.name;
  return item.unit === undefined ? `${item.name} (${formatNumber(item.quantity)})` : `${item.name} (${formatNumber(item.quantity)} ${item.unit})`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

/** "a", "a and b", "a, b and c". */
function listOf(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** A duration for the screen: 5400 is "1 hour 30 minutes", 90 is "1 minute 30 seconds", 600 is "10 minutes". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const part = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const parts = [h > 0 ? part(h, 'hour') : '', m > 0 ? part(m, 'minute') : '', s > 0 || seconds === 0 ? part(s, 'second') : ''];
  return parts.filter((p) => p !== '').join(' ');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function days(n: number | undefined): string {
  if (n === undefined) return 'soon';
  if (n === 0) return 'today';
  if (n === 1) return 'by tomorrow';
  if (n === 7) return 'this week';
  return `in the next ${n} days`;
}

/**
 * The screen reply for an action: one or two short sentences.
 * `recipe.ingredients` lists the dish's ingredients from the recipe table;
 * `unknown` says politely that the appliance only helps in the kitchen.
 *
 * @param action - a valid action (see `validateAction`)
 * @example
 * ```ts
 * composeReply({ intent: 'shopping.add', items: [{ name: 'milk', quantity: 2, unit: 'l' }] });
 * // 'Added milk (2 l) to your shopping list.'
 * composeReply({ intent: 'recipe.ingredients', dish: 'pancake' });
 * // 'For pancakes you need flour, egg, milk, butter, sugar and salt.'
 * ```
 */
export function composeReply(action: ApplianceAction, options: ComposeReplyOptions = {}): string {
  switch (action.intent) {
    case 'shopping.add':
      return `Added ${listOf(action.items.map(describeItem))} to your shopping list.`;
    case 'shopping.remove':
      return `Removed ${listOf(action.items.map((i) => i.name))} from your shopping list.`;
    case 'shopping.show':
      return 'Here is your shopping list.';
    case 'shopping.clear':
      return 'Your shopping list is now empty.';
    case 'inventory.check':
      return `Checking whether there is any ${action.item} left.`;
    case 'inventory.expiring':
      return `Here is what expires ${days(action.within_days)}.`;
    case 'temperature.set':
      return `Setting the ${action.zone} to ${formatNumber(action.celsius)} °C.`;
    case 'temperature.query':
      return `Here is the ${action.zone} temperature.`;
    case 'timer.set':
      return action.label === undefined
        ? `Timer set for ${formatDuration(action.seconds)}.`
        : `${capitalize(action.label)} timer set for ${formatDuration(action.seconds)}.`;
    case 'timer.cancel':
      return action.label === undefined ? 'Timer cancelled.' : `${capitalize(action.label)} timer cancelled.`;
    case 'recipe.suggest':
      return action.ingredients === undefined
        ? 'Here are some recipe ideas.'
        : `Here are some recipe ideas with ${listOf(action.ingredients)}.`;
    case 'recipe.ingredients': {
      const recipe = (options.findRecipe ?? findRecipe)(action.dish);
      if (recipe === undefined) return `Sorry, I don't know a recipe for ${action.dish} yet.`;
      return `For ${recipe.plural ?? recipe.dish} you need ${listOf(recipe.ingredients)}.`;
    }
    case 'mode.set':
      return `${MODE_NAMES[action.mode]} is on.`;
    case 'unknown':
      return 'Sorry, I can only help in the kitchen: your shopping list, food, fridge temperatures, timers and recipes.';
  }
}
