/**
 * The food lexicon of the corpus generator: several hundred foods with their
 * plural (for foods one counts) and a group that says which units go with
 * them. Written for tinyedge; names follow the contract (lower case,
 * singular, compound names keep their words).
 */
import { APPLIANCE_UNITS } from '../../appliance/action.js';
import type { ApplianceUnit } from '../../appliance/action.js';
import { CorpusRandom } from './random.js';

/** How a food is bought, which decides the units a request may use with it. */
export type FoodGroup =
  | 'fruit' | 'veg' | 'berry' | 'bunched' | 'herb' | 'leaf' | 'milk' | 'juice' | 'cream' | 'cheese' | 'butter'
  | 'yoghurt' | 'meat' | 'fish' | 'canned' | 'dry' | 'bread' | 'bakery' | 'spread' | 'sauce' | 'oil' | 'drink'
  | 'wine' | 'snack' | 'spice' | 'frozen' | 'egg' | 'tea' | 'coffee' | 'sweet' | 'nut' | 'stock';

/** One food of the lexicon. */
export interface Food {
  /** The action name: lower case, singular ("cherry tomato"). */
  name: string;
  /** The plural people say ("cherry tomatoes"); absent for foods one does not count ("milk"). */
  plural?: string;
  /** How it is bought. */
  group: FoodGroup;
  /** Units it also comes in besides its group's ("tomatoes" also come in cans). */
  extraUnits?: readonly ApplianceUnit[];
}

/** Units that sound natural for each group, most common first. */
export const GROUP_UNITS: Readonly<Record<FoodGroup, readonly ApplianceUnit[]>> = {
  fruit: ['kg', 'bag', 'g', 'lb', 'box'],
  veg: ['kg', 'g', 'bag', 'lb'],
  berry: ['pack', 'box', 'g'],
  bunched: ['bunch', 'kg', 'lb'],
  herb: ['bunch', 'pack', 'g'],
  leaf: ['bag', 'pack', 'bunch', 'g'],
  milk: ['l', 'carton', 'bottle', 'ml'],
  juice: ['carton', 'l', 'bottle', 'ml'],
  cream: ['ml', 'carton', 'l'],
  cheese: ['g', 'pack', 'kg', 'lb', 'oz'],
  butter: ['pack', 'g', 'lb'],
  yoghurt: ['g', 'pack', 'jar', 'kg'],
  meat: ['g', 'kg', 'lb', 'pack'],
  fish: ['g', 'pack', 'kg', 'lb'],
  canned: ['can', 'jar', 'g'],
  dry: ['kg', 'bag', 'g', 'box', 'pack', 'lb'],
  bread: ['loaf', 'pack'],
  bakery: ['pack', 'bag', 'box'],
  spread: ['jar'],
  sauce: ['bottle', 'jar', 'ml'],
  oil: ['bottle', 'l', 'ml'],
  drink: ['bottle', 'can', 'pack', 'l'],
  wine: ['bottle'],
  snack: ['bag', 'pack', 'box'],
  spice: ['jar', 'pack', 'g'],
  frozen: ['bag', 'box', 'pack', 'kg'],
  egg: ['box', 'pack', 'carton'],
  tea: ['box', 'pack'],
  coffee: ['bag', 'jar', 'pack', 'g'],
  sweet: ['pack', 'bag', 'box', 'g'],
  nut: ['bag', 'g', 'pack', 'jar'],
  stock: ['pack', 'box', 'jar', 'l'],
};

