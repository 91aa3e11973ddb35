/**
 * Frames for the appliance itself and the cook: `temperature.*`, `timer.*`,
 * `recipe.*`, `mode.set`. Templates written for tinyedge; none is taken from
 * the evaluation examples.
 */
import type { ApplianceMode, ApplianceZone } from '../../appliance/action.js';
import type { Recipe } from '../../appliance/recipes.js';
import type { Food } from './food-lexicon.js';
import type { Frame, Scene } from './frame.js';
import { joinList } from './frame.js';
import { sayDuration, sayDurationAdjective, sayTemperature } from './numbers.js';
import type { CorpusRandom } from './random.js';

const ZONE_WORDS: Record<ApplianceZone, readonly (readonly [string, number])[]> = {
  fridge: [['fridge', 10], ['refrigerator', 3], ['fridge compartment', 1], ['main fridge', 0.5], ['fridge section', 0.5]],
  freezer: [['freezer', 10], ['freezer compartment', 1.5], ['freezer drawer', 0.7], ['freezer section', 0.7]],
};

function zoneVars(rng: CorpusRandom, zone: ApplianceZone): { zone: string; zn: string } {
  const zn = rng.weighted(ZONE_WORDS[zone]);
  return { zn, zone: `${rng.weighted([['the', 8], ['my', 1.5], ['our', 0.5]] as const)} ${zn}` };
}

const temperatureSet: Frame = {
  id: 'temp.set',
  intent: 'temperature.set',
  train: [
    '@set {zone} [temperature |temp |]to {temp}',
    '@change {zone} [temperature |]to {temp}',
    '@put {zone} [on|at] {temp}',
    '@make {zone} {temp}',
    '@turn {zone} [down|up] to {temp}',
    '@adjust {zone} to {temp}',
    '@lower {zone} [temperature |]to {temp}',
    '@raise {zone} [temperature |]to {temp}',
    '@keep {zone} at {temp}',
    'I want {zone} at {temp}',
    '{zn} [to|at] {temp}',
    '{zn} [temp|temperature] {temp}',
    '{zn} {temp}',
    '@set the temperature [of|in] {zone} to {temp}',
    '{zone} should be [at |]{temp}',
    'can {zone} be {temp}?',
    '@bring {zone} [down|up] to {temp}',
    '@cool {zone} to {temp}',
    '@set [it|the temperature|the temp] to {temp}',
    '@change the temperature to {temp}',
    '[temperature|temp] {temp}',
    "I'd like it at {temp}",
    '@turn it [down|up] to {temp}',
    '{zn} [temperature|temp] to {temp} [please|]',
  ],
  heldOut: [
    '@dial {zone} [down|up] to {temp}',
    '@target {temp} [in|for] {zone}',
    '{zone} needs to be [at |]{temp}',
    '@get {zone} to {temp}',
    '@hold it at {temp}',
  ],
  build(rng, _pools, template): Scene {
    const named = template.slots.has('zone') || template.slots.has('zn');
    const zone: ApplianceZone = named && rng.chance(0.45) ? 'freezer' : 'fridge';
    const temp = sayTemperature(rng, zone);
    return { vars: { ...zoneVars(rng, zone), temp: temp.text }, action: { intent: 'temperature.set', zone, celsius: temp.celsius } };
  },
};

