/**
 * The recipe table the appliance knows: dishes and their main ingredients,
 * written for tinyedge (plain home-cooking knowledge, no copied recipes). The
 * assistant's reply to `recipe.ingredients` reads it, and the corpus
 * generator draws its dish names from it.
 */

/** One dish of the {@link APPLIANCE_RECIPES} table. */
export interface Recipe {
  /** The dish as an action names it: lower case, singular ("pancake"). */
  dish: string;
  /** How people say several of it ("pancakes"), for dishes one counts; absent otherwise. */
  plural?: string;
  /** Main ingredients, singular lower-case names, most important first. */
  ingredients: readonly string[];
}

// One dish per line: `dish[|plural]: ingredient, ingredient, ...`.
const TABLE = `
pancake|pancakes: flour, egg, milk, butter, sugar, salt
crepe|crepes: flour, egg, milk, butter, salt
waffle|waffles: flour, egg, milk, butter, sugar, baking powder
french toast: bread, egg, milk, cinnamon, butter
omelette|omelettes: egg, butter, salt, pepper, cheese
scrambled egg|scrambled eggs: egg, butter, milk, salt, pepper
porridge: oat, milk, honey, salt
granola: oat, honey, almond, sunflower seed, raisin
fruit salad: apple, orange, banana, grape, strawberry, lemon
smoothie|smoothies: banana, strawberry, yoghurt, milk, honey
tomato soup: tomato, onion, garlic, vegetable stock, olive oil, basil
pumpkin soup: pumpkin, onion, garlic, vegetable stock, cream, nutmeg
leek and potato soup: leek, potato, onion, vegetable stock, butter, cream
minestrone: tomato, carrot, celery, onion, bean, pasta, vegetable stock
chicken soup: chicken, carrot, celery, onion, noodle, chicken stock
lentil soup: lentil, onion, carrot, garlic, cumin, vegetable stock
french onion soup: onion, butter, beef stock, bread, cheese, thyme
gazpacho: tomato, cucumber, pepper, onion, garlic, olive oil, vinegar
mushroom soup: mushroom, onion, garlic, cream, vegetable stock, butter
pea soup: pea, onion, ham, vegetable stock, mint
guacamole: avocado, lime, onion, tomato, chili, coriander, salt
hummus: chickpea, tahini, lemon, garlic, olive oil, cumin
salsa: tomato, onion, chili, lime, coriander, salt
tzatziki: yoghurt, cucumber, garlic, dill, lemon, olive oil
pesto: basil, pine nut, parmesan, garlic, olive oil
coleslaw: cabbage, carrot, onion, mayonnaise, vinegar
potato salad: potato, mayonnaise, onion, chive, mustard
greek salad: tomato, cucumber, red onion, feta, olive, olive oil
caesar salad: lettuce, chicken, parmesan, crouton, anchovy, egg, lemon
pasta salad: pasta, tomato, cucumber, pepper, olive, olive oil
rice salad: rice, pepper, pea, sweetcorn, onion, olive oil
tabbouleh: bulgur, parsley, mint, tomato, cucumber, lemon, olive oil
spaghetti bolognese: spaghetti, minced beef, onion, garlic, tomato, carrot, olive oil
spaghetti carbonara: spaghetti, bacon, egg, parmesan, pepper
lasagne: lasagne sheet, minced beef, tomato, onion, milk, butter, flour, cheese
macaroni cheese: macaroni, cheese, milk, butter, flour, mustard
mac and cheese: macaroni, cheddar, milk, butter, flour
pasta bake: pasta, tomato, mozzarella, onion, garlic, basil
penne arrabbiata: penne, tomato, garlic, chili, olive oil, parsley
pasta primavera: pasta, courgette, pea, asparagus, parmesan, olive oil
risotto: arborio rice, onion, white wine, parmesan, butter, vegetable stock
mushroom risotto: arborio rice, mushroom, onion, parmesan, butter, vegetable stock
paella: rice, chicken, prawn, pepper, pea, saffron, chicken stock
fried rice: rice, egg, pea, carrot, spring onion, soy sauce
egg fried rice: rice, egg, spring onion, soy sauce, vegetable oil
pad thai: rice noodle, prawn, egg, peanut, bean sprout, lime, fish sauce
chicken curry: chicken, onion, garlic, ginger, tomato, curry powder, rice
vegetable curry: potato, cauliflower, pea, onion, coconut milk, curry paste
thai green curry: chicken, coconut milk, green curry paste, green bean, basil, rice
butter chicken: chicken, butter, tomato, cream, garlic, ginger, garam masala
chili con carne: minced beef, kidney bean, tomato, onion, chili, cumin
vegetable chili: kidney bean, black bean, tomato, pepper, onion, chili, cumin
dal: lentil, onion, garlic, ginger, turmeric, tomato
stir fry: noodle, pepper, broccoli, carrot, soy sauce, ginger, garlic
beef stir fry: beef, pepper, broccoli, soy sauce, ginger, garlic, rice
sweet and sour chicken: chicken, pineapple, pepper, onion, vinegar, sugar, ketchup
teriyaki salmon: salmon, soy sauce, honey, ginger, garlic, rice
sushi: sushi rice, nori, cucumber, salmon, rice vinegar, avocado
ramen: ramen noodle, chicken stock, egg, spring onion, soy sauce, mushroom
miso soup: miso paste, tofu, spring onion, seaweed
burrito|burritos: tortilla, rice, black bean, cheese, salsa, sour cream
taco|tacos: taco shell, minced beef, lettuce, tomato, cheese, sour cream
quesadilla|quesadillas: tortilla, cheese, pepper, onion, chicken
enchilada|enchiladas: tortilla, chicken, cheese, tomato, onion, chili
fajita|fajitas: tortilla, chicken, pepper, onion, lime, paprika
pizza|pizzas: flour, yeast, tomato, mozzarella, olive oil, basil
margherita pizza: pizza dough, tomato, mozzarella, basil, olive oil
calzone|calzones: pizza dough, mozzarella, ham, mushroom, tomato
garlic bread: baguette, butter, garlic, parsley
bruschetta: bread, tomato, garlic, basil, olive oil
focaccia: flour, yeast, olive oil, rosemary, salt
burger|burgers: minced beef, burger bun, lettuce, tomato, onion, cheese
veggie burger|veggie burgers: chickpea, breadcrumb, onion, burger bun, lettuce
hot dog|hot dogs: sausage, hot dog bun, onion, mustard, ketchup
meatball|meatballs: minced beef, breadcrumb, egg, onion, garlic, parsley
spaghetti and meatballs: spaghetti, minced beef, breadcrumb, egg, tomato, garlic
shepherd's pie: minced lamb, potato, carrot, onion, pea, butter
cottage pie: minced beef, potato, carrot, onion, butter, milk
fish pie: white fish, salmon, prawn, potato, milk, butter
chicken pie: chicken, puff pastry, mushroom, leek, cream
steak pie: beef, puff pastry, onion, beef stock, mushroom
quiche|quiches: shortcrust pastry, egg, cream, bacon, cheese, onion
sausage roll|sausage rolls: puff pastry, sausage meat, onion, egg
fish and chips: white fish, potato, flour, beer, vegetable oil
fish finger sandwich: fish finger, bread, lettuce, mayonnaise
roast chicken: chicken, lemon, garlic, thyme, butter, potato
roast beef: beef, potato, carrot, onion, beef stock
roast lamb: lamb, garlic, rosemary, potato, olive oil
roast potato|roast potatoes: potato, olive oil, salt, rosemary
mashed potato: potato, butter, milk, salt
baked potato|baked potatoes: potato, butter, cheese, bean
potato wedge|potato wedges: potato, olive oil, paprika, salt
gratin: potato, cream, garlic, cheese, butter
ratatouille: aubergine, courgette, pepper, tomato, onion, garlic, olive oil
stuffed pepper|stuffed peppers: pepper, rice, minced beef, tomato, cheese
moussaka: aubergine, minced lamb, tomato, onion, milk, flour, butter
goulash: beef, onion, paprika, pepper, tomato, potato
beef stew: beef, carrot, potato, onion, beef stock, flour
irish stew: lamb, potato, carrot, onion, thyme
coq au vin: chicken, red wine, bacon, mushroom, onion, garlic
chicken casserole: chicken, carrot, onion, potato, chicken stock
sausage casserole: sausage, bean, tomato, onion, pepper
toad in the hole: sausage, flour, egg, milk
yorkshire pudding|yorkshire puddings: flour, egg, milk, vegetable oil
beef wellington: beef, puff pastry, mushroom, ham, egg
chicken nugget|chicken nuggets: chicken breast, breadcrumb, egg, flour
chicken wing|chicken wings: chicken wing, honey, soy sauce, garlic, chili
grilled salmon: salmon, lemon, dill, olive oil
fish taco|fish tacos: white fish, tortilla, cabbage, lime, sour cream
prawn cocktail: prawn, lettuce, mayonnaise, ketchup, lemon
tuna pasta: pasta, tuna, sweetcorn, mayonnaise
tuna sandwich|tuna sandwiches: bread, tuna, mayonnaise, cucumber
club sandwich|club sandwiches: bread, chicken, bacon, lettuce, tomato, mayonnaise
blt: bread, bacon, lettuce, tomato, mayonnaise
cheese toastie|cheese toasties: bread, cheese, butter
egg sandwich|egg sandwiches: bread, egg, mayonnaise, cress
avocado toast: bread, avocado, lemon, chili, salt
beans on toast: bread, baked bean, butter
full english breakfast: bacon, sausage, egg, baked bean, mushroom, tomato, bread
shakshuka: egg, tomato, pepper, onion, garlic, cumin, paprika
frittata|frittatas: egg, potato, onion, spinach, cheese
spanish omelette: egg, potato, onion, olive oil
falafel: chickpea, onion, garlic, parsley, cumin, flour
spring roll|spring rolls: spring roll wrapper, cabbage, carrot, bean sprout, soy sauce
dumpling|dumplings: flour, minced pork, cabbage, ginger, spring onion, soy sauce
samosa|samosas: pastry, potato, pea, onion, cumin, chili
onion bhaji|onion bhajis: onion, gram flour, chili, cumin, coriander
pakora|pakoras: cauliflower, potato, gram flour, chili, cumin
chicken tikka masala: chicken, yoghurt, tomato, cream, onion, garam masala
korma: chicken, onion, cream, almond, coconut milk, garam masala
biryani: rice, chicken, onion, yoghurt, garam masala, saffron
naan|naans: flour, yoghurt, yeast, butter, garlic
flatbread|flatbreads: flour, yoghurt, baking powder, salt
bread: flour, yeast, water, salt
banana bread: banana, flour, sugar, egg, butter, baking powder
scone|scones: flour, butter, milk, sugar, baking powder
muffin|muffins: flour, sugar, egg, milk, butter, blueberry
blueberry muffin|blueberry muffins: flour, blueberry, sugar, egg, milk, butter
cupcake|cupcakes: flour, sugar, butter, egg, icing sugar
brownie|brownies: chocolate, butter, sugar, egg, flour, cocoa powder
cookie|cookies: flour, butter, sugar, egg, chocolate chip
flapjack|flapjacks: oat, butter, golden syrup, brown sugar
shortbread: flour, butter, sugar
chocolate cake|chocolate cakes: flour, sugar, cocoa powder, egg, butter, milk
carrot cake|carrot cakes: carrot, flour, sugar, egg, walnut, cinnamon, cream cheese
victoria sponge: flour, sugar, butter, egg, jam, cream
lemon drizzle cake: lemon, flour, sugar, butter, egg
cheesecake|cheesecakes: cream cheese, digestive biscuit, butter, sugar, egg, lemon
apple pie|apple pies: apple, shortcrust pastry, sugar, cinnamon, butter
apple crumble: apple, flour, butter, sugar, oat
rhubarb crumble: rhubarb, flour, butter, sugar
tiramisu: mascarpone, sponge finger, coffee, egg, sugar, cocoa powder
trifle: sponge cake, custard, cream, raspberry, jelly
rice pudding: rice, milk, sugar, vanilla, nutmeg
bread and butter pudding: bread, butter, egg, milk, sugar, raisin
chocolate mousse: chocolate, egg, cream, sugar
panna cotta: cream, milk, sugar, gelatine, vanilla
creme brulee: cream, egg, sugar, vanilla
pavlova|pavlovas: egg, sugar, cream, strawberry, kiwi
ice cream: cream, milk, sugar, egg, vanilla
fruit crumble: apple, plum, flour, butter, sugar
lemonade: lemon, sugar, water
hot chocolate: milk, chocolate, sugar, cream
milkshake|milkshakes: milk, ice cream, banana
iced tea: tea, lemon, sugar, ice
mulled wine: red wine, orange, cinnamon, clove, sugar
sangria: red wine, orange, lemon, apple, sugar
chicken salad: chicken, lettuce, tomato, cucumber, olive oil
nicoise salad: tuna, egg, green bean, potato, olive, tomato
caprese salad: tomato, mozzarella, basil, olive oil
waldorf salad: apple, celery, walnut, grape, mayonnaise
couscous salad: couscous, pepper, cucumber, mint, lemon, olive oil
stuffed mushroom|stuffed mushrooms: mushroom, cream cheese, garlic, breadcrumb
cauliflower cheese: cauliflower, cheese, milk, butter, flour
vegetable soup: carrot, potato, onion, celery, leek, vegetable stock
beef burrito|beef burritos: tortilla, minced beef, rice, bean, cheese
pulled pork: pork shoulder, barbecue sauce, onion, brown sugar, paprika
pork chop|pork chops: pork chop, apple, sage, butter
lamb kebab|lamb kebabs: lamb, onion, pepper, yoghurt, garlic, pitta bread
chicken kebab|chicken kebabs: chicken, pepper, onion, yoghurt, lemon
ham and cheese sandwich|ham and cheese sandwiches: bread, ham, cheese, butter, mustard
pea risotto: arborio rice, pea, onion, parmesan, vegetable stock, butter
prawn stir fry: prawn, noodle, pepper, spring onion, soy sauce, ginger
tofu stir fry: tofu, broccoli, pepper, soy sauce, garlic, rice
gnocchi: potato, flour, egg, salt
lemon tart|lemon tarts: lemon, shortcrust pastry, egg, sugar, butter
`;

