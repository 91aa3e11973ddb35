/**
 * tinyedge: tiny language models on Raspberry Pi-class boards.
 *
 * @module tinyedge
 */

// Placeholder left by the infrastructure setup (build, docs, CI need an entry): replace freely.
export { TinyEdgeError, isTinyEdgeError } from './errors.js';
export type { TinyEdgeErrorCode } from './errors.js';

// Runtime: bundles, loading, generation.
export { loadModel } from './runtime/load-model.js';
export type { LoadModelOptions } from './runtime/load-model.js';
export { Model } from './runtime/model.js';
export { Generation } from './runtime/generation.js';
export type { GenerationPiece, GenerationResult, GenerationStats, PromptInfo, StopReason } from './runtime/generation.js';
export type { GenerateOptions } from './runtime/generate-options.js';
export type { BudgetMonitor, BudgetStopReason, GenerationBudget } from './runtime/generation-budget.js';
export type { InferenceEndEvent, InferenceStartEvent, ModelEvents, TokenEvent } from './runtime/model-events.js';
export type { Listener } from './runtime/typed-emitter.js';
export type { FakeRunnerSpec, RunnerSpec } from './runtime/runner-spec.js';
export type { BackendOption, InferenceBackend } from './runtime/portable/choose-runner-backend.js';
export type { ModelRunner, RunnerDataType, RunnerOptions, RunnerTensor } from './runtime/runner.js';
export { BUNDLE_FORMAT_VERSION, parseBundleManifest } from './runtime/bundle-manifest.js';
export type { BundleFileEntry, BundleManifest } from './runtime/bundle-manifest.js';
export { writeBundle } from './runtime/write-bundle.js';
export type { WriteBundleOptions } from './runtime/write-bundle.js';
export { readBundle } from './runtime/read-bundle.js';
export type { ModelBundle } from './runtime/read-bundle.js';
export { convertLlama2c } from './runtime/convert-llama2c.js';
export type { ConvertLlama2cOptions, ConvertLlama2cResult } from './runtime/convert-llama2c.js';
export type { EncodeOptions, TokenTextDecoder, Tokenizer, TokenizerKind } from './runtime/tokenizer.js';

// Llama models: what the runtime's public types refer to, and what the demo needs to make a model.
export type { LlamaConfig, LlamaLayerWeights, LlamaWeights } from './models/llama/config.js';
export { randomLlamaWeights } from './models/llama/random-llama-weights.js';
export { writeLlama2cCheckpoint } from './models/llama/write-llama2c-checkpoint.js';
export { writeLlama2cTokenizer } from './tokenizers/write-llama2c-tokenizer.js';

// TFLite flatbuffers: write graphs, read any model back.
export { GraphBuilder } from './tflite/graph-builder.js';
export type { ConstantData, DType, Quantization, TensorRef } from './tflite/graph-builder.js';
export type { CastTypeName, FusedActivation, OperatorOptions } from './tflite/operator-options.js';
export { readTfliteModel } from './tflite/read-tflite-model.js';
export type {
  TfliteBuffer, TfliteMetadata, TfliteModelInfo, TfliteOperator, TfliteOperatorCode, TfliteQuantization,
  TfliteSignatureDef, TfliteSignatureTensor, TfliteSubgraph, TfliteTensor,
} from './tflite/tflite-model-info.js';
export { summarizeTfliteModel } from './tflite/summarize-tflite-model.js';
export type { TfliteDtypeBytes, TfliteModelSummary, TfliteOperatorCount, TfliteTensorSummary } from './tflite/tflite-model-summary.js';
export { formatTfliteSummary } from './tflite/format-tflite-summary.js';

// Llama-family models: the graph, the reference forward pass, llama2.c files.
export { buildLlamaModels, buildLlamaTflite, defaultAttentionWindow } from './models/llama/build-llama-tflite.js';
export type { BuildLlamaOptions, LlamaModels, LlamaQuantization } from './models/llama/build-llama-tflite.js';
export type { Int8Kernel } from './models/llama/llama-graph-ops.js';
export { LlamaReference } from './models/llama/llama-reference.js';
export { readLlama2cCheckpoint } from './models/llama/read-llama2c-checkpoint.js';
export { Llama2cTokenizer } from './tokenizers/llama2c-tokenizer.js';

