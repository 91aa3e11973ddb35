/**
 * Frames for `unknown`: requests outside the kitchen (trivia, the weather,
 * music, the rest of the smart home, chit-chat, other languages, keyboard
 * noise), including near misses that share words with kitchen requests
 * ("add lunch with Sam to my calendar", "set the thermostat to 21 degrees",
 * "how many calories are in a banana").
 */
import type { Frame, Scene } from './frame.js';
import type { CorpusRandom } from './random.js';

const CITIES = ['london', 'paris', 'tokyo', 'new york', 'berlin', 'madrid', 'sydney', 'toronto', 'dublin', 'rome', 'oslo', 'cairo',
  'mumbai', 'chicago', 'lisbon', 'vienna', 'seoul', 'manchester', 'glasgow', 'boston', 'amsterdam', 'prague', 'nairobi', 'lima'];
const COUNTRIES = ['germany', 'japan', 'brazil', 'canada', 'kenya', 'norway', 'mexico', 'india', 'egypt', 'spain', 'italy',
  'australia', 'chile', 'portugal', 'sweden', 'peru', 'greece', 'iceland', 'vietnam', 'poland'];
const TEAMS = ['arsenal', 'the lakers', 'liverpool', 'the yankees', 'chelsea', 'barcelona', 'the patriots', 'real madrid',
  'the giants', 'celtic', 'juventus', 'the bulls', 'leeds', 'the warriors'];
const NAMES = ['mum', 'dad', 'sam', 'alex', 'grandma', 'jo', 'chris', 'priya', 'tom', 'maria', 'my sister', 'my boss', 'ben', 'lucy'];
const ROOMS = ['living room', 'bedroom', 'hallway', 'bathroom', 'garden', 'office', 'kids room', 'garage', 'landing', 'porch'];
const GENRES = ['jazz', 'rock', 'classical', 'pop', 'hip hop', 'country', 'reggae', 'lo-fi', 'blues', 'techno', 'folk'];
const ARTISTS = ['the beatles', 'taylor swift', 'beyonce', 'queen', 'miles davis', 'adele', 'abba', 'coldplay', 'bach', 'nina simone'];
const WORDS = ['serendipity', 'ubiquitous', 'ephemeral', 'hello', 'thank you', 'goodbye', 'cat', 'library', 'bicycle', 'happiness'];
const LANGS = ['french', 'spanish', 'german', 'italian', 'japanese', 'polish', 'dutch', 'portuguese'];
const WORKS = ['hamlet', 'the telephone', 'the light bulb', 'the mona lisa', 'pride and prejudice', 'the internet', 'the printing press'];
const LANDMARKS = ['the eiffel tower', 'mount everest', 'the moon', 'big ben', 'the great wall', 'the sun', 'mars'];
const FOREIGN = ['bonjour, ça va ?', 'wie spät ist es', '¿cómo estás?', 'guten morgen', 'grazie mille', 'おはよう', 'merci beaucoup',
  'hola, ¿qué tal?', 'dzień dobry', 'tschüss', 'ciao bella', 'où est la gare'];

function pools(rng: CorpusRandom): Record<string, string> {
  return {
    city: rng.pick(CITIES), city2: rng.pick(CITIES), country: rng.pick(COUNTRIES), team: rng.pick(TEAMS), name: rng.pick(NAMES),
    room: rng.pick(ROOMS), genre: rng.pick(GENRES), artist: rng.pick(ARTISTS), word: rng.pick(WORDS), lang: rng.pick(LANGS),
    work: rng.pick(WORKS), landmark: rng.pick(LANDMARKS), n1: String(rng.int(2, 99)), n2: String(rng.int(2, 30)),
    n: String(rng.pick([5, 6, 7, 8, 9, 10, 11, 12])), odeg: String(rng.pick([160, 170, 180, 190, 200, 220, 240])), rdeg: String(rng.int(16, 24)),
  };
}

function unknown(vars: Record<string, string>): Scene {
  return { vars, action: { intent: 'unknown' } };
}

