/**
 * Frames for the shopping list and the inventory: `shopping.*`,
 * `inventory.check`, `inventory.expiring`. Templates written for tinyedge
 * from how people talk to a kitchen appliance; none is taken from the
 * evaluation examples.
 */
import type { ShoppingItem } from '../../appliance/action.js';
import type { Food } from './food-lexicon.js';
import type { CorpusPools, Frame, Scene } from './frame.js';
import { joinList } from './frame.js';
import { bareMention, detachedAmount, itemPhrase } from './item-phrases.js';
import { sayDays } from './numbers.js';
import type { CorpusRandom } from './random.js';

const LIST = '[the|my|our] [shopping |grocery |]list';

/** 1 to 4 distinct foods, fewer more often. */
function someFoods(rng: CorpusRandom, pools: CorpusPools, max = 4): Food[] {
  const n = Math.min(max, rng.weighted([[1, 55], [2, 25], [3, 13], [4, 7]] as const));
  return rng.sample(pools.foods, n);
}

const addList: Frame = {
  id: 'add.list',
  intent: 'shopping.add',
  train: [
    '@add {items}',
    `@add {items} to ${LIST}`,
    `@put {items} on ${LIST}`,
    '@stick {items} on the list',
    '@pop {items} on [the|my] [shopping |]list',
    '@write down {items}',
    '@note down {items} for [the|my|our] next shop',
    '@throw {items} on the list',
    `@include {items} in ${LIST}`,
    '@jot down {items}',
    'I need {items}',
    'I need to [buy|get|pick up] {items}',
    'we need {items} [from the shop|from the store|this week|]',
    'we could do with {items}',
    "we're [out of|low on|running low on|running out of] {items}, [add|put] [it|them|that] on the list",
    "we've run out of {items}",
    "don't let me forget {items}",
    '[remember|remind me] to [get|pick up|grab] {items}',
    '@buy {items}',
    "@get {items} [when I'm|next time we're|when you're] at the [shop|store|supermarket]",
    '@pick up {items} [on the way home|later|tomorrow|]',
    '@make a note [that we need|to buy|to get] {items}',
    'I want {items} on [my|the] list',
    '@also add {items}',
    '@and add {items} [too|as well|]',
    '{items} [on the list|to the list] [please|]',
    'add to [the |]list: {items}',
    'to buy: {items}',
    'groceries: {items}',
    '@add {items} to [the|my] [basket|cart]',
    '@put down {items}',
    '[can|could] you [add|put] {items} on [the|my] list?',
    "we're going to need {items}",
    'need {items}',
    'I [should|must] buy {items}',
    "we're [nearly|almost] out of {items}",
    '{items} [needed|wanted]',
    '@save {items} to [the|my] list',
    '@add {items} for [tomorrow|the weekend|the party|dinner]',
  ],
  heldOut: [
    "it'd be [good|great|handy] to have {items} in the house",
    '@chuck {items} on the list',
    'next [grocery run|shop], [we need|get] {items}',
    '{items} [should|must] go on the list',
    'when you do the list, include {items}',
    '@register {items} for the next shop',
  ],
  build(rng, pools): Scene {
    const phrases = someFoods(rng, pools).map((food) => itemPhrase(rng, food));
    return { vars: { items: joinList(rng, phrases.map((p) => p.text)) }, action: { intent: 'shopping.add', items: phrases.map((p) => p.item) } };
  },
};

const addSplit: Frame = {
  id: 'add.split',
  intent: 'shopping.add',
  train: [
    "we've run out of {noun}, [get|buy|grab] {amount}",
    '{noun} {be} [finished|all gone|gone], [get|buy|grab|add] {amount}',
    '[no|no more] {noun} left, [add|get] {amount} [to the list|]',
    '@[add|get] {noun}, {amount} [please|]',
    '{noun}: {amount}',
    '{noun} {amount}',
    '@put {noun} on the list, {amount}',
    '{noun}, [we need|I need|need] {amount}',
    '@buy {noun}, [about|maybe|] {amount}',
  ],
  heldOut: [
    "we're short on {noun}, {amount} should do",
    '@[add|get] {noun} - {amount}',
  ],
  build(rng, pools): Scene {
    const food = rng.pick(pools.foods);
    const amount = detachedAmount(rng, food);
    const item: ShoppingItem = { name: food.name, quantity: amount.quantity };
    if (amount.unit !== undefined) item.unit = amount.unit;
    return { vars: { noun: food.plural ?? food.name, be: food.plural === undefined ? 'is' : 'are', amount: amount.text }, action: { intent: 'shopping.add', items: [item] } };
  },
};