// Our byte-level BPE tokenizer (tokenizer kind 'bpe').
export { BpeTokenizer } from './tokenizers/bpe-tokenizer.js';
export type { BpeTokenizerJson, TrainBpeOptions } from './tokenizers/bpe-tokenizer.js';

// The appliance action contract (ACTIONS.md), screen replies and the recipe table.
export {
  APPLIANCE_ACTION_SCHEMA, APPLIANCE_INTENTS, APPLIANCE_INTENT_SLOTS, APPLIANCE_MODES, APPLIANCE_NAME_MAX_LENGTH, APPLIANCE_NAME_PATTERN,
  APPLIANCE_SLOT_ORDER, APPLIANCE_UNITS, APPLIANCE_ZONES, actionsEqual, parseAction, serializeAction, validateAction,
} from './appliance/action.js';
export type {
  ActionValidation, ApplianceAction, ApplianceIntent, ApplianceMode, ApplianceSlot, ApplianceSlotSpec, ApplianceUnit, ApplianceZone,
  InventoryCheckAction, InventoryExpiringAction, ModeSetAction, RecipeIngredientsAction, RecipeSuggestAction, RemovedItem, ShoppingAddAction,
  ShoppingClearAction, ShoppingItem, ShoppingRemoveAction, ShoppingShowAction, TemperatureQueryAction, TemperatureSetAction,
  TimerCancelAction, TimerSetAction, UnknownAction,
} from './appliance/action.js';
export { composeReply, formatDuration } from './appliance/reply.js';
export type { ComposeReplyOptions } from './appliance/reply.js';
export { APPLIANCE_RECIPES, findRecipe } from './appliance/recipes.js';
export type { Recipe } from './appliance/recipes.js';

// The appliance assistant: constrained decoding of actions, the assistant, its evaluation.
export { ACTION_FRACTION_DIGITS, ACTION_INTEGER_DIGITS, APPLIANCE_ACTION_GRAMMAR, buildActionGrammar } from './appliance/action-grammar.js';
export { MAX_NAME_CANDIDATES, createAssistant, requestPrompt } from './appliance/assistant.js';
export { NAME_CANDIDATE_MAX_WORDS, nameCandidates } from './appliance/name-candidates.js';
export { fahrenheitToCelsius, numberCandidates } from './appliance/number-candidates.js';
export type { NumberCandidates } from './appliance/number-candidates.js';
export type { Assistant, AssistantOptions, AssistantResponse, AssistantStats, EnergyReportSource, HandleOptions } from './appliance/assistant.js';
export type { ActionGrammarOptions, ActionNumberChoices } from './appliance/action-grammar.js';
export { evaluateAssistant, parseLabelledRequests, scoreAnswers } from './appliance/evaluate-assistant.js';
export type { EvaluationMiss, EvaluationReport, IntentScore, LabelledRequest, TimeToActionSummary } from './appliance/evaluate-assistant.js';
export { MAX_GRAMMAR_STATES, MAX_REPEAT, checkByteGrammar } from './runtime/byte-grammar.js';
export type {
  AltNode, ByteGrammar, ByteNode, GrammarNode, MaxCharsNode, RepeatNode, RuleNode, SeqNode, TextNode,
} from './runtime/byte-grammar.js';