const temperatureQuery: Frame = {
  id: 'temp.query',
  intent: 'temperature.query',
  train: [
    "what['s| is] the temperature [in|of] {zone}?",
    "what['s| is] the {zn} [temperature|temp] [at|set to|]?",
    'how cold is it in {zone}?',
    'how cold is {zone} [right now|now|at the moment|today]?',
    'how warm is [it in |]{zone}?',
    '@check the temperature [in|of] {zone}',
    '@check the {zn} [temperature|temp]',
    '@tell me the {zn} temperature',
    '{zn} [temp|temperature]?',
    "what temperature [is|'s] {zone} [at|set to|running at]?",
    '@show [me |]the {zn} temperature',
    'is {zone} [too warm|too cold|warm enough|cold enough|ok|working]?',
    'is {zone} [cooling|keeping things cold] [properly|ok|]?',
    '@tell me if {zone} is [cold|warm|chilly] enough',
    'is {zone} [cold|chilly] [right now|]?',
    'is {zone} at the right temperature?',
    'how many degrees is {zone}?',
    'current {zn} temperature',
    "what's the temperature [in there|right now|]?",
    'how cold is it in there?',
    'temperature [check|please|]?',
    "what's {zone} set to?",
  ],
  heldOut: [
    '@read me the {zn} [temperature|reading]',
    '@report the {zn} temperature',
    'how chilly is {zone}?',
    "what's {zone} sitting at?",
    'what reading does {zone} show?',
  ],
  build(rng, _pools, template): Scene {
    const named = template.slots.has('zone') || template.slots.has('zn');
    const zone: ApplianceZone = named && rng.chance(0.5) ? 'freezer' : 'fridge';
    return { vars: zoneVars(rng, zone), action: { intent: 'temperature.query', zone } };
  },
};

const timerSet: Frame = {
  id: 'timer.set',
  intent: 'timer.set',
  train: [
    '@set a timer for {dur} for [the |my |]{label}',
    '@start a timer for [the |]{label}, {dur}',
    '@set a {adj} {label} timer',
    '@start a {adj} timer for [the |]{label}',
    '@time [the |my |]{label} for {dur}',
    '{label} [timer |]{dur}',
    '[the |]{label} needs {dur}, set a timer',
    '@remind me about [the |]{label} in {dur}',
    '@remind me in {dur} about [the |]{label}',
    '@let me know in {dur} [when|that] [the |]{label} is done',
    '@count down {dur} for [the |]{label}',
    '@timer {dur} for [the |]{label}',
    '{dur} for [the |]{label} [please|]',
    '@put a timer on for [the |]{label}, {dur}',
    '@start [the |]{label} timer[,| for] {dur}',
    '@set a timer for {dur}',
    '@timer [for |]{dur}',
    '@start a timer for {dur}',
    '@set a {adj} timer',
    '{adj} timer [please|]',
    '@count down [from |]{dur}',
    '@alert me in {dur}',
    '@beep [at me |]in {dur}',
    '@remind me in {dur}',
    'I need a timer for {dur}',
    '{dur} on the clock',
    '@set an alarm for {dur} [from now|]',
    '@start the clock for {dur}',
    '@start a {adj} countdown',
    '@set the timer to {dur}',
  ],
  heldOut: [
    '@give me {dur} on the [timer|clock] for [the |]{label}',
    '@buzz me in {dur}',
    '@ping me in {dur} about [the |]{label}',
    '[the |]{label} is in, {dur} please',
    '@track {dur} for [the |]{label}',
  ],
  build(rng, pools, template): Scene {
    const said = template.slots.has('adj') ? sayDurationAdjective(rng) : sayDuration(rng);
    const vars: Record<string, string> = { dur: said.text, adj: said.text };
    if (!template.slots.has('label')) return { vars, action: { intent: 'timer.set', seconds: said.seconds } };
    const label = rng.pick(pools.labels);
    return { vars: { ...vars, label }, action: { intent: 'timer.set', seconds: said.seconds, label } };
  },
};