/**
 * Every dish the appliance knows, with its ingredients. At least 150
 * dishes; every ingredient is a singular lower-case name.
 */
export const APPLIANCE_RECIPES: readonly Recipe[] = Object.freeze(
  TABLE.trim()
    .split('\n')
    .map((line): Recipe => {
      const colon = line.indexOf(':');
      const [dish = '', plural] = line.slice(0, colon).split('|');
      const ingredients = Object.freeze(line.slice(colon + 1).split(',').map((s) => s.trim()));
      return Object.freeze(plural === undefined ? { dish, ingredients } : { dish, plural, ingredients });
    }),
);

const byDish = new Map(APPLIANCE_RECIPES.map((r) => [r.dish, r]));

/**
 * Look a dish up in {@link APPLIANCE_RECIPES} by its action name (lower case,
 * singular). A plural ("pancakes") or a leading article is also accepted.
 *
 * @returns the recipe, or `undefined` when the table has no such dish
 * @example
 * ```ts
 * findRecipe('pancake')?.ingredients; // ['flour', 'egg', 'milk', ...]
 * ```
 */
export function findRecipe(dish: string): Recipe | undefined {
  const key = dish.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^(?:a|an|the|some) /, '');
  return byDish.get(key) ?? APPLIANCE_RECIPES.find((r) => r.plural === key);
}
