import { APPLIANCE_RECIPES, composeReply, formatDuration } from 'tinyedge';
import type { ApplianceAction, ShoppingItem } from 'tinyedge';
import type { ControllerLink } from './controller-link.js';
import { ControllerError } from './controller-link.js';
import type { FridgeStore, ListItem } from './fridge-store.js';

/** What the app needs to carry out an action. */
export interface ActionContext {
  store: FridgeStore;
  /** The fridge's controller; null when the app runs without one (it says so on the screen). */
  controller: ControllerLink | null;
  /** Wall clock, ms since the epoch. */
  now: () => number;
}

/** The outcome of one action: what the screen shows, and whether the appliance did it. */
export interface ActionOutcome {
  /** The answer for the screen (never sent anywhere). */
  answer: string;
  /** False when the action could not be carried out (controller refused or unreachable). */
  done: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Carries out an assistant's action against the fridge's state and its
 * controller, and composes the answer from what actually happened (the
 * list as it is now, the temperature the controller reports).
 */
export async function executeAction(action: ApplianceAction, ctx: ActionContext): Promise<ActionOutcome> {
  const { store } = ctx;
  switch (action.intent) {
    case 'shopping.add':
      await store.update((s) => {
        for (const item of action.items) addToList(s.shoppingList, item);
      });
      return ok(`${composeReply(action)} ${listSummary(store.state.shoppingList)}`);
    case 'shopping.remove': {
      const names = new Set(action.items.map((i) => i.name));
      const missing = action.items.filter((i) => !store.state.shoppingList.some((l) => l.name === i.name)).map((i) => i.name);
      await store.update((s) => {
        s.shoppingList = s.shoppingList.filter((l) => !names.has(l.name));
      });
      const note = missing.length > 0 ? ` (${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} not on it.)` : '';
      return ok(`${composeReply(action)}${note} ${listSummary(store.state.shoppingList)}`);
    }
    case 'shopping.show':
      return ok(listSummary(store.state.shoppingList));
    case 'shopping.clear': {
      const count = store.state.shoppingList.length;
      await store.update((s) => {
        s.shoppingList = [];
      });
      return ok(`${composeReply(action)} (${count} item${count === 1 ? '' : 's'} removed.)`);
    }
    case 'inventory.check': {
      const found = store.state.inventory.filter((i) => i.name === action.item);
      if (found.length === 0) return ok(`There is no ${action.item} in the fridge.`);
      return ok(`Yes: ${found.map((i) => `${describe(i)}, best before ${i.expires}`).join('; ')}.`);
    }
    case 'inventory.expiring': {
      const days = action.within_days ?? 3;
      const limit = ctx.now() + (days + 1) * DAY_MS;
      const soon = store.state.inventory.filter((i) => Date.parse(i.expires) < limit).sort((a, b) => a.expires.localeCompare(b.expires));
      const when = action.within_days === undefined ? 'soon' : days === 0 ? 'today' : `within ${days} day${days === 1 ? '' : 's'}`;
      if (soon.length === 0) return ok(`Nothing expires ${when}.`);
      return ok(`Expiring ${when}: ${soon.map((i) => `${i.name} (${i.expires})`).join(', ')}.`);
    }
    case 'temperature.set':
      return controlled(ctx, async (controller) => {
        await controller.setTemperature(action.zone, action.celsius);
        await store.update((s) => {
          s.zones[action.zone].target = action.celsius;
        });
        return composeReply(action);
      });
    case 'temperature.query':
      return controlled(ctx, async (controller) => {
        const celsius = await controller.readTemperature(action.zone);
        await store.update((s) => {
          s.zones[action.zone].current = celsius;
        });
        return `The ${action.zone} is at ${celsius.toFixed(1)} °C (set to ${store.state.zones[action.zone].target} °C).`;
      });
    case 'timer.set':
      await store.update((s) => {
        s.timers = s.timers.filter((t) => t.endsAt > ctx.now());
        s.timers.push({ ...(action.label === undefined ? {} : { label: action.label }), seconds: action.seconds, endsAt: ctx.now() + action.seconds * 1000 });
      });
      return ok(composeReply(action));
    case 'timer.cancel': {
      const running = store.state.timers.filter((t) => t.endsAt > ctx.now());
      const match = action.label === undefined ? running.slice(-1) : running.filter((t) => t.label === action.label);
      if (match.length === 0) return { answer: action.label === undefined ? 'No timer is running.' : `There is no ${action.label} timer.`, done: false };
      await store.update((s) => {
        s.timers = s.timers.filter((t) => !match.some((m) => m.endsAt === t.endsAt && m.label === t.label));
      });
      const left = Math.max(0, Math.round((match[0]!.endsAt - ctx.now()) / 1000));
      return ok(`${composeReply(action)} It had ${formatDuration(left)} left.`);
    }
    case 'recipe.suggest': {
      const have = new Set([...(action.ingredients ?? []), ...(action.ingredients === undefined ? store.state.inventory.map((i) => i.name) : [])]);
      const ranked = APPLIANCE_RECIPES.map((r) => ({ r, score: r.ingredients.filter((i) => have.has(i)).length }))
        .filter((x) => x.score > 0)
        .sort((a, b) => b.score - a.score || a.r.dish.localeCompare(b.r.dish))
        .slice(0, 3);
      if (ranked.length === 0) return ok(`I have no recipe with ${[...have].join(', ') || 'what is in the fridge'}.`);
      return ok(`${composeReply(action)} Try ${ranked.map((x) => x.r.dish).join(', ')}.`);
    }
    case 'recipe.ingredients':
      return ok(composeReply(action));
    case 'mode.set':
      return controlled(ctx, async (controller) => {
        await controller.setMode(action.mode);
        await store.update((s) => {
          s.mode = action.mode;
        });
        return composeReply(action);
      });
    case 'unknown':
      return ok(composeReply(action));
  }
}

const ok = (answer: string): ActionOutcome => ({ answer, done: true });

async function controlled(ctx: ActionContext, act: (controller: ControllerLink) => Promise<string>): Promise<ActionOutcome> {
  if (ctx.controller === null) return { answer: 'The fridge controller is not connected, so I cannot do that right now.', done: false };
  try {
    return ok(await act(ctx.controller));
  } catch (err) {
    if (!(err instanceof ControllerError)) throw err;
    if (err.code === 'E_CONTROLLER_REFUSED') return { answer: `The fridge refused that: ${err.message.replace(/^the controller refused the request: /, '')}.`, done: false };
    return { answer: 'The fridge controller did not answer; please try again.', done: false };
  }
}

function addToList(list: ListItem[], item: ShoppingItem): void {
  const same = list.find((l) => l.name === item.name && l.unit === item.unit);
  if (same && same.quantity !== undefined && item.quantity !== undefined) {
    same.quantity += item.quantity;
    return;
  }
  if (same && item.quantity === undefined) return;
  list.push({ name: item.name, ...(item.quantity === undefined ? {} : { quantity: item.quantity }), ...(item.unit === undefined ? {} : { unit: item.unit }) });
}

function describe(item: ListItem): string {
  if (item.quantity === undefined) return item.name;
  return item.unit === undefined ? `${item.quantity} ${item.name}` : `${item.name} (${item.quantity} ${item.unit})`;
}

function listSummary(list: ListItem[]): string {
  if (list.length === 0) return 'The shopping list is empty.';
  return `On the list: ${list.map(describe).join(', ')}.`;
}
