import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { TinyEdgeError } from '../errors.js';
import { readInputFile } from '../read-input-file.js';
import { convertLlama2c } from '../runtime/convert-llama2c.js';
import type { ConvertLlama2cResult } from '../runtime/convert-llama2c.js';
import { runAction } from './run-action.js';

interface Llama2cOptions {
  tokenizer: string;
  out: string;
  quantize: 'none' | 'int8';
  name?: string;
  licence?: string;
  json?: boolean;
}

/**
 * Creates `tinyedge convert llama2c <checkpoint.bin> --tokenizer <tokenizer.bin>
 * --out <bundle-dir> [--quantize none|int8] [--name N] [--licence L] [--json]`:
 * turns a llama2.c checkpoint and its tokenizer into a model bundle. Progress
 * goes to stderr; a summary (or, with `--json`, one object: `dir`,
 * `manifest`, `parameters`, `modelBytes`, `ms`) to stdout.
 *
 * @returns the `convert` command with its `llama2c` subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(convertCommand());
 * // $ tinyedge convert llama2c stories260K.bin --tokenizer tok512.bin --out bundles/stories260k
 * ```
 */
export function convertCommand(): Command {
  const llama2c = new Command('llama2c')
    .description("convert a llama2.c checkpoint (.bin) and its tokenizer.bin into a model bundle")
    .argument('<checkpoint>', 'the llama2.c checkpoint file')
    .requiredOption('--tokenizer <file>', "the checkpoint's tokenizer.bin")
    .requiredOption('--out <dir>', 'bundle directory to write (created; an existing bundle is replaced)')
    .addOption(new Option('--quantize <mode>', 'weight storage').choices(['none', 'int8']).default('int8'))
    .option('--name <name>', 'bundle name (default: the --out directory name)')
    .option('--licence <licence>', 'licence of the weights, e.g. MIT (default: unspecified)')
    .option('--json', 'print one JSON object instead of the summary')
    .action(runAction(async (checkpointPath: string, options: Llama2cOptions) => {
      const progress = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      const [checkpoint, tokenizer] = await Promise.all([readInput(checkpointPath, 'checkpoint'), readInput(options.tokenizer, 'tokenizer')]);
      const result = await convertLlama2c({
        checkpoint,
        tokenizer,
        out: options.out,
        quantize: options.quantize,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.licence === undefined ? {} : { licence: options.licence }),
        onProgress: (stage) => {
          if (stage === 'read') progress(`reading ${checkpointPath} and ${options.tokenizer}`);
          else if (stage === 'build') progress(`building the ${options.quantize} TFLite graph`);
          else progress(`writing the bundle to ${resolve(options.out)}`);
        },
      });
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(summary(result));
      }
    }));
  return new Command('convert').description('convert a model from another format into a tinyedge bundle').addCommand(llama2c);
}

function summary(r: ConvertLlama2cResult): string {
  const h = r.manifest.hyperparameters;
  const lines = [
    `bundle: ${r.dir}`,
    `  name: ${r.manifest.name} ${r.manifest.version} (${r.manifest.family}, ${r.manifest.quantization})`,
    `  shape: dim ${h.dim}, hidden ${h.hiddenDim}, ${h.nLayers} layers, ${h.nHeads} heads, ${h.nKvHeads} kv heads, vocab ${h.vocabSize}, seq ${h.seqLen}` +
      `${h.sharedClassifier ? '' : ', separate classifier'}`,
    `  parameters: ${r.parameters.toLocaleString('en-US')}`,
    `  model.tflite: ${(r.modelBytes / 1024).toFixed(1)} KiB`,
    ...(r.manifest.windowModel
      ? [`  ${r.manifest.windowModel.file}: ${((r.manifest.files[r.manifest.windowModel.file]?.bytes ?? 0) / 1024).toFixed(1)} KiB, ` +
          `the same weights with a ${r.manifest.windowModel.rows}-position context, run while a sequence is that short`]
      : []),
    `  context: ${r.manifest.contextLength} tokens`,
    `  took: ${r.ms.toFixed(0)} ms`,
  ];
  return `${lines.join('\n')}\n`;
}

async function readInput(path: string, what: string): Promise<Uint8Array> {
  if (/^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(path)) {
    throw new TinyEdgeError('E_NETWORK_REFUSED', `refusing to read the ${what} from ${path}: tinyedge never touches the network`, 'Download the file yourself and pass its local path.');
  }
  return readInputFile(path, what);
}