const timerCancel: Frame = {
  id: 'timer.cancel',
  intent: 'timer.cancel',
  train: [
    '@cancel [the|my] timer',
    '@stop [the|my] timer',
    '@turn off [the|my] timer',
    '@kill [the|my] timer',
    '@cancel [the|my] {label} timer',
    '@stop [the|my] {label} timer',
    '@cancel [the|my] timer for [the |]{label}',
    '@switch off the {label} timer',
    '@delete [the|my] timer',
    '@clear the {label} timer',
    '@get rid of [the|my] timer',
    '@abort the timer',
    '@forget [about |]the {label} timer',
    '@end the {label} timer',
    '[the |]{label} [is|was] done, [cancel|stop] the timer',
    "I don't need the {label} timer [anymore|any more]",
    'timer off',
    '@stop timing [the |]{label}',
    '@turn off the timer for [the |]{label}',
    '@never mind the timer',
    '@reset the timer',
  ],
  heldOut: [
    '@call off the {label} timer',
    '@scrap [the|my] {label} timer',
    '@silence the timer',
    '@drop the timer [on|for] the {label}',
    '@shut off the {label} timer',
  ],
  build(rng, pools, template): Scene {
    if (!template.slots.has('label')) return { vars: {}, action: { intent: 'timer.cancel' } };
    const label = rng.pick(pools.labels);
    return { vars: { label }, action: { intent: 'timer.cancel', label } };
  },
};

function ingredientMention(rng: CorpusRandom, food: Food): string {
  if (food.plural !== undefined) return `${rng.pick(['', '', '', 'some ', 'the ', 'leftover ', 'the leftover ', 'a few ', 'my '])}${food.plural}`;
  return `${rng.pick(['', '', '', 'some ', 'the ', 'leftover ', 'the leftover ', 'a bit of ', 'my '])}${food.name}`;
}

const recipeSuggest: Frame = {
  id: 'recipe.suggest',
  intent: 'recipe.suggest',
  train: [
    'what can [I|we] [make|cook] with {ingr}?',
    '@suggest [a recipe|something|a dish|a meal] [with|using] {ingr}',
    '[any |]recipes [with|using|for] {ingr}?',
    "I [have|'ve got|got] {ingr}[,|.] what [can|should] I [make|cook]?",
    'what [should|could] I [cook|make] [with|using] {ingr}?',
    '@give me [a recipe|an idea|some ideas] [with|using|for] {ingr}',
    '[ideas|dinner ideas|lunch ideas] [with|using|for] {ingr}',
    '@find [me |][a recipe|recipes] [with|using|that uses] {ingr}',
    '@help me use up {ingr}',
    'something [tasty |quick |easy |]with {ingr}?',
    '@show me recipes [with|using] {ingr}',
    "what's a good [recipe|dish|meal] [with|using|for] {ingr}?",
    'how [can|could] I use [up |]{ingr}?',
    "what['s| is] for [dinner|lunch|breakfast|tea] [tonight|today|]?",
    'what should [I|we] [cook|make|eat] [tonight|for dinner|for lunch|today|]?',
    '@suggest [a recipe|something to cook|a meal|a dish]',
    "I'm hungry[,|.] [any ideas|what can I make]?",
    '@give me [some |][recipe|meal|cooking|lunch|dinner|breakfast] [ideas|inspiration]',
    '@give me [an idea|a suggestion] for [dinner|lunch|tonight|breakfast]',
    '@inspire me [for dinner|in the kitchen|]',
    '[any |][recipe|dinner|meal] [ideas|suggestions]?',
    'what can I [make|cook] [tonight|for dinner|]?',
    '@recommend [a recipe|something to cook|a dinner]',
    '@help me decide what to cook',
    "I don't know what to [cook|make]",
    'recipe [idea|suggestion] [please|]',
  ],
  heldOut: [
    '@whip up something [with|from] {ingr}',
    "[got|there's|we have] {ingr} [lying around|sitting in the fridge|going spare], [any |][suggestions|ideas]?",
    '@come up with [a dish|a meal|something] [with|from|using] {ingr}',
    'what could [I|we] rustle up tonight?',
    '@surprise me with a recipe',
  ],
  build(rng, pools, template): Scene {
    if (!template.slots.has('ingr')) return { vars: {}, action: { intent: 'recipe.suggest' } };
    const foods = rng.sample(pools.foods, rng.weighted([[1, 45], [2, 35], [3, 20]] as const));
    return {
      vars: { ingr: joinList(rng, foods.map((f) => ingredientMention(rng, f))) },
      action: { intent: 'recipe.suggest', ingredients: foods.map((f) => f.name) },
    };
  },
};

