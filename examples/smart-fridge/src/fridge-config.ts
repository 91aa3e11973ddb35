import { readFile } from 'node:fs/promises';

/**
 * The app's configuration on one board: `examples/boards/<board-id>/config.json`
 * (`board/config.json` inside a release made by `tinyedge flash`).
 */
export interface FridgeConfig {
  /** The board profile id. */
  board: string;
  /** Power sampling: a tinyedge power source name (`auto`, `hwmon`, `pmic`, `serial:/dev/ttyUSB0`, `estimate`...) and the rate. */
  power: { source: string; hz?: number };
  /** The fridge's microcontroller on a serial line; null runs without one. */
  controller: { path: string; baudRate: number } | null;
  /** Interpreter threads. Default 1. */
  threads?: number;
  /** Telemetry to an MQTT broker; null keeps everything on the device. */
  telemetry: { url: string; deviceId: string; queueDir?: string; haDiscovery?: boolean } | null;
  /** Where the fridge keeps its state. */
  stateFile: string;
}

/** A config file that is missing or wrong. */
export class FridgeConfigError extends Error {
  override name = 'FridgeConfigError';
}

/** Reads and checks a config file. */
export async function readFridgeConfig(path: string): Promise<FridgeConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new FridgeConfigError(`cannot read the fridge config ${path}: ${(err as Error).message}`);
  }
  const c = raw as Partial<FridgeConfig>;
  const fail = (what: string): never => {
    throw new FridgeConfigError(`${path}: ${what}`);
  };
  if (typeof c.board !== 'string') fail('"board" must be a board id');
  if (typeof c.power?.source !== 'string') fail('"power.source" must be a power source name');
  if (c.controller !== null && (typeof c.controller?.path !== 'string' || !Number.isInteger(c.controller.baudRate))) fail('"controller" must be {path, baudRate} or null');
  if (c.telemetry !== null && (typeof c.telemetry?.url !== 'string' || typeof c.telemetry.deviceId !== 'string')) fail('"telemetry" must be {url, deviceId, ...} or null');
  if (typeof c.stateFile !== 'string') fail('"stateFile" must be a path');
  return c as FridgeConfig;
}