// `name|plural|group[+unit...]`; plural `-` for foods one does not count, `+s`/`+es` for regular plurals;
// units after the group are extra units for that food.
const LEXICON = `
apple|+s|fruit
pear|+s|fruit
orange|+s|fruit
lemon|+s|fruit
lime|+s|fruit
grapefruit|+s|fruit+can
clementine|+s|fruit
satsuma|+s|fruit
tangerine|+s|fruit
mandarin|+s|fruit
peach|+es|fruit+can
nectarine|+s|fruit
plum|+s|fruit
apricot|+s|fruit+can
mango|+es|fruit
papaya|+s|fruit
pineapple|+s|fruit+can
melon|+s|fruit
watermelon|+s|fruit
kiwi|+s|fruit
avocado|+s|fruit
pomegranate|+s|fruit
fig|+s|fruit
date|+s|fruit
passion fruit|+s|fruit
dragon fruit|+s|fruit
lychee|+s|fruit
persimmon|+s|fruit
quince|+s|fruit
rhubarb|-|veg
coconut|+s|fruit
granny smith apple|+s|fruit
blood orange|+s|fruit
banana|+s|bunched
grape|+s|bunched
plantain|+s|bunched
strawberry|strawberries|berry
raspberry|raspberries|berry
blueberry|blueberries|berry
blackberry|blackberries|berry
cherry|cherries|berry+jar+can
cranberry|cranberries|berry
gooseberry|gooseberries|berry
redcurrant|+s|berry
cherry tomato|cherry tomatoes|berry
potato|+es|veg
sweet potato|sweet potatoes|veg
new potato|new potatoes|veg
carrot|+s|veg+can+bunch
parsnip|+s|veg
turnip|+s|veg
swede|+s|veg
beetroot|+s|veg+jar
radish|+es|veg+bunch
onion|+s|veg
red onion|+s|veg
shallot|+s|veg
spring onion|+s|veg+bunch
leek|+s|veg
garlic|-|veg
ginger|-|veg
tomato|+es|veg+can
cucumber|+s|veg
courgette|+s|veg
zucchini|+s|veg
aubergine|+s|veg
eggplant|+s|veg
pepper|+s|veg
red pepper|+s|veg
green pepper|+s|veg
bell pepper|+s|veg
chili|chilies|veg
jalapeno|+s|veg
mushroom|+s|veg+can+pack
button mushroom|+s|veg
broccoli|-|veg
cauliflower|+s|veg
cabbage|+s|veg
red cabbage|+s|veg
brussels sprout|+s|veg
kale|-|leaf
spinach|-|leaf+can
lettuce|+s|leaf
iceberg lettuce|+s|leaf
rocket|-|leaf
watercress|-|leaf
chard|-|leaf
pak choi|-|leaf
cress|-|leaf
celery|-|veg+bunch
celeriac|+s|veg
fennel|-|veg
asparagus|-|veg+bunch
artichoke|+s|veg
corn on the cob|-|veg
sweetcorn|-|canned
pea|+s|frozen+can
green bean|+s|veg+can
runner bean|+s|veg
broad bean|+s|veg
mangetout|-|veg
bean sprout|+s|leaf
pumpkin|+s|veg
butternut squash|butternut squashes|veg
squash|+es|veg
kohlrabi|-|veg
okra|-|veg
olive|+s|canned
basil|-|herb
parsley|-|herb
coriander|-|herb
mint|-|herb
dill|-|herb
chive|+s|herb
rosemary|-|herb
thyme|-|herb
sage|-|herb
oregano|-|spice
tarragon|-|herb
lemongrass|-|herb
bay leaf|bay leaves|spice
milk|-|milk
whole milk|-|milk
skimmed milk|-|milk
semi skimmed milk|-|milk
oat milk|-|milk
almond milk|-|milk
soy milk|-|milk
coconut milk|-|canned
buttermilk|-|milk
chocolate milk|-|milk
orange juice|-|juice
apple juice|-|juice
grape juice|-|juice
pineapple juice|-|juice
cranberry juice|-|juice
tomato juice|-|juice
lemon juice|-|sauce
lime juice|-|sauce
cream|-|cream+bottle
double cream|-|cream
single cream|-|cream
whipping cream|-|cream
sour cream|-|cream
creme fraiche|-|cream
custard|-|cream
cheese|-|cheese
cheddar|-|cheese
mozzarella|-|cheese
parmesan|-|cheese
feta|-|cheese
brie|-|cheese
camembert|-|cheese
gouda|-|cheese
edam|-|cheese
stilton|-|cheese
halloumi|-|cheese
goat cheese|-|cheese
blue cheese|-|cheese
cream cheese|-|cheese
cottage cheese|-|yoghurt
ricotta|-|yoghurt
mascarpone|-|yoghurt
grated cheese|-|cheese
swiss cheese|-|cheese
butter|-|butter+g+kg
salted butter|-|butter
unsalted butter|-|butter
margarine|-|butter
yoghurt|-|yoghurt+carton
yogurt|-|yoghurt
greek yoghurt|-|yoghurt
natural yoghurt|-|yoghurt
fruit yoghurt|-|yoghurt
egg|+s|egg
free range egg|+s|egg
quail egg|+s|egg
chicken|-|meat
chicken breast|+s|meat
chicken thigh|+s|meat
chicken wing|+s|meat
chicken leg|+s|meat
whole chicken|whole chickens|meat
turkey|-|meat
turkey breast|+s|meat
duck breast|+s|meat
beef|-|meat
minced beef|-|meat
beef mince|-|meat
steak|+s|meat
sirloin steak|+s|meat
rump steak|+s|meat
stewing beef|-|meat
pork|-|meat
pork chop|+s|meat
pork belly|-|meat
pork shoulder|-|meat
minced pork|-|meat
lamb|-|meat
lamb chop|+s|meat
minced lamb|-|meat
lamb shank|+s|meat
veal|-|meat
bacon|-|meat
smoked bacon|-|meat
ham|-|meat
sliced ham|-|meat
sausage|+s|meat
pork sausage|+s|meat
chorizo|-|meat
salami|-|meat
pepperoni|-|meat
prosciutto|-|meat
hot dog|+s|meat
sausage meat|-|meat
meatball|+s|meat
burger|+s|meat
venison|-|meat
salmon|-|fish+can
salmon fillet|+s|fish
smoked salmon|-|fish
cod|-|fish
cod fillet|+s|fish
haddock|-|fish
white fish|-|fish
tuna|-|canned
tuna steak|+s|fish
mackerel|-|fish
sardine|+s|canned+pack
anchovy|anchovies|canned
trout|-|fish
sea bass|-|fish
prawn|+s|fish
king prawn|+s|fish
shrimp|-|fish
mussel|+s|fish
scallop|+s|fish
squid|-|fish
crab|-|fish
lobster|+s|fish
fish finger|+s|frozen
fish cake|+s|frozen
tofu|-|meat
tempeh|-|meat
bread|-|bread
white bread|-|bread
brown bread|-|bread
wholemeal bread|-|bread
sourdough|-|bread
rye bread|-|bread
sliced bread|-|bread
baguette|+s|bakery
ciabatta|+s|bakery
bagel|+s|bakery
croissant|+s|bakery
crumpet|+s|bakery
english muffin|+s|bakery
muffin|+s|bakery
roll|+s|bakery
bread roll|+s|bakery
burger bun|+s|bakery
hot dog bun|+s|bakery
brioche|-|bread
pitta bread|-|bakery
naan bread|-|bakery
tortilla|+s|bakery
wrap|+s|bakery
taco shell|+s|bakery
pizza base|+s|bakery
pizza dough|-|bakery
puff pastry|-|bakery
shortcrust pastry|-|bakery
filo pastry|-|bakery
pastry|-|bakery
pancake mix|-|dry
rice|-|dry
basmati rice|-|dry
brown rice|-|dry
jasmine rice|-|dry
arborio rice|-|dry
sushi rice|-|dry
wild rice|-|dry
pasta|-|dry
spaghetti|-|dry
penne|-|dry
fusilli|-|dry
macaroni|-|dry
linguine|-|dry
tagliatelle|-|dry
lasagne sheet|+s|dry
egg noodle|+s|dry
noodle|+s|dry
rice noodle|+s|dry
ramen noodle|+s|dry
couscous|-|dry
bulgur|-|dry
quinoa|-|dry
polenta|-|dry
barley|-|dry
oat|+s|dry
porridge oat|+s|dry
muesli|-|dry
granola|-|dry
cereal|-|dry
cornflake|+s|dry
flour|-|dry
plain flour|-|dry
self raising flour|-|dry
bread flour|-|dry
wholemeal flour|-|dry
gram flour|-|dry
cornflour|-|dry
sugar|-|dry
brown sugar|-|dry
caster sugar|-|dry
icing sugar|-|dry
baking powder|-|spice
baking soda|-|spice
yeast|-|spice
breadcrumb|+s|dry
crouton|+s|snack
lentil|+s|dry
red lentil|+s|dry
chickpea|+s|canned
bean|+s|canned
baked bean|+s|canned
kidney bean|+s|canned
black bean|+s|canned
butter bean|+s|canned
cannellini bean|+s|canned
chopped tomato|chopped tomatoes|canned
tomato puree|-|sauce
passata|-|sauce
tomato paste|-|sauce
salt|-|spice
sea salt|-|spice
black pepper|-|spice
cinnamon|-|spice
nutmeg|-|spice
paprika|-|spice
smoked paprika|-|spice
cumin|-|spice
turmeric|-|spice
curry powder|-|spice
garam masala|-|spice
chili powder|-|spice
chili flake|+s|spice
mixed herb|+s|spice
vanilla|-|spice
vanilla extract|-|sauce
clove|+s|spice
cardamom|-|spice
saffron|-|spice
gelatine|-|spice
olive oil|-|oil+can
extra virgin olive oil|-|oil
vegetable oil|-|oil
sunflower oil|-|oil
coconut oil|-|spread
sesame oil|-|oil
rapeseed oil|-|oil
vinegar|-|oil
balsamic vinegar|-|oil
white wine vinegar|-|oil
rice vinegar|-|oil
cider vinegar|-|oil
soy sauce|-|sauce
fish sauce|-|sauce
oyster sauce|-|sauce
worcestershire sauce|-|sauce
hot sauce|-|sauce
sriracha|-|sauce
ketchup|-|sauce
tomato ketchup|-|sauce
mayonnaise|-|sauce
mayo|-|sauce
mustard|-|spread
dijon mustard|-|spread
barbecue sauce|-|sauce
sweet chili sauce|-|sauce
pesto|-|spread
salsa|-|spread
hummus|-|yoghurt
tahini|-|spread
miso paste|-|spread
curry paste|-|spread
green curry paste|-|spread
honey|-|spread+bottle
maple syrup|-|sauce
golden syrup|-|spread
jam|-|spread
strawberry jam|-|spread
raspberry jam|-|spread
marmalade|-|spread
peanut butter|-|spread
almond butter|-|spread
chocolate spread|-|spread
nutella|-|spread
lemon curd|-|spread
pickle|+s|spread
gherkin|+s|spread
caper|+s|spread
sun dried tomato|sun dried tomatoes|spread
vegetable stock|-|stock
chicken stock|-|stock
beef stock|-|stock
stock cube|+s|stock
gravy|-|stock
water|-|drink+ml
sparkling water|-|drink
mineral water|-|drink
tonic water|-|drink
coconut water|-|drink
lemonade|-|drink
cola|-|drink
ginger ale|-|drink
iced tea|-|drink
beer|-|drink
lager|-|drink
cider|-|drink
red wine|-|wine
white wine|-|wine
rose wine|-|wine
prosecco|-|wine
champagne|-|wine
orange squash|-|drink
energy drink|+s|drink
smoothie|+s|drink
kombucha|-|drink
tea|-|tea
green tea|-|tea
herbal tea|-|tea
peppermint tea|-|tea
tea bag|+s|tea
coffee|-|coffee
ground coffee|-|coffee
instant coffee|-|coffee
coffee bean|+s|coffee
coffee pod|+s|coffee
hot chocolate|-|coffee
cocoa powder|-|coffee
chocolate|-|sweet
dark chocolate|-|sweet
milk chocolate|-|sweet
chocolate bar|+s|sweet
chocolate chip|+s|sweet
biscuit|+s|snack
digestive biscuit|+s|snack
cookie|+s|snack
cracker|+s|snack
rice cake|+s|snack
crisp|+s|snack
tortilla chip|+s|snack
popcorn|-|snack
pretzel|+s|snack
cereal bar|+s|snack
sponge finger|+s|snack
sponge cake|+s|bakery
cake|+s|bakery
doughnut|+s|bakery
brownie|+s|bakery
jelly|jellies|sweet
marshmallow|+s|sweet
sweet|+s|sweet
gummy bear|+s|sweet
ice cream|-|frozen+l+carton
vanilla ice cream|-|frozen
ice lolly|ice lollies|frozen
frozen pea|+s|frozen
frozen berry|frozen berries|frozen
frozen pizza|+s|frozen
oven chip|+s|frozen
ice|-|frozen
ice cube|+s|frozen
frozen spinach|-|frozen
almond|+s|nut
walnut|+s|nut
cashew|+s|nut
peanut|+s|nut
hazelnut|+s|nut
pistachio|+s|nut
pecan|+s|nut
pine nut|+s|nut
brazil nut|+s|nut
mixed nut|+s|nut
sunflower seed|+s|nut
pumpkin seed|+s|nut
chia seed|+s|nut
sesame seed|+s|nut
flaxseed|-|nut
raisin|+s|nut
sultana|+s|nut
dried apricot|+s|nut
prune|+s|nut
seaweed|-|snack
nori|-|snack
spring roll wrapper|+s|frozen
baby food|-|canned
soup|+s|canned
tomato soup|-|canned
`;