const trivia: Frame = {
  id: 'ood.trivia',
  intent: 'unknown',
  train: [
    'how [tall|old|far away|big] is {landmark}?',
    'who [wrote|painted|invented] {work}?',
    'how many people live in {city}?',
    'what language do they speak in {country}?',
    "what's the population of {country}?",
    'how far is it from {city} to {city2}?',
    'what does {word} mean?',
    'how do you spell {word}?',
    '@translate {word} into {lang}',
    "what['s| is] {n1} [plus|times|minus|divided by] {n2}?",
    "what's the square root of {n1}?",
    'who is the [president|prime minister|leader] of {country}?',
    'what currency do they use in {country}?',
    'how [hot|cold] is it on {landmark}?',
    'why is the sky blue?',
    'how many legs does a spider have?',
  ],
  heldOut: ['which continent is {country} in?', 'is {landmark} bigger than {city}?', 'how many days until christmas?'],
  build: (rng) => unknown(pools(rng)),
};

const home: Frame = {
  id: 'ood.home',
  intent: 'unknown',
  train: [
    '@switch [on|off] the {room} [lights|lamp]',
    '@turn off the lights in the {room}',
    '@dim the lights [in the {room}|]',
    '@lock the [front|back] door',
    '@set the thermostat to {rdeg} [degrees|]',
    '@turn the heating [up|down|on|off]',
    '@open the [garage door|blinds|curtains]',
    '@start the [washing machine|dishwasher|tumble dryer|robot vacuum]',
    '@preheat the oven to {odeg} [degrees|]',
    '@turn [on|off] the [tv|television|radio|fan]',
    '@vacuum the {room}',
    'is the [back door|front door|window] locked?',
    '@set the {room} to {rdeg} degrees',
    '@close the [garage|curtains|blinds]',
    '@turn on the [air conditioning|sprinklers|porch light]',
  ],
  heldOut: ['@arm the [alarm|security system]', 'is the [dishwasher|washing machine] finished?', '@make the {room} warmer'],
  build: (rng) => unknown(pools(rng)),
};

const media: Frame = {
  id: 'ood.media',
  intent: 'unknown',
  train: [
    '@play [some |]{genre} [music|]',
    '@play [something by |]{artist}',
    '@put on [the radio|a podcast|some music]',
    '@skip [this|the] song',
    '@turn the volume [up|down]',
    "what['s| is] [this song|playing]?",
    '@read me the news',
    '@pause the music',
    'who sings this?',
    "@play the next episode",
  ],
  heldOut: ['@shuffle my playlist', '@queue up some {genre}'],
  build: (rng) => unknown(pools(rng)),
};

const world: Frame = {
  id: 'ood.world',
  intent: 'unknown',
  train: [
    "what's the weather [like |][today|tomorrow|this weekend|] [in {city}|]?",
    'will it rain [today|tomorrow|this afternoon]?',
    'do I need an umbrella [today|]?',
    'what time is it [in {city}|]?',
    'did {team} win [yesterday|last night|on saturday]?',
    'what was the score in the {team} game?',
    'when do {team} play next?',
    "how's the traffic [to work|on the motorway|]?",
    "what's [in |]the news [today|]?",
    "what's the date [today|]?",
    'when does the sun set [today|]?',
    'what day is it [today|]?',
  ],
  heldOut: ['is it going to snow [this week|tonight]?', 'how did {team} do [at the weekend|on sunday]?'],
  build: (rng) => unknown(pools(rng)),
};

const personal: Frame = {
  id: 'ood.personal',
  intent: 'unknown',
  train: [
    '@call {name}',
    "@text {name} [that I'm running late|that dinner is ready|]",
    '@send an email to {name}',
    '@book [a taxi|a table for two|a flight to {city}]',
    '@order [a pizza|a takeaway|a taxi]',
    '@remind me to call {name}',
    '@add [a meeting|a dentist appointment|lunch with {name}] to my calendar',
    "what's on my calendar [today|tomorrow|this week]?",
    '@set an alarm for {n} [am|pm|o\'clock]',
    '@wake me up at {n} [tomorrow|]',
    '@find my phone',
    "what's my next appointment?",
    '@pay the electricity bill',
  ],
  heldOut: ['@schedule a call with {name}', '@message {name} [on whatsapp|]'],
  build: (rng) => unknown(pools(rng)),
};

