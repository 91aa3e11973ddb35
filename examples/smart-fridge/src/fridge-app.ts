import {
  boardSummaryFrom,
  connectTelemetry,
  createAssistant,
  createCpuUtilisation,
  getBoard,
  loadModel,
  openPowerSampler,
  openSerialLink,
} from 'tinyedge';
import type {
  ApplianceAction,
  Assistant,
  BoardProfile,
  BoardSensors,
  DetectedBoard,
  InferenceEnergyReport,
  Model,
  PowerSampler,
  SerialLink,
  TelemetryLink,
} from 'tinyedge';
import type { ByteChannel } from './byte-channel.js';
import { channelFromSerialLink } from './byte-channel.js';
import { ControllerLink } from './controller-link.js';
import { executeAction } from './execute-action.js';
import type { FridgeConfig } from './fridge-config.js';
import { FridgeStore } from './fridge-store.js';

/** How to start the app beyond its config. */
export interface FridgeAppOptions {
  config: FridgeConfig;
  /** The board as detected (for the telemetry board summary); default: the config's board id, unmatched. */
  detected?: DetectedBoard;
  /** Board sensors for temperatures (a simulated board in the demo). Default: the real readers. */
  sensors?: BoardSensors;
  /** The line to the controller; default: the config's serial device, opened with reconnect. */
  controllerChannel?: ByteChannel;
  /** The model bundle: a name or a path. Default `appliance`. */
  model?: string;
  /** Telemetry off even if configured (the health check). */
  noTelemetry?: boolean;
  /** Wall clock. Default `Date.now`. */
  now?: () => number;
}

/** One request and everything that came of it. */
export interface Turn {
  request: string;
  action: ApplianceAction;
  /** What the screen shows: composed from what actually happened. */
  answer: string;
  /** False when the appliance could not do it. */
  done: boolean;
  /** This request's energy, or null when the report came late. */
  energy: InferenceEnergyReport | null;
  timeToActionMs: number;
  tokensPerSecond: number;
}

/**
 * The smart fridge: the assistant turns a request into an action, the app
 * carries it out against its state file and its controller, and power and
 * inference numbers (never text) go to the broker.
 */
export class FridgeApp {
  private constructor(
    readonly config: FridgeConfig,
    readonly board: BoardProfile,
    readonly store: FridgeStore,
    readonly model: Model,
    readonly sampler: PowerSampler,
    readonly assistant: Assistant,
    readonly controller: ControllerLink | null,
    readonly telemetry: TelemetryLink | null,
    private readonly closers: Array<() => Promise<void> | void>,
    private readonly now: () => number,
  ) {}

  /** Starts every part; on failure closes what was started and rethrows. */
  static async start(options: FridgeAppOptions): Promise<FridgeApp> {
    const { config } = options;
    const closers: Array<() => Promise<void> | void> = [];
    const closeAll = async (): Promise<void> => {
      for (const close of closers.reverse()) await close();
    };
    try {
      const board = await getBoard(config.board);
      const store = await FridgeStore.open(config.stateFile);
      const sampler = await openPowerSampler({
        board,
        source: config.power.source as 'auto',
        hz: config.power.hz ?? 10,
        // The estimate follows this machine's real CPU use; temperatures come from the board's sensors.
        utilisation: createCpuUtilisation(),
        ...(options.sensors === undefined ? {} : { sensors: options.sensors }),
      });
      closers.push(() => sampler.close());
      const model = await loadModel(options.model ?? 'appliance', { threads: config.threads ?? 1 });
      closers.push(() => model.close());
      const meter = sampler.meter(model);
      const assistant = createAssistant({ model, meter });

      let controller: ControllerLink | null = null;
      if (options.controllerChannel !== undefined) {
        controller = new ControllerLink(options.controllerChannel);
      } else if (config.controller !== null) {
        const link: SerialLink<'raw'> = await openSerialLink({ path: config.controller.path, baudRate: config.controller.baudRate });
        closers.push(() => link.close());
        controller = new ControllerLink(channelFromSerialLink(link));
      }
      if (controller !== null) {
        const c = controller;
        closers.push(() => c.close());
        c.on('temperature', (zone, celsius) => {
          store.state.zones[zone].current = celsius; // persisted with the next write; readings are not worth a disk write each
        });
      }

      let telemetry: TelemetryLink | null = null;
      if (config.telemetry !== null && options.noTelemetry !== true) {
        telemetry = await connectTelemetry({
          url: config.telemetry.url,
          deviceId: config.telemetry.deviceId,
          ...(config.telemetry.queueDir === undefined ? {} : { queueDir: config.telemetry.queueDir }),
          homeAssistant: config.telemetry.haDiscovery === true,
        });
        const t = telemetry;
        closers.push(() => t.close({ drainMs: 2000 }));
        t.attach({ sampler, model });
        if (options.detected !== undefined) void t.publishBoard(boardSummaryFrom(options.detected));
      }
      return new FridgeApp(config, board, store, model, sampler, assistant, controller, telemetry, closers, options.now ?? Date.now);
    } catch (err) {
      await closeAll();
      throw err;
    }
  }

  /** Handles one request from the user. */
  async handle(request: string, signal?: AbortSignal): Promise<Turn> {
    const response = await this.assistant.handle(request, signal === undefined ? {} : { signal });
    const outcome = await executeAction(response.action, { store: this.store, controller: this.controller, now: this.now });
    return {
      request,
      action: response.action,
      answer: outcome.answer,
      done: outcome.done,
      energy: response.energy ?? null,
      timeToActionMs: response.stats.timeToActionMs,
      tokensPerSecond: response.stats.tokensPerSecond,
    };
  }

  /** Closes the telemetry link (draining briefly), the controller, the model and the sampler. */
  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close();
    this.closers.length = 0;
  }
}