function parse(text: string): Food[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', plural = '-', groupSpec = ''] = line.split('|');
      const [group = '', ...extra] = groupSpec.split('+');
      const food: Food = { name, group: group as FoodGroup };
      if (extra.some((u) => !(APPLIANCE_UNITS as readonly string[]).includes(u))) throw new Error(`food-lexicon: unknown unit in "${line}"`);
      if (extra.length > 0) food.extraUnits = extra as ApplianceUnit[];
      if (plural === '+s') food.plural = `${name}s`;
      else if (plural === '+es') food.plural = `${name}es`;
      else if (plural !== '-') food.plural = plural;
      if (!(food.group in GROUP_UNITS)) throw new Error(`food-lexicon: unknown group "${group}" for ${name}`);
      return Object.freeze(food);
    });
}

/** Every food of the lexicon, in source order. */
export const FOODS: readonly Food[] = Object.freeze(parse(LEXICON));

/**
 * Foods only the test split uses: training text never contains them, so the
 * test split measures how the model copies and singularises names it has not
 * met. Chosen across groups, with compound and irregular plurals.
 */
export const HELD_OUT_FOODS: readonly string[] = Object.freeze([
  'kohlrabi', 'parsnip', 'clementine', 'pomegranate', 'persimmon', 'passion fruit', 'lychee', 'gooseberry',
  'blackberry', 'butternut squash', 'celeriac', 'artichoke', 'chard', 'watercress', 'tarragon', 'lemongrass',
  'buttermilk', 'almond milk', 'cranberry juice', 'creme fraiche', 'halloumi', 'goat cheese', 'stilton',
  'ricotta', 'greek yoghurt', 'quail egg', 'duck breast', 'lamb shank', 'chorizo', 'prosciutto', 'venison',
  'mackerel', 'sea bass', 'scallop', 'tempeh', 'sourdough', 'crumpet', 'brioche', 'quinoa', 'polenta',
  'butter bean', 'sesame oil', 'oyster sauce', 'sriracha', 'marmalade', 'almond butter', 'kombucha',
  'ginger ale', 'peppermint tea', 'pretzel', 'marshmallow', 'pistachio', 'pecan', 'sultana', 'prune',
]);