const chat: Frame = {
  id: 'ood.chat',
  intent: 'unknown',
  train: [
    'hello', 'hi [there|]', 'good [morning|evening|night]', 'how are you [today|]?', "what's your name?", 'who made you?',
    'are you [a robot|alive|smart|listening]?', 'thank you', 'thanks', 'I love you', '@sing [me |]a song', '@tell me [a joke|something funny|a story]',
    "I'm bored", "you're [great|useless|funny]", 'do you like {genre}?', "what's the meaning of life?", '@flip a coin', '@roll a dice',
    '@pick a number between 1 and {n1}', 'never mind', 'nothing', 'stop', 'yes', 'no', 'ok', 'what?', 'test', 'testing one two three',
  ],
  heldOut: ['@tell me a riddle', 'do you dream?', 'good afternoon'],
  build: (rng) => unknown(pools(rng)),
};

const foodTrivia: Frame = {
  id: 'ood.food-trivia',
  intent: 'unknown',
  train: [
    'how many calories [are |]in {food}?',
    'is {food} [healthy|good for you|bad for you]?',
    'where does {food} come from?',
    'how do you pronounce {food}?',
    'who invented {dish}?',
    'what country is {dish} from?',
    'is {food} a fruit or a vegetable?',
    '@tell me a [joke|story|fun fact|poem] about {thing}',
    '@sing [me |]a song about {thing}',
    'do you know [any jokes|a joke|a song|a poem] about {thing}?',
    '@write [me |]a [poem|story|haiku] about {thing}',
    '@draw [me |][a picture of |]{thing}',
    'why do {animals} [like|hate|eat] {food}?',
  ],
  heldOut: ['how much protein is in {food}?', 'what does {food} taste like?'],
  build(rng, pools_) {
    const food = rng.pick(pools_.foods);
    const said = food.plural !== undefined && rng.chance(0.5) ? food.plural : food.name;
    const animals = rng.pick(ANIMALS);
    // A food in a request that is not about the kitchen ("a joke about cheese") still means unknown.
    const thing = rng.weighted([[said, 1], [animals, 1], [`my ${rng.pick(['dog', 'cat', 'hamster', 'parrot', 'rabbit'])}`, 0.3]] as const);
    return unknown({ food: said, dish: rng.pick(pools_.dishes).dish, thing, animals });
  },
};

const ANIMALS = ['cats', 'dogs', 'horses', 'ducks', 'penguins', 'cows', 'pigs', 'sheep', 'bears', 'frogs', 'owls', 'sharks', 'monkeys',
  'elephants', 'squirrels', 'chickens', 'goats', 'dinosaurs', 'rabbits', 'foxes'];

const CONSONANTS = 'bcdfghjklmnprstvwxz';
const VOWELS = 'aeiouy';
const KEYS = 'qwertyuiopasdfghjklzxcvbnm';

function junkWord(rng: CorpusRandom): string {
  const kind = rng.weighted([['syllables', 4], ['mash', 3], ['digits', 1], ['repeat', 1]] as const);
  if (kind === 'syllables') {
    let w = '';
    for (let i = rng.int(1, 3); i > 0; i--) w += rng.pick([...CONSONANTS]) + rng.pick([...VOWELS]) + (rng.chance(0.4) ? rng.pick([...CONSONANTS]) : '');
    return w;
  }
  if (kind === 'mash') {
    const start = rng.int(0, KEYS.length - 4);
    return rng.chance(0.5) ? KEYS.slice(start, start + rng.int(3, 5)) : Array.from({ length: rng.int(3, 7) }, () => rng.pick([...KEYS])).join('');
  }
  if (kind === 'digits') return String(rng.int(1, 99999));
  return rng.pick([...KEYS]).repeat(rng.int(3, 6));
}

const junk: Frame = {
  id: 'ood.junk',
  intent: 'unknown',
  train: ['{junk}', '{junk}?', '{junk}!'],
  heldOut: ['ugh, {junk}'],
  build(rng) {
    const kind = rng.weighted([['words', 6], ['foreign', 2], ['symbols', 1]] as const);
    if (kind === 'foreign') return unknown({ junk: rng.pick(FOREIGN) });
    if (kind === 'symbols') return unknown({ junk: rng.pick(['???', '...', '!!', '123', ':)', '👍', '¯\\_(ツ)_/¯', '#', '-']) });
    return unknown({ junk: Array.from({ length: rng.int(1, 3) }, () => junkWord(rng)).join(' ') });
  },
};

/** The out-of-domain frames. */
export const UNKNOWN_FRAMES: readonly Frame[] = [trivia, home, media, world, personal, chat, foodTrivia, junk];
