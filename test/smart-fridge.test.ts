import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSerialLink } from '../src/index.js';
import type { SerialLink } from '../src/index.js';
import { channelFromSerialLink } from '../examples/smart-fridge/src/byte-channel.js';
import { ControllerLink } from '../examples/smart-fridge/src/controller-link.js';
import { ControllerSimulator } from '../examples/smart-fridge/src/controller-simulator.js';
import { executeAction } from '../examples/smart-fridge/src/execute-action.js';
import { FridgeStore } from '../examples/smart-fridge/src/fridge-store.js';
import { createPtyPair, socatAvailable } from './support/socat.js';
import type { PtyPair } from './support/socat.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fridge-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.runIf(socatAvailable())('the fridge app and its controller over a real pseudo-terminal pair', () => {
  let cable: PtyPair;
  let appEnd: SerialLink<'raw'>;
  let deviceEnd: SerialLink<'raw'>;
  let link: ControllerLink;
  let controller: ControllerSimulator;

  beforeEach(async () => {
    cable = await createPtyPair();
    const fastReconnect = { initialDelayMs: 20, maxDelayMs: 100 };
    appEnd = await openSerialLink({ path: cable.a, baudRate: 115200, reconnect: fastReconnect });
    deviceEnd = await openSerialLink({ path: cable.b, baudRate: 115200, reconnect: fastReconnect });
    link = new ControllerLink(channelFromSerialLink(appEnd), { timeoutMs: 150, retries: 3 });
    controller = new ControllerSimulator(channelFromSerialLink(deviceEnd), { reportMs: 0 });
  });
  afterEach(async () => {
    link.close();
    controller.close();
    await appEnd.close();
    await deviceEnd.close();
    await cable.close();
  });

  it('sets temperatures and modes, reads temperatures, and refuses values outside the limits', async () => {
    await link.setTemperature('freezer', -20);
    await link.setMode('party');
    expect(controller.targets.freezer).toBe(-20);
    expect(controller.mode).toBe('party');
    expect(await link.readTemperature('fridge')).toBe(5);
    await expect(link.setTemperature('fridge', 20)).rejects.toMatchObject({ code: 'E_CONTROLLER_REFUSED', message: /out of range/ });
    expect(controller.targets.fridge).toBe(4);
    expect(link.stats).toMatchObject({ retransmits: 0, timeouts: 0, corruptFrames: 0 });
  });

  it('a lost ack is retried with the same sequence number and applied once', async () => {
    controller.dropNextAcks(2);
    await link.setTemperature('fridge', 3);
    expect(controller.targets.fridge).toBe(3);
    expect(controller.applied).toBe(1);
    expect(link.stats).toMatchObject({ retransmits: 2, timeouts: 2, acks: 1 });
  });

  it('a corrupt frame is dropped by its CRC, counted, and the request retried', async () => {
    controller.corruptNextReplies(1);
    await link.setMode('eco');
    expect(controller.mode).toBe('eco');
    expect(controller.applied).toBe(1);
    expect(link.stats.corruptFrames).toBe(1);
    expect(link.stats.retransmits).toBe(1);
  });

  it('when the device disappears requests fail with a clear error, and work again when it is back', async () => {
    await cable.stop(); // both ends vanish, like a USB adapter pulled out
    await expect(link.setTemperature('fridge', 6)).rejects.toMatchObject({ code: 'E_CONTROLLER_TIMEOUT', hint: /cable/ });
    await cable.start();
    // Both serial links reopen the same paths by themselves.
    const deadline = Date.now() + 5000;
    while (!(appEnd.isOpen && deviceEnd.isOpen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await link.setTemperature('fridge', 6);
    expect(controller.targets.fridge).toBe(6);
  });

  it('executes actions against the state file and the controller, answering from what happened', async () => {
    const store = await FridgeStore.open(join(work, 'exec', 'state.json'));
    const ctx = { store, controller: link, now: () => Date.parse('2026-11-26T12:00:00Z') };
    await store.update((s) => {
      s.inventory = [{ name: 'yoghurt', quantity: 2, expires: '2026-11-27' }, { name: 'egg', quantity: 6, expires: '2026-12-10' }];
    });
    const add = await executeAction({ intent: 'shopping.add', items: [{ name: 'milk', quantity: 2, unit: 'l' }, { name: 'egg' }] }, ctx);
    expect(add.answer).toMatch(/On the list: milk \(2 l\), egg\./);
    await executeAction({ intent: 'shopping.add', items: [{ name: 'milk', quantity: 1, unit: 'l' }] }, ctx);
    expect(store.state.shoppingList).toEqual([{ name: 'milk', quantity: 3, unit: 'l' }, { name: 'egg' }]);
    expect((await executeAction({ intent: 'inventory.expiring', within_days: 1 }, ctx)).answer).toBe('Expiring within 1 day: yoghurt (2026-11-27).');
    expect((await executeAction({ intent: 'inventory.check', item: 'cheese' }, ctx)).answer).toBe('There is no cheese in the fridge.');
    const set = await executeAction({ intent: 'temperature.set', zone: 'freezer', celsius: -21 }, ctx);
    expect(set.done).toBe(true);
    expect(controller.targets.freezer).toBe(-21);
    const refused = await executeAction({ intent: 'temperature.set', zone: 'fridge', celsius: 25 }, ctx);
    expect(refused).toEqual({ answer: 'The fridge refused that: value out of range.', done: false });
    expect(store.state.zones.fridge.target).toBe(4);
    expect((await executeAction({ intent: 'temperature.query', zone: 'fridge' }, ctx)).answer).toBe('The fridge is at 5.0 °C (set to 4 °C).');
    await executeAction({ intent: 'timer.set', seconds: 600, label: 'rice' }, ctx);
    expect((await executeAction({ intent: 'timer.cancel', label: 'rice' }, ctx)).answer).toMatch(/Rice timer cancelled\. It had 10 minutes left\./);
    expect((await executeAction({ intent: 'mode.set', mode: 'holiday' }, ctx)).done).toBe(true);
    expect(controller.mode).toBe('holiday');

    // Everything that was done is on disk, in a file that parses.
    const onDisk = JSON.parse(await readFile(join(work, 'exec', 'state.json'), 'utf8'));
    expect(onDisk).toMatchObject({ mode: 'holiday', zones: { freezer: { target: -21 } }, shoppingList: [{ name: 'milk', quantity: 3 }, { name: 'egg' }] });
  });
});