// HAL: boards as data (boards/*.json), detection, sensors, LEDs.
export { SHIPPED_BOARD_IDS } from './hal/board-ids.js';
export type { ShippedBoardId } from './hal/board-ids.js';
export type {
  BoardAccelerator, BoardArch, BoardCpu, BoardInference, BoardLed, BoardMatch, BoardPower, BoardPowerSensor, BoardProfile,
  BoardSerialDevice, BoardThermalZone,
} from './hal/board-profile.js';
export { getBoard, loadBoardCatalog, loadBoards, shippedBoardsDir, validateBoardProfile } from './hal/boards.js';
export type { BoardCatalogEntry, LoadBoardsOptions } from './hal/boards.js';
export { detectBoard } from './hal/detect.js';
export type { BoardMatchRule, DetectBoardOptions, DetectedBoard } from './hal/detect.js';
export { decodePiRevision } from './hal/pi-revision.js';
export type { PiRevision } from './hal/pi-revision.js';
export { createBoardSensors } from './hal/board-sensors.js';
export type { BoardSensors, BoardSensorsOptions } from './hal/board-sensors.js';
export { readThermalZones } from './hal/thermal.js';
export type { ReadThermalZonesOptions, ThermalZoneReading } from './hal/thermal.js';
export { readCpuFrequencies } from './hal/cpufreq.js';
export type { CpuFrequencyPolicy, ReadCpuFrequenciesOptions } from './hal/cpufreq.js';
export { readMemory } from './hal/memory.js';
export type { MemoryInfo, ReadMemoryOptions } from './hal/memory.js';
export { readLoadAverage } from './hal/load-average.js';
export type { LoadAverage, ReadLoadAverageOptions } from './hal/load-average.js';
export { createCpuUtilisation } from './hal/cpu-utilisation.js';
export type { CpuUtilisation, CpuUtilisationOptions } from './hal/cpu-utilisation.js';
export { decodeThrottled, readThrottling } from './hal/throttling.js';
export type { ReadThrottlingOptions, ThrottleFlags, ThrottleState } from './hal/throttling.js';
export type { CommandRunner } from './power/command-runner.js';
export { readLeds, setLed } from './hal/leds.js';
export type { LedChange, LedState, ReadLedsOptions, SetLedOptions } from './hal/leds.js';
export { blinkWhileInferring } from './hal/activity-led.js';
export type { ActivityBlinker, BlinkWhileInferringOptions, InferenceEventSource } from './hal/activity-led.js';
export { listPowerSources } from './hal/power-sources.js';
export type { ListPowerSourcesOptions, PowerSourceInfo } from './hal/power-sources.js';

// HAL: serial ports and links, preflight checks (tinyedge doctor).
export { listSerialPorts } from './hal/serial/list-serial-ports.js';
export type { ListSerialPortsOptions, SerialPortInfo, SerialPortListing } from './hal/serial/list-serial-ports.js';
export { openSerialLink, SerialLink } from './hal/serial/serial-link.js';
export type {
  SerialCloseEvent, SerialData, SerialFraming, SerialLinkEvents, SerialLinkOptions, SerialLinkState, SerialOpenEvent,
  SerialReconnectingEvent, SerialReconnectOptions,
} from './hal/serial/serial-link.js';
export type { SerialBinding, SerialBindingPort } from './hal/serial/hangup-aware-binding.js';
export { runPreflight } from './hal/preflight.js';
export type { AccessChecker, PreflightCheckId, PreflightFinding, PreflightOptions, PreflightReport, PreflightStatus } from './hal/preflight.js';
export { chooseBackendAndThreads } from './hal/preflight/choose-backend-and-threads.js';
export type { BackendChoice, BackendChoiceInput } from './hal/preflight/choose-backend-and-threads.js';
export { probeNativeBackend } from './hal/preflight/probe-native-backend.js';
export type { NativeProbeOptions, NativeProbeResult } from './hal/preflight/probe-native-backend.js';
export { readCpuArchitecture } from './hal/preflight/read-cpu-architecture.js';
export type { CpuArchitecture, ReadCpuArchitectureOptions } from './hal/preflight/read-cpu-architecture.js';
export { checkMqttBroker } from './hal/preflight/check-mqtt-broker.js';
export type { MqttBrokerCheck } from './hal/preflight/check-mqtt-broker.js';

