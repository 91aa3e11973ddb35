// docs/embedding.md, "The first page": the SDK inside an appliance app.
// Type-checked by `npm run typecheck`; keep it in step with the guide.
import { connectTelemetry, createAssistant, detectBoard, loadModel, openPowerSampler } from 'tinyedge';

const board = await detectBoard();                                  // e.g. Raspberry Pi 5, matched by its revision code
const power = await openPowerSampler({ board: board.profile, hz: 10 }); // the widest measured source, else an estimate
console.log(`power from ${power.source.id} (${power.source.kind})`);

const model = await loadModel('appliance');                         // the bundled model; a bundle path works too
const meter = power.meter(model);                                   // energy per inference, from the model's events

const link = await connectTelemetry({ url: 'mqtt://broker.local', deviceId: 'fridge-01' });
link.attach({ sampler: power, model });                             // power batches and inference reports: numbers, never text

const assistant = createAssistant({ model, meter });
try {
  const { action, reply, energy, stats } = await assistant.handle('add two litres of milk');
  console.log(reply);                                               // 'Added milk (2 l) to your shopping list.'
  console.log(action);                                              // { intent: 'shopping.add', items: [{ name: 'milk', quantity: 2, unit: 'l' }] }
  console.log(`${stats.timeToActionMs.toFixed(1)} ms, ${energy?.joules.toFixed(3) ?? '?'} J (${energy?.kind ?? 'no report'})`);

} finally {
  await link.close();   // drains the queue for up to 2 s, publishes status offline
  meter.close();
  await model.close();  // frees the worker thread
  await power.close();
}
