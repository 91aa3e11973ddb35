import { Command } from 'commander';
import { startEmbeddedBroker } from '../telemetry/embedded-broker.js';
import { runAction } from './run-action.js';

interface BrokerCliOptions {
  port: string;
  host: string;
  json?: boolean;
}

/** What `tinyedge broker --json` prints once listening (one line). */
export interface BrokerJson {
  /** `mqtt://host:port`. */
  url: string;
  /** The address it listens on. */
  host: string;
  /** The port (the real one when 0 was asked for). */
  port: number;
  /** Always `3.1.1`: the embedded broker does not speak MQTT 5. */
  protocol: '3.1.1';
}

/**
 * Creates `tinyedge broker [--port N] [--host 127.0.0.1] [--json]`: runs an
 * embedded MQTT broker (aedes; MQTT 3.1.1, no authentication, nothing
 * persisted) for local development, prints its URL (or one
 * {@link BrokerJson} line with `--json`) and runs until SIGINT or SIGTERM,
 * then disconnects its clients and exits 0. Fails with `E_IO` when the port
 * is taken.
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(brokerCommand());
 * // $ tinyedge broker --port 1883
 * ```
 */
export function brokerCommand(): Command {
  return new Command('broker')
    .description('run an embedded MQTT broker (MQTT 3.1.1, no auth, in memory) for local development, until Ctrl-C')
    .option('--port <n>', 'TCP port; 0 picks a free one', '1883')
    .option('--host <address>', 'address to listen on (0.0.0.0 to accept other machines)', '127.0.0.1')
    .option('--json', 'print one JSON line with the URL once listening')
    .action(runAction(async (options: BrokerCliOptions) => {
      const port = Number(options.port);
      if (options.port.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new RangeError(`--port must be an integer from 0 to 65535, found ${JSON.stringify(options.port)}`);
      }
      const broker = await startEmbeddedBroker({ port, host: options.host });
      if (options.json === true) {
        const body: BrokerJson = { url: broker.url, host: broker.host, port: broker.port, protocol: '3.1.1' };
        process.stdout.write(`${JSON.stringify(body)}\n`);
      } else {
        process.stdout.write(`${broker.url}\n`);
        process.stderr.write('embedded MQTT broker (MQTT 3.1.1, no authentication, in memory); Ctrl-C stops it\n');
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await broker.close();
      if (options.json !== true) process.stderr.write('broker stopped\n');
    }));
}
