// A telemetry publisher in its own process, for the outage test that kills
// the SDK with SIGKILL. It publishes an inference report every `intervalMs`
// and prints each sequence number once its append resolved (the message is
// on disk). SIGTERM stops it cleanly: close() drains the queue, then it
// prints `closed` and exits.
//
//   node --import tsx telemetry-publisher.ts <url> <deviceId> <queueDir> <username> <password> <intervalMs>
import { connectTelemetry } from '../../src/telemetry/telemetry-link.js';

const [url, deviceId, queueDir, username, password, interval] = process.argv.slice(2);
if (url === undefined || deviceId === undefined || queueDir === undefined || username === undefined || password === undefined) {
  process.stderr.write('usage: telemetry-publisher.ts <url> <deviceId> <queueDir> <username> <password> [intervalMs]\n');
  process.exit(2);
}
const intervalMs = Number(interval ?? '2');
const link = await connectTelemetry({ url, deviceId, queueDir, username, password, reconnect: { initialDelayMs: 50, maxDelayMs: 300 } });
link.on('error', ({ error }) => process.stderr.write(`${error.code}: ${error.message}\n`));
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
for (let requestId = 0; !stopping; requestId++) {
  const seq = await link.publishInference({ requestId, durationMs: 1, generatedTokens: requestId % 50 });
  process.stdout.write(`${seq}\n`);
  await new Promise((r) => setTimeout(r, intervalMs));
}
await link.close({ drainMs: 10_000 });
process.stdout.write(`closed ${JSON.stringify(link.stats())}\n`);
