// docs/embedding.md, "Testing an app without hardware": a tiny model, a
// scripted power source and an embedded broker stand in for the board, the
// appliance model and Home Assistant. Type-checked by `npm run typecheck` and
// run by test/doc-snippets.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTelemetry, loadModel, openPowerSampler, startEmbeddedBroker } from 'tinyedge';
import { createScriptedPowerSource, createTinyLlamaBundle } from 'tinyedge/testing';

const broker = await startEmbeddedBroker({ port: 0 });              // a free port on 127.0.0.1
const queueDir = await mkdtemp(join(tmpdir(), 'fridge-queue-'));
const tiny = await createTinyLlamaBundle();                         // random weights, builds in milliseconds
const model = await loadModel(tiny.dir);                            // real TFLite inference in the worker
const power = await openPowerSampler({ source: createScriptedPowerSource({ watts: (ms) => 3 + Math.sin(ms / 100) }), hz: 50 });
const link = await connectTelemetry({ url: broker.url, deviceId: 'test-fridge', queueDir });
try {
  await link.waitForConnection(5000);
  link.attach({ sampler: power, model });
  const { stats } = await model.generate('Once upon a time', { maxTokens: 8, temperature: 0 }).result;
  console.log(`generated ${stats.generatedTokens} tokens at ${stats.tokensPerSecond.toFixed(0)} tokens/s`);
  await new Promise((resolve) => setTimeout(resolve, 1500));       // one power batch (every 1 s) and the inference report
} finally {
  await link.close();                                               // drains what is queued
  const { acked } = link.stats();
  console.log(`telemetry: ${acked} messages acknowledged by the broker`);
  await power.close();
  await model.close();
  await broker.close();
  await rm(queueDir, { recursive: true, force: true });
}
