/**
 * Fakes with the shapes of tinyedge's real implementations, for tests.
 *
 * @module tinyedge/testing
 */

export { FakeLlamaRunner } from './fake-llama-runner.js';
export { createTinyLlamaBundle, TINY_LLAMA_CONFIG } from './create-tiny-llama-bundle.js';
export type { TinyLlamaBundle, TinyLlamaBundleOptions } from './create-tiny-llama-bundle.js';
export { createSimulatedBoard, DEFAULT_SIMULATED_SCRIPT } from './simulated-board.js';
export type { SimulatedBoard, SimulatedBoardOptions, SimulatedLedWrite, SimulatedPhase } from './simulated-board.js';
export { createScriptedPowerSource } from './scripted-power-source.js';
export type { ScriptedPowerSource, ScriptedPowerSourceOptions } from './scripted-power-source.js';
export { createPtyPair, socatAvailable } from './pty-pair.js';
export type { PtyPair, PtyPairOptions } from './pty-pair.js';