const INVENTED_GROUPS: readonly FoodGroup[] = ['fruit', 'veg', 'cheese', 'meat', 'sauce', 'snack', 'drink', 'dry', 'bakery', 'spread'];
/** Groups whose foods one counts ("three brovels"). */
const COUNTED_GROUPS: ReadonlySet<FoodGroup> = new Set(['fruit', 'veg', 'bakery']);
const ONSETS = ['b', 'br', 'ch', 'd', 'f', 'g', 'gr', 'k', 'l', 'm', 'n', 'p', 'pl', 'qu', 'r', 's', 'sk', 't', 'tr', 'v', 'z'];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ai', 'ee', 'oo', 'ou'];
const INNER_CODAS = ['', '', '', 'l', 'n', 'r'];
const FINAL_CODAS = ['l', 'm', 'n', 'r', 't', 'k', 'p', 'ng', 'nd'];

/**
 * Made-up foods ("brovel", "zoukamin"), the same for a given seed. Training on
 * a share of names that exist nowhere else teaches the model to copy a name
 * from the request instead of recalling one it knows, which is what it must
 * do for the foods and brands of real kitchens. None is an English word of
 * the lexicon, and none ends in a letter whose plural the contract would
 * spell otherwise (`s`, `x`, `z`, `h`, `o`, `y`).
 *
 * @param count - how many to make
 * @param seed - the corpus seed
 */
export function inventedFoods(count: number, seed: number): Food[] {
  const rng = new CorpusRandom(seed, 97);
  const taken = new Set(FOODS.flatMap((f) => [f.name, f.plural ?? f.name]));
  const out: Food[] = [];
  while (out.length < count) {
    let word = '';
    for (let i = rng.chance(0.8) ? 2 : 3; i > 0; i--) word += rng.pick(ONSETS) + rng.pick(NUCLEI) + rng.pick(i === 1 ? FINAL_CODAS : INNER_CODAS);
    if (/[sxzhoy]$/.test(word) || taken.has(word)) continue;
    taken.add(word);
    const group = rng.pick(INVENTED_GROUPS);
    out.push(COUNTED_GROUPS.has(group) ? { name: word, plural: `${word}s`, group } : { name: word, group });
  }
  return out;
}