describe('the fridge state file', () => {
  it('is written atomically and never left half-written; concurrent updates all land', async () => {
    const path = join(work, 'atomic', 'state.json');
    const store = await FridgeStore.open(path);
    expect(store.origin).toBe('new');
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update((s) => s.shoppingList.push({ name: `item ${i}` }))));
    const reopened = await FridgeStore.open(path);
    expect(reopened.origin).toBe('file');
    expect(reopened.state.shoppingList).toHaveLength(20);
    expect((await readdir(join(work, 'atomic'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a corrupt file is kept aside, not deleted, and the fridge starts fresh', async () => {
    const path = join(work, 'corrupt', 'state.json');
    await (await FridgeStore.open(path)).update(() => undefined);
    await writeFile(path, '{"version": 1, "inventory": [');
    const store = await FridgeStore.open(path);
    expect(store.origin).toBe('recovered');
    const aside = (await readdir(join(work, 'corrupt'))).filter((n) => n.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(work, 'corrupt', aside[0]!), 'utf8')).toBe('{"version": 1, "inventory": [');
  });

  it('without a controller, controller actions say so instead of failing', async () => {
    const store = await FridgeStore.open(join(work, 'nocontroller', 'state.json'));
    const outcome = await executeAction({ intent: 'mode.set', mode: 'eco' }, { store, controller: null, now: Date.now });
    expect(outcome).toEqual({ answer: 'The fridge controller is not connected, so I cannot do that right now.', done: false });
    expect(store.state.mode).toBe('normal');
  });
});