function dishMention(rng: CorpusRandom, recipe: Recipe, singular: boolean): string {
  const an = /^[aeiou]/.test(recipe.dish) ? 'an' : 'a';
  if (recipe.plural !== undefined && !singular && rng.chance(0.65)) return `${rng.pick(['', '', '', 'some ', 'the '])}${recipe.plural}`;
  return `${rng.weighted([['', 6], [`${an} `, 3], ['the ', 1], ['my ', 0.3]] as const)}${recipe.dish}`;
}

const recipeIngredients: Frame = {
  id: 'recipe.ingredients',
  intent: 'recipe.ingredients',
  train: [
    'what do [I|we] need [to make|for|to cook] {dish}?',
    '[list the |]ingredients [for|of|in] {dish}',
    "what['s| is] in {dish}?",
    'how do [I|you] make {dish}?',
    'what ingredients [are needed for|do I need for|do you need for] {dish}?',
    "@tell me [what's in|the ingredients for|what I need for] {dish}",
    'I want to [make|cook|bake] {dish}[,|.] what do I need?',
    '[recipe|ingredients] for {dish}',
    "what['s| is] {one} made [of|from|with]?",
    '@show me the recipe for {dish}',
    '@give me the ingredients [for|of] {dish}',
    "what['s| is] the recipe for {dish}?",
    "[I'm |]planning to [make|cook] {dish}, what [ingredients|do I need]?",
    'what would I need for {dish}?',
    'how [is|do you make] {one} made?',
    "what's needed for {dish}?",
    'what [goes|do you put|do I put] [in|into] {dish}?',
    'what [is|are] {dish} made [of|with]?',
    "what's the ingredient list for {dish}?",
    '{dish} ingredients',
  ],
  heldOut: [
    'what are the ingredients [of|in] {dish}?',
    '@break {one} down into its ingredients',
    'what would I have to buy to [make|cook] {dish}?',
    '@spell out the ingredients for {dish}',
    '@walk me through the ingredients for {dish}',
  ],
  build(rng, pools): Scene {
    const recipe = rng.pick(pools.dishes);
    return { vars: { dish: dishMention(rng, recipe, false), one: dishMention(rng, recipe, true) }, action: { intent: 'recipe.ingredients', dish: recipe.dish } };
  },
};

const MODE_WORDS: Record<ApplianceMode, readonly (readonly [string, number])[]> = {
  normal: [['normal', 6], ['standard', 2], ['regular', 1.5], ['default', 1]],
  eco: [['eco', 6], ['energy saving', 4], ['energy saver', 1.5], ['power saving', 2], ['economy', 1], ['energy efficient', 0.7]],
  holiday: [['holiday', 6], ['vacation', 5]],
  party: [['party', 5], ['quick chill', 4], ['fast cooling', 4], ['fast chill', 1.5], ['rapid cooling', 1], ['super cooling', 1], ['quick cool', 0.7]],
  sabbath: [['sabbath', 6], ['shabbat', 2]],
};

const SCENES: Record<ApplianceMode, readonly string[]> = {
  normal: ["we're back", 'the party is over', "we're home again", 'holiday is over'],
  eco: ['the bill is too high', 'we want to save power', 'electricity is expensive'],
  holiday: ["we're going away", "we're off on holiday", "we're leaving for two weeks", "we're travelling next week", "nobody's home for a while"],
  party: ['guests are coming', "we're having people over", 'party tonight', 'friends are coming round', 'the drinks need to get cold quickly',
    "we've got company", 'people are coming over', 'the family is coming for dinner', "it's my birthday party"],
  sabbath: ["it's friday evening", 'shabbat starts soon', 'the sabbath is starting'],
};

