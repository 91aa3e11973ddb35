// docs/adding-a-board.md: a board tinyedge does not ship, from a directory of
// your own. Type-checked by `npm run typecheck`; keep it in step with the guide.
import { readFile } from 'node:fs/promises';
import { detectBoard, getBoard, loadBoardCatalog, openPowerSampler, validateBoardProfile } from 'tinyedge';

const myBoards = './my-boards';                  // holds acme-fridge-board.json (and TINYEDGE_BOARDS can name it instead)

// 1. Check the file on its own: the schema, and what a schema cannot say (regexes compile, idleW <= loadW, ...).
const text = await readFile(`${myBoards}/acme-fridge-board.json`, 'utf8');
const profile = await validateBoardProfile(JSON.parse(text), 'acme-fridge-board.json');

// 2. Load it beside the shipped boards; a file with a shipped id overrides single fields of that board.
for (const entry of await loadBoardCatalog({ dir: myBoards })) {
  if (entry.source !== 'shipped') console.log(entry.profile.id, entry.source, entry.files.join(' + '));
}

// 3. Detection tries your boards first. Point `root` at a copy of the board's /proc and /sys to test the match rules here.
const detected = await detectBoard({ boardsDir: myBoards, root: './acme-tree' });
console.log(detected.profile.id, 'matched by', detected.matchedBy);

// 4. Until a sensor is wired, power is estimated from the profile's idle and load watts, and labelled so.
const power = await openPowerSampler({ board: await getBoard(profile.id, { dir: myBoards }), source: 'auto' });
console.log(power.source.id, power.source.kind, power.candidates);
await power.close();
