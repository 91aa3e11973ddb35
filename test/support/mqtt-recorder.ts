// A subscriber that records every message it receives, for telemetry tests.
import { connect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';

export interface RecordedMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export interface MqttRecorder {
  readonly client: MqttClient;
  readonly messages: RecordedMessage[];
  /** Parsed JSON payloads of one topic, in arrival order (empty payloads skipped). */
  json<T = Record<string, unknown>>(topic: string): T[];
  /** Resolves once `predicate` holds over the messages, or rejects after `timeoutMs`. */
  until(predicate: (messages: RecordedMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function recordMqtt(url: string, options: IClientOptions & { topics?: string[] } = {}): Promise<MqttRecorder> {
  const messages: RecordedMessage[] = [];
  const { topics = ['#'], ...clientOptions } = options;
  const client = connect(url, { protocolVersion: 5, reconnectPeriod: 50, connectTimeout: 5000, ...clientOptions });
  client.on('error', () => undefined);
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: Buffer.from(payload), retain: packet.retain }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`recorder could not connect to ${url}`)), 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    json<T>(topic: string): T[] {
      return messages.filter((m) => m.topic === topic && m.payload.length > 0).map((m) => JSON.parse(m.payload.toString('utf8')) as T);
    },
    async until(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms with ${messages.length} messages: ${messages.slice(-5).map((m) => m.topic).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await client.endAsync(true);
    },
  };
}
