// Home Assistant MQTT discovery: one retained config message per entity,
// `<prefix>/sensor/<unique_id>/config` (object id = unique id, no node id,
// as Home Assistant's docs recommend). The entities read tinyedge's own
// topics through value templates; availability follows the status topic.
import type { TelemetryTopics } from './telemetry-topics.js';

/** Options of Home Assistant discovery. */
export interface HomeAssistantOptions {
  /** Discovery prefix. Default `homeassistant`. */
  prefix?: string;
  /** Device name shown in Home Assistant. Default the device id. */
  deviceName?: string;
  /** Manufacturer shown (e.g. the board vendor). */
  manufacturer?: string;
  /** Model shown (e.g. the board name). */
  model?: string;
  /** Software version shown. Default tinyedge's version when known. */
  swVersion?: string;
  /** Longest random delay before re-announcing after Home Assistant's birth message, ms. Default 1000. */
  announceDelayMs?: number;
}

/** One discovery config message. */
export interface DiscoveryMessage {
  /** `<prefix>/sensor/<unique_id>/config`. */
  topic: string;
  /** The config, published as JSON, retained. */
  payload: Record<string, unknown>;
}

interface Entity {
  key: string;
  name: string;
  topic: keyof TelemetryTopics;
  template: string;
  unit?: string;
  deviceClass?: string;
  stateClass: 'measurement' | 'total_increasing';
  precision?: number;
  icon?: string;
  category?: 'diagnostic';
}

const ENTITIES: readonly Entity[] = [
  { key: 'power', name: 'Power', topic: 'power', template: '{{ value_json.avgW }}', unit: 'W', deviceClass: 'power', stateClass: 'measurement', precision: 2 },
  { key: 'energy', name: 'Energy', topic: 'power', template: '{{ value_json.energyKWh }}', unit: 'kWh', deviceClass: 'energy', stateClass: 'total_increasing', precision: 4 },
  {
    key: 'tokens_per_second', name: 'Tokens per second', topic: 'inference', unit: 'tok/s', stateClass: 'measurement', precision: 1, icon: 'mdi:speedometer',
    template: '{{ value_json.tokensPerSecond if value_json.tokensPerSecond is defined else none }}',
  },
  {
    key: 'joules_per_token', name: 'Energy per token', topic: 'inference', unit: 'J/token', stateClass: 'measurement', precision: 3, icon: 'mdi:lightning-bolt',
    template: '{{ value_json.energy.joulesPerToken if value_json.energy is defined and value_json.energy.joulesPerToken is defined else none }}',
  },
  {
    key: 'soc_temperature', name: 'SoC temperature', topic: 'board', unit: '°C', deviceClass: 'temperature', stateClass: 'measurement', precision: 1,
    template: '{{ value_json.socTempC if value_json.socTempC is defined else none }}',
  },
  {
    key: 'dropped', name: 'Telemetry messages dropped', topic: 'power', template: '{{ value_json.dropped }}', stateClass: 'total_increasing',
    icon: 'mdi:delete-alert', category: 'diagnostic',
  },
];

/**
 * The discovery config messages of a device: power (W), energy (kWh,
 * `total_increasing`), tokens per second, joules per token, SoC temperature
 * and a diagnostic dropped-messages counter, each available only while the
 * device's status says `online`.
 *
 * @param deviceId - the device id
 * @param topics - the device's topics
 * @param options - prefix and device details
 * @returns one message per entity; publish each retained
 * @example
 * ```ts
 * for (const m of homeAssistantDiscovery('fridge-01', telemetryTopics('fridge-01'))) console.log(m.topic);
 * ```
 */
export function homeAssistantDiscovery(deviceId: string, topics: TelemetryTopics, options: HomeAssistantOptions = {}): DiscoveryMessage[] {
  const prefix = options.prefix ?? 'homeassistant';
  if (typeof prefix !== 'string' || !/^[^#+\s]+$/.test(prefix)) throw new TypeError(`homeAssistant.prefix must be a topic prefix without wildcards, found ${JSON.stringify(prefix)}`);
  const device: Record<string, unknown> = {
    identifiers: [`tinyedge_${deviceId}`],
    name: options.deviceName ?? deviceId,
    ...(options.manufacturer === undefined ? {} : { manufacturer: options.manufacturer }),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.swVersion === undefined ? {} : { sw_version: options.swVersion }),
  };
  const origin = { name: 'tinyedge', ...(options.swVersion === undefined ? {} : { sw_version: options.swVersion }) };
  return ENTITIES.map((e) => {
    const uniqueId = `tinyedge_${deviceId}_${e.key}`;
    return {
      topic: `${prefix}/sensor/${uniqueId}/config`,
      payload: {
        name: e.name,
        unique_id: uniqueId,
        object_id: uniqueId,
        state_topic: topics[e.topic],
        value_template: e.template,
        ...(e.unit === undefined ? {} : { unit_of_measurement: e.unit }),
        ...(e.deviceClass === undefined ? {} : { device_class: e.deviceClass }),
        state_class: e.stateClass,
        ...(e.precision === undefined ? {} : { suggested_display_precision: e.precision }),
        ...(e.icon === undefined ? {} : { icon: e.icon }),
        ...(e.category === undefined ? {} : { entity_category: e.category }),
        availability: [{ topic: topics.status, value_template: '{{ value_json.state }}', payload_available: 'online', payload_not_available: 'offline' }],
        qos: 1,
        device,
        origin,
      },
    };
  });
}