// Power: sources, the sampler, energy per inference, budgets, badges.
export { openPowerSampler } from './power/open-power-sampler.js';
export type { PowerSamplerOptions } from './power/open-power-sampler.js';
export { PowerSampler } from './power/power-sampler.js';
export type { EnergyWindow, PowerSample, PowerSamplerEvents, PowerSummary, SamplerTiming, SensorErrorEvent, SensorRecoveredEvent } from './power/power-sample.js';
export type { PowerBoundary, PowerKind, PowerReading, PowerSource, PowerSourceDescriptor } from './power/power-source.js';
export { openPowerSource } from './power/open-power-source.js';
export type { OpenedPowerSource, OpenPowerSourceOptions, PowerSourceCandidate, PowerSourceName } from './power/open-power-source.js';
export { findHwmonPowerChips, openHwmonPowerSource } from './power/hwmon-power-source.js';
export type { HwmonPowerChip, HwmonPowerFamily, HwmonPowerSourceOptions } from './power/hwmon-power-source.js';
export { openRaplPowerSource } from './power/rapl-power-source.js';
export { openPmicPowerSource } from './power/pmic-power-source.js';
export { parsePmicAdc } from './power/parse-pmic-adc.js';
export type { PmicRail, PmicReading } from './power/parse-pmic-adc.js';
export { findBatteries, openBatteryPowerSource } from './power/battery-power-source.js';
export type { BatteryInfo } from './power/battery-power-source.js';
export { openSerialMeterSource } from './power/serial-meter-source.js';
export type { SerialMeterOptions } from './power/serial-meter-source.js';
export { parseMeterLine, parseUmFrame, UM_FRAME_BYTES, UM_REQUEST } from './power/serial-meter-protocol.js';
export type { SerialMeterProtocol, UmReading } from './power/serial-meter-protocol.js';
export { openEstimatePowerSource } from './power/estimate-power-source.js';
export type { UtilisationReader } from './power/estimate-power-source.js';
export { runCommand } from './power/command-runner.js';
export { EnergyMeter } from './power/energy-meter.js';
export type { EnergyMeterEvents, InferenceEnergyReport, MeterableModel, PhaseEnergy } from './power/energy-meter.js';
export { ENERGY_BADGE_BANDS, energyBadge } from './power/energy-badge.js';
export type { EnergyBadge, EnergyBadgeBand } from './power/energy-badge.js';

// Telemetry: the MQTT link, its durable queue, payload schemas, Home Assistant discovery, an embedded broker.
export { connectTelemetry, defaultQueueDir, TelemetryLink } from './telemetry/telemetry-link.js';
export type { TelemetryEvents, TelemetryOptions, TelemetryStats, TelemetryTlsOptions } from './telemetry/telemetry-link.js';
export type { AttachOptions, EnergyMeterLike, EventSourceLike, ModelLike, PowerSamplerLike } from './telemetry/attach-sources.js';
export { boardSummaryFrom } from './telemetry/build-payloads.js';
export type {
  BoardSummaryInput, DetectedBoardInput, InferenceEndInput, InferenceEnergyInput, InferenceReportInput, InferenceWithEnergyInput,
  PhaseEnergyInput, PowerSampleInput,
} from './telemetry/build-payloads.js';
export { BOARD_ARCHES, ENERGY_BADGES, INFERENCE_BACKENDS, POWER_KINDS, STOP_REASONS, TELEMETRY_PAYLOAD_VERSION, TELEMETRY_SCHEMAS } from './telemetry/telemetry-payloads.js';
export type {
  BoardPayload, DataEnvelope, InferenceEnergyPayload, InferencePayload, PowerPayload, StatusPayload, TelemetryDataTopic,
} from './telemetry/telemetry-payloads.js';
export { DEVICE_ID_PATTERN, TOPIC_ROOT, telemetryTopics } from './telemetry/telemetry-topics.js';
export type { TelemetryTopics } from './telemetry/telemetry-topics.js';
export { homeAssistantDiscovery } from './telemetry/home-assistant-discovery.js';
export type { DiscoveryMessage, HomeAssistantOptions } from './telemetry/home-assistant-discovery.js';
export { DurableQueue } from './telemetry/durable-queue.js';
export type { DurableQueueEvents, DurableQueueOptions, DurableQueueStats, QueuedMessage, QueueFsyncPolicy } from './telemetry/durable-queue.js';
export { reconnectDelay, resolveReconnectOptions } from './telemetry/reconnect-backoff.js';
export type { ReconnectOptions, ResolvedReconnectOptions } from './telemetry/reconnect-backoff.js';
export { startEmbeddedBroker } from './telemetry/embedded-broker.js';
export type { EmbeddedBroker, EmbeddedBrokerOptions } from './telemetry/embedded-broker.js';

// Bench report: a short measured session on this machine and its self-contained HTML page (tinyedge bench).
export { runBenchSession } from './bench-report/run-bench-session.js';
export type { BenchSessionOptions } from './bench-report/run-bench-session.js';
export { renderBenchReport } from './bench-report/render-bench-report.js';
export type { BenchInference, BenchInferenceEnergy, BenchModel, BenchModelSummary, BenchSample, BenchSession } from './bench-report/bench-session.js';