const remove: Frame = {
  id: 'remove.list',
  intent: 'shopping.remove',
  train: [
    `@remove {items} [from|off] ${LIST}`,
    `@take {items} off ${LIST}`,
    '@delete {items} from [the|my] [shopping |]list',
    '@cross {items} off [the|my] list',
    '@cross off {items}',
    '@scratch {items} [off the list|]',
    '@strike {items} from the list',
    '@drop {items} from the list',
    "we don't need {items} [anymore|any more|after all]",
    'no need for {items} [anymore|]',
    'I [got|bought|picked up] {items} [already|today|], [remove|delete|scratch] [it|them|that]',
    'I [got|bought|picked up] {items} [already|today|], take [it|them|that] off [the list|]',
    'I [already |][got|bought|picked up] {items}, [cross|tick|strike] [it|them|that] off [the list|]',
    '{items} can come off the list',
    '@forget {items}',
    '@get rid of {items} on the list',
    '@erase {items} [from the list|]',
    '@remove {items}',
    '@take off {items}',
    "I don't want {items} on the list [anymore|]",
    "@don't buy {items}",
    '@delete {items}',
    '[got|bought] {items}, [remove|delete] [it|them]',
    '@un-add {items}',
    '@never mind [about |]{items}',
    '@leave {items} off [the list|this time|]',
    '@skip {items} [this week|this time|]',
  ],
  heldOut: [
    '@knock {items} off the list',
    '@tick off {items}',
    "we're fine for {items}, [take|remove] [it|them|that] off",
    'no longer need {items}',
    '{items} {be} sorted, [drop|remove] {them} from the list',
  ],
  build(rng, pools): Scene {
    const foods = someFoods(rng, pools, 3);
    const mentions = foods.map((food) => (rng.chance(0.1) ? itemPhrase(rng, food).text : bareMention(rng, food, ['', '', 'the ', 'the ', 'any '])));
    const plural = foods.length > 1 || foods[0]?.plural !== undefined;
    return {
      vars: { items: joinList(rng, mentions), be: plural ? 'are' : 'is', them: plural ? 'them' : 'it' },
      action: { intent: 'shopping.remove', items: foods.map((f) => ({ name: f.name })) },
    };
  },
};

const show: Frame = {
  id: 'show',
  intent: 'shopping.show',
  train: [
    `@show [me |]${LIST}`,
    "what['s| is] on [the|my|our] [shopping |grocery |]list?",
    'what do [I|we] need to [buy|get] [from the shop|at the store|]?',
    '@read [out |]the [shopping |]list',
    '@open [the|my] shopping list',
    `@display ${LIST}`,
    '[shopping |grocery |]list [please|]',
    "what's [left |still |]on the list?",
    "@tell me what's on [the|my|our] list",
    'what [have I|have we|did I|did we] [got|put] on the [shopping |]list?',
    '@list [my|the|our] groceries',
    'what groceries do [I|we] need?',
    'anything on [the|my] [shopping |]list?',
    '@go through the [shopping |]list',
    'how long is [my|the] shopping list?',
    "what's [on the menu for|on] [the|my] shopping trip?",
    'what [else |]do we need?',
    '@check the shopping list',
    '@list everything on the [shopping |]list',
    'shopping list?',
  ],
  heldOut: [
    '@remind me what [I wanted|we wanted|I was going|we were going] to buy',
    '@let me see the [shopping |]list',
    `@pull up ${LIST}`,
    'what am I supposed to buy [today|this week|]?',
    '@give me a rundown of the [shopping |]list',
  ],
  build(): Scene {
    return { vars: {}, action: { intent: 'shopping.show' } };
  },
};

const clear: Frame = {
  id: 'clear',
  intent: 'shopping.clear',
  train: [
    `@clear ${LIST}`,
    '@wipe [the|my] [shopping |]list',
    `@empty [out |]${LIST}`,
    '@delete [the whole|the entire|my whole|all of the] [shopping |]list',
    '@remove everything from [the|my] [shopping |]list',
    `@reset ${LIST}`,
    '@start [a new|a fresh|a clean] [shopping |]list',
    '@erase [the|my] [shopping |]list',
    '@clear [all|everything] [off|from] the list',
    '@get rid of [the|my] whole list',
    'I [bought|got] everything, [clear|wipe] the list',
    'shopping [is |]done, [clear|empty|wipe] the list',
    '@throw away the shopping list',
    '@clear out [the|my] list',
    '@delete all items [on|from] [the|my] list',
    '@remove all [the |]items from the [shopping |]list',
    '[clear|empty|wipe] list',
    '@clear the [whole|entire] thing',
  ],
  heldOut: [
    '@scrap [the|my] [whole |][shopping |]list',
    '@bin the [shopping |]list',
    '@nuke the [shopping |]list',
    '@zero out the [shopping |]list',
    "the shopping's done, start over with an empty list",
  ],
  build(): Scene {
    return { vars: {}, action: { intent: 'shopping.clear' } };
  },
};