const modeSet: Frame = {
  id: 'mode.set',
  intent: 'mode.set',
  train: [
    '@switch to {m} [mode|]',
    '@turn on {m} [mode|]',
    '@enable {m} [mode|]',
    '@activate {m} [mode|]',
    '@put [the fridge|it] [in|into|on] {m} [mode|]',
    '@go [to|into] {m} [mode|]',
    '@set [the |]mode to {m}',
    '{m} mode [on|please|]',
    '@start {m} [mode|]',
    '@use {m} [mode|]',
    '@change [the |]mode to {m}',
    '@engage {m} [mode|]',
    '{scene}, [switch to|turn on|set] {m} [mode|]',
    '{scene}[,|.] [can you |please |]go to {m} mode',
    '@put the fridge in {m} mode, {scene}',
    '@run in {m} mode',
  ],
  heldOut: [
    '@flip [it |]to {m} [mode|]',
    '@toggle {m} [mode |]on',
    '@kick into {m} [mode|]',
    '@select {m} [mode|]',
    'make the fridge run in {m} mode',
  ],
  build(rng): Scene {
    const mode = rng.weighted([['normal', 2], ['eco', 2.5], ['holiday', 2.5], ['party', 2.5], ['sabbath', 1]] as const);
    return { vars: { m: rng.weighted(MODE_WORDS[mode]), scene: rng.pick(SCENES[mode]) }, action: { intent: 'mode.set', mode } };
  },
};

const modeChill: Frame = {
  id: 'mode.chill',
  intent: 'mode.set',
  train: [
    '@{chill} the [beers|wine|bottles|sodas|juice|white wine|champagne|lemonade|drinks|cans|cola][ please|, {scene}|]',
    '[the |]{drinks} need to get cold [fast|quickly], [use|turn on] {m}',
    '{scene}, {chill} [everything|the fridge]',
    '@{chill} [the |my |]{drinks} [before the guests arrive|for tonight|now|]',
  ],
  heldOut: ['@get the {drinks} cold fast with {m}'],
  build(rng): Scene {
    return {
      vars: {
        chill: rng.pick(['quick chill', 'fast chill', 'rapidly cool', 'quickly chill', 'fast cool', 'super cool']),
        drinks: rng.pick(['beers', 'drinks', 'wine', 'sodas', 'bottles', 'cans', 'soft drinks', 'prosecco']),
        m: rng.weighted(MODE_WORDS.party),
        scene: rng.pick(SCENES.party),
      },
      action: { intent: 'mode.set', mode: 'party' },
    };
  },
};

const modeReset: Frame = {
  id: 'mode.normal',
  intent: 'mode.set',
  train: [
    '@go back to [normal|standard|regular] [mode|settings|]',
    '@return to [normal|standard] [mode|settings|operation]',
    '@turn off {other} [mode|]',
    '@exit {other} [mode|]',
    '@switch off {other} [mode|]',
    '@reset [the fridge |]to normal',
    '@stop {other} mode',
    '@leave {other} mode',
    '{other} mode off',
  ],
  heldOut: ['@cancel {other} mode', '@end {other} mode [now|]', 'no more {other} mode'],
  build(rng): Scene {
    const other = rng.pick(['eco', 'holiday', 'vacation', 'party', 'sabbath', 'quick chill', 'energy saving', 'fast cooling'] as const);
    return { vars: { other }, action: { intent: 'mode.set', mode: 'normal' } };
  },
};

/** The appliance and cooking frames. */
export const KITCHEN_FRAMES: readonly Frame[] = [temperatureSet, temperatureQuery, timerSet, timerCancel, recipeSuggest, recipeIngredients, modeSet, modeChill, modeReset];

/** The words that name each mode in requests ("vacation" means `holiday`, "quick chill" means `party`). */
export const MODE_SYNONYMS: Readonly<Record<ApplianceMode, readonly string[]>> = Object.fromEntries(
  Object.entries(MODE_WORDS).map(([mode, words]) => [mode, words.map(([w]) => w)]),
) as unknown as Record<ApplianceMode, readonly string[]>;
