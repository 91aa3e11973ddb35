/**
 * `npm start`: the smart fridge on the simulated board, end to end.
 *
 * An embedded MQTT broker and a local subscriber stand in for the home
 * server; a controller simulator sits at the far end of a real serial line
 * (a socat pseudo-terminal pair, or an in-memory line where socat is
 * missing). A scripted conversation goes through the bundled appliance
 * model; each request prints its action, the fridge's answer and its energy.
 * Then the telemetry the subscriber received is summarised, and checked for
 * request text (there is none: payloads are numbers and enums).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { openSerialLink, serializeAction, startEmbeddedBroker } from 'tinyedge';
import { createPtyPair, createSimulatedBoard, socatAvailable } from 'tinyedge/testing';
import { channelFromSerialLink, createMemoryLine } from './byte-channel.js';
import type { ByteChannel } from './byte-channel.js';
import { ControllerSimulator } from './controller-simulator.js';
import { FridgeApp } from './fridge-app.js';
import type { FridgeConfig } from './fridge-config.js';

/** The conversation: our own sentences (not the evaluation set's), a spread of intents. */
export const DEMO_SCRIPT = [
  'we are out of milk, add two litres to the list',
  'also put six eggs and some spinach on it',
  'what is on my shopping list',
  'set the freezer to minus twenty',
  'how cold is the fridge right now',
  'set the fridge to 3 degrees',
  'start a timer for twelve minutes for the rice',
  'what can i make with eggs and spinach',
  'what do i need for a lasagne',
  'switch to party mode',
  'who is the president of peru',
];

/** Runs the demo, writing to `out`; resolves when everything is closed. */
export async function runDemo(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<{ turns: number; messages: number; leaked: string[] }> {
  const work = await mkdtemp(join(tmpdir(), 'tinyedge-fridge-demo-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rm(work, { recursive: true, force: true })];
  try {
    const broker = await startEmbeddedBroker({ port: 0 });
    cleanups.push(() => broker.close());
    const received: Array<{ topic: string; payload: Buffer }> = [];
    const subscriber = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'fridge-demo-subscriber' });
    cleanups.push(() => subscriber.endAsync());
    subscriber.on('message', (topic, payload) => received.push({ topic, payload }));
    await subscriber.subscribeAsync(['tinyedge/#', 'homeassistant/#'], { qos: 1 });

    const board = await createSimulatedBoard();
    let appLine: ByteChannel;
    let controllerLine: ByteChannel;
    let lineName: string;
    if (socatAvailable()) {
      const cable = await createPtyPair();
      const appEnd = await openSerialLink({ path: cable.a, baudRate: 115200 });
      const controllerEnd = await openSerialLink({ path: cable.b, baudRate: 115200 });
      cleanups.push(() => cable.close(), () => controllerEnd.close(), () => appEnd.close());
      appLine = channelFromSerialLink(appEnd);
      controllerLine = channelFromSerialLink(controllerEnd);
      lineName = `serial pseudo-terminals ${cable.a} <-> ${cable.b} (socat)`;
    } else {
      [appLine, controllerLine] = createMemoryLine();
      lineName = 'an in-memory line (install socat for a real pseudo-terminal pair)';
    }
    const controller = new ControllerSimulator(controllerLine, { reportMs: 500 });
    cleanups.push(() => controller.close());

    const config: FridgeConfig = {
      board: 'simulated',
      power: { source: 'estimate', hz: 20 },
      controller: null, // the line is given directly below
      telemetry: { url: broker.url, deviceId: 'fridge-demo', queueDir: join(work, 'queue'), haDiscovery: true },
      stateFile: join(work, 'fridge.json'),
    };
    out(`tinyedge smart fridge demo`);
    out(`  board: ${board.profile.name} (simulated); controller over ${lineName}`);
    out(`  broker: ${broker.url} (embedded); state: ${config.stateFile}`);
    const started = performance.now();
    const app = await FridgeApp.start({ config, detected: board.detected, sensors: board, controllerChannel: appLine });
    cleanups.push(() => app.close());
    out(`  model: ${app.model.name}, loaded in ${(performance.now() - started).toFixed(0)} ms; power: ${app.sampler.source.id} (${app.sampler.source.kind}) — ${app.sampler.source.label}`);
    await app.store.update((s) => {
      const inDays = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
      s.inventory = [
        { name: 'yoghurt', quantity: 2, expires: inDays(1) },
        { name: 'egg', quantity: 4, expires: inDays(9) },
        { name: 'spinach', quantity: 1, unit: 'bag', expires: inDays(2) },
      ];
    });
    out('');

    for (const request of DEMO_SCRIPT) {
      const turn = await app.handle(request);
      const e = turn.energy;
      const energy = e ? `${e.joules.toFixed(3)} J (${e.kind}), ${e.joulesPerToken === null ? '-' : `${(e.joulesPerToken * 1000).toFixed(2)} mJ/token`}, badge ${e.badge ?? '-'}` : 'energy report late';
      out(`> ${request}`);
      out(`  action: ${serializeAction(turn.action)}`);
      out(`  fridge: ${turn.answer}`);
      out(`  ${turn.timeToActionMs.toFixed(1)} ms to action, ${turn.tokensPerSecond.toFixed(0)} tokens/s, ${energy}`);
    }

    const flushed = await app.telemetry!.flush(5000);
    await app.close();
    cleanups.pop();
    await new Promise((r) => setTimeout(r, 200)); // the last acks reach the subscriber
    out('');
    out(`telemetry a local subscriber received (${received.length} messages${flushed ? '' : ', queue not fully drained'}):`);
    const byTopic = new Map<string, number>();
    for (const m of received) byTopic.set(m.topic, (byTopic.get(m.topic) ?? 0) + 1);
    for (const [topic, count] of [...byTopic].sort()) out(`  ${String(count).padStart(4)}  ${topic}`);
    const lastInference = [...received].reverse().find((m) => m.topic.endsWith('/inference'));
    if (lastInference) out(`  last inference report: ${lastInference.payload.toString('utf8')}`);
    // Every run of three consecutive request words, searched for in every byte received.
    const phrases = DEMO_SCRIPT.flatMap((r) => {
      const words = r.split(' ');
      return words.slice(2).map((_, i) => words.slice(i, i + 3).join(' '));
    });
    const all = Buffer.concat(received.flatMap((m) => [Buffer.from(m.topic), m.payload])).toString('utf8');
    const leaked = [...new Set(phrases.filter((p) => all.includes(p)))];
    out(leaked.length === 0 ? `  privacy: none of the ${phrases.length} three-word phrases of the requests appears in any topic or payload` : `  privacy: FOUND request text in telemetry: ${leaked.join(' | ')}`);
    return { turns: DEMO_SCRIPT.length, messages: received.length, leaked };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