const check: Frame = {
  id: 'check',
  intent: 'inventory.check',
  train: [
    'do [we|I] have [any |]{pl}?',
    'do [we|I] still have [any |]{pl} [left|in the fridge|]?',
    'have [we|I] got [any |]{pl} [left|]?',
    '{be} there [any |]{pl} [left|in the fridge|in there]?',
    '{howmany} {pl} {be} [left|there|in the fridge]?',
    '{howmany} {pl} do we have?',
    'are we out of {pl}?',
    'did we run out of {pl}?',
    "@check [if|whether] [we have|there's] [any |]{pl}",
    'any {pl} [left|in there|in the fridge]?',
    '{pl}, do we have [any|some]?',
    "@see if we've got [any |]{pl}",
    'how are we [doing|off] for {pl}?',
    '{pl} [left|in stock]?',
    'got any {pl}?',
    "@tell me if there's [any |]{pl} [left|]",
    'is there {sg} in the fridge?',
    'do we have {sg}?',
    '@check for {pl}',
    '@look in the fridge for {pl}',
    'have we still got {pl}?',
    'what about {pl}, [do we have any|any left]?',
  ],
  heldOut: [
    '[are|am] [we|I] [running |]low on {pl}?',
    '{howmany} {pl} {be} still [there|around]?',
    '@find out if [we have|there is] [any |]{pl}',
    '{be} there enough {pl}?',
    'are we all out of {pl} [yet|]?',
  ],
  build(rng, pools): Scene {
    const food = rng.pick(pools.foods);
    const countable = food.plural !== undefined;
    const pl = food.plural ?? food.name;
    return {
      vars: {
        pl,
        sg: countable ? `${/^[aeiou]/.test(food.name) ? 'an' : 'a'} ${food.name}` : food.name,
        be: countable ? 'are' : 'is',
        howmany: countable ? 'how many' : 'how much',
      },
      action: { intent: 'inventory.check', item: food.name },
    };
  },
};

const expiring: Frame = {
  id: 'expiring',
  intent: 'inventory.expiring',
  train: [
    "what['s| is] [expiring|going off|going bad|about to expire|past its date] {when}?",
    'what [expires|goes bad|needs eating|needs to be eaten|should be eaten] {when}?',
    'anything [expiring|going off|that expires] {when}?',
    "@show [me |][what's|everything|the food that's] [expiring|going off] {when}",
    'which [items|foods|things] [expire|go bad|run out of date] {when}?',
    '@list [the food|the items|everything] [expiring|that expires|going off] {when}',
    'is anything [going off|expiring|about to go off] {when}?',
    'what do [I|we] need to use up {when}?',
    'what [should|must|ought] [I|we] use [up |]{when}?',
    'what [should|do] [I|we] [eat|finish|use] before it goes off?',
    "what's about to go [off|bad]?",
    "what's [close to|near] [its|the] [use by|best before|expiry] date?",
    'expiring {when}',
    '@check the [expiry|use by|best before] dates',
    'what should [we|I] eat first?',
    'what needs [eating|using] up?',
    '@tell me what [expires|goes off] {when}',
    'any food [going off|expiring|past its best] {when}?',
    "what's [expiring|going off] in the fridge {when}?",
    'does anything expire {when}?',
    '[expiry|expiration] [check|report]',
  ],
  heldOut: [
    "what's [on its way out|on the turn] {when}?",
    '@warn me about food going off {when}',
    'does anything [hit|reach] its date {when}?',
    'what has to be [eaten|finished] {when}?',
    '@flag anything that [expires|goes off] {when}',
  ],
  build(rng, _pools, template): Scene {
    if (!template.slots.has('when')) return { vars: {}, action: { intent: 'inventory.expiring' } };
    let said = sayDays(rng);
    while (said.text === '') said = sayDays(rng);
    return {
      vars: { when: said.text },
      action: said.days === undefined ? { intent: 'inventory.expiring' } : { intent: 'inventory.expiring', within_days: said.days },
    };
  },
};

/** The shopping and inventory frames. */
export const SHOPPING_FRAMES: readonly Frame[] = [addList, addSplit, remove, show, clear, check, expiring];
