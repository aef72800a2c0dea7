import Foundation
import Shared

/// A training run's recipe: the YAML file the coordinator is started with, under the reference
/// repository's names plus the distributed run's own. docs/recipes.md is the users' reference.
///
/// Keys, types and defaults (defaults are HF `TrainingArguments`/TRL/the reference's unless noted):
///
/// | key | type | default | meaning |
/// | --- | --- | --- | --- |
/// | `model` (alias `model_name_or_path`) | path | required | model directory to start from (the policy) |
/// | `reference_model` | path | `model` | model directory of π_ref |
/// | `tokenizer` | path | none: the model directory's | `tokenizer.json`, or a directory holding one |
/// | `dataset_mixer` | map path → fraction | required | files to train on and the share of each, in (0, 1]; order kept |
/// | `dataset_format` | string | none: detected per file | `tokenized`, `pku-saferlhf`, `ultrafeedback`, `redteaming`, `text` |
/// | `use_buffer` | bool | false | add a helpfulness buffer batch to every batch (the reference's) |
/// | `buffer_dataset_mixer` | map path → fraction | none | the buffer's files; required when `use_buffer` |
/// | `buffer_dataset_splits` | list of strings | none | as `dataset_splits`, for the buffer's directories (only the train split is drawn from) |
/// | `objective` | string | inferred (`Recipe+Objective.swift`), else an error | `bfpo`, `dpo`, `ipo`, `sft` |
/// | `beta`, `b1`, `alpha` | number | 0.01, 3, 0.5 | the objectives' scalars (the paper's) |
/// | `learning_rate` | number | 5e-5 | peak learning rate (HF's default; the reference's 5e-7 is for 7B models) |
/// | `lr_scheduler_type` | string | `cosine` | `constant`, `constant_with_warmup`, `linear`, `cosine` |
/// | `warmup_ratio` | number | 0.1 | warmup steps = ceil(ratio × total optimizer steps) |
/// | `num_train_epochs` | integer | 1 | passes over the mixed data |
/// | `per_device_train_batch_size` | integer | 4 | pairs per batch (one worker lease) |
/// | `gradient_accumulation_steps` | integer | 1 | batches per optimizer step |
/// | `max_length` (alias `max_seq_length`), `max_prompt_length` | integer | 256, 128 | truncation in tokens, as the reference trainer |
/// | `dataset_splits` | list of strings | none | the reference's split names, e.g. `[train, test]`: a `dataset_mixer` entry that is a directory trains on its `<train split>.jsonl` (`train` by default) and, with a test split, the run evaluates on each such directory's whole `<test split>.jsonl` |
/// | `eval_dataset_mixer` | map path → fraction | none | files to evaluate on during training (not with a test split in `dataset_splits`) |
/// | `eval_strategy` (alias `evaluation_strategy`) | string | `epoch` with an eval set, else `no` | `no`, `steps` (every `eval_steps`), `epoch`; with an eval set the last step is always evaluated too |
/// | `eval_steps` | integer | none | optimizer steps between evaluations; required with `eval_strategy: steps`, and only then |
/// | `per_device_eval_batch_size` | integer | 8 | pairs per eval batch (one worker lease) |
/// | `do_eval` | bool | none | false turns evaluation off unless `eval_strategy` asks for it; true requires an eval set |
/// | `max_grad_norm` | number | 1.0 | global-norm clipping; 0 turns it off |
/// | `weight_decay` | number | 0.0 | AdamW decoupled weight decay (not on biases or LayerNorm) |
/// | `adam_beta1`, `adam_beta2`, `adam_epsilon` | number | 0.9, 0.999, 1e-8 | AdamW's constants |
/// | `optim` | string | `adamw_torch` | HF's optimizer name; only the AdamW variants, which are all this AdamW |
/// | `use_selective` | bool | false | train only the tensors `selected_layers` names; the rest stay as loaded (the reference's) |
/// | `selected_layers` | list of strings | none | parts of parameter names, GPT-2's (`mlp`, `h.3.`) or a Llama/Mistral module's standing for its GPT-2 counterpart (`down_proj`); required when `use_selective`, kept but unused without it (docs/selective.md) |
/// | `save_steps` | integer | 100 | checkpoint every this many optimizer steps, and at the end |
/// | `save_total_limit` | integer or null | 2 | checkpoints kept; null keeps all (ours: HF keeps all by default) |
/// | `save_strategy` | string | `steps` | `steps` (every `save_steps`), `epoch`, `no` (only after the last step) |
/// | `output_dir` | path | none | the run directory when the command line gives no `--run-dir` |
/// | `logging_steps` | integer | none: every 5 s | optimizer steps between progress lines |
/// | `log_level` | string | none: `info` | HF's names; `--log-level` wins |
/// | `report_to` | string or list | none | HF's integrations; `tensorboard` and `none` apply, the others are acknowledged with a warning |
/// | `seed` | integer | 42 | data order and every other random choice |
/// | `shards` | integer | 4 | contiguous parameter shards, each with its own AdamW state and version (ours) |
/// | `max_staleness` | integer | 0 | versions a gradient may lag; 0 is synchronous training (ours) |
/// | `workers_expected` | integer | 1 | workers to wait for before training starts (ours) |
/// | `servers_expected` | integer | 0 | shard servers (`bfpo-coordinator serve`) to wait for before handing out shards; 0 serves every shard in the coordinator (ours) |
/// | `servers_wait_seconds` | number | 30 | how long to wait for `servers_expected` servers (at the start, and after a server failed) before handing shards to those that came (ours) |
/// | `compression` | string | none | what crosses the wire: `none` (fp32), `bf16`, or `topk` / `topk:F` (sparse parameter updates with error feedback, bf16 gradients), optionally `+int8` / `+int4` (gradients by unbiased stochastic rounding); docs/compression.md (ours) |
/// | `heartbeat_seconds` | number | 2 | how often a worker reports that it is alive (ours) |
/// | `lease_seconds` | number | 60 | time a worker has to return a batch before it is leased again (ours) |
///
/// Keys of the reference's and alignment-handbook's recipes that cannot apply here are accepted with one
/// warning each (`Recipe+InapplicableKeys.swift`). Unknown keys are errors naming every one of them, so a
/// typo never trains silently with a default. Relative
/// paths are resolved against the recipe file's directory (command-line overrides: against the working
/// directory), so a resolved recipe holds absolute paths and means the same from anywhere.
struct Recipe: Equatable {
    /// One entry of a dataset mixer: a file and the share of its rows to use.
    struct DatasetSource: Equatable {
        var path: String
        var fraction: Double
    }

    // Model and data.
    var model: String
    var referenceModel: String
    var tokenizer: String?
    /// In recipe order, which fixes the concatenation and so the seeded order (`DatasetMixer`).
    var datasetMixer: [DatasetSource]
    var datasetFormat: DatasetFormat?
    // The reference's helpfulness buffer (`BufferStream` in Shared/Data owns its semantics).
    var useBuffer: Bool = false
    var bufferDatasetMixer: [DatasetSource]?
    /// As `datasetSplits`, for `bufferDatasetMixer`'s directories; nil when the recipe names none.
    var bufferDatasetSplits: [String]?
    var maxLength: Int = 256
    var maxPromptLength: Int = 128

    // Evaluation during training (`Recipe+Evaluation.swift` resolves the eval set and the strategy).
    /// In recipe order, as the reference writes them; nil when the recipe names no splits.
    var datasetSplits: [String]?
    var evalDatasetMixer: [DatasetSource]?
    /// Nil when the recipe sets none (`effectiveEvalStrategy` gives the default).
    var evalStrategy: EvalStrategy?
    var evalSteps: Int?
    var perDeviceEvalBatchSize: Int = 8
    /// HF's switch; nil when the recipe sets none (`effectiveEvalStrategy` reads it).
    var doEval: Bool?

    // Objective.
    var objective: ObjectiveKind = .bfpo
    var beta: Double = 0.01
    var b1: Double = 3
    var alpha: Double = 0.5

    // Optimization.
    var learningRate: Double = 5e-5
    var lrSchedulerType: LearningRateSchedule.Kind = .cosine
    var warmupRatio: Double = 0.1
    var numTrainEpochs: Int = 1
    var perDeviceTrainBatchSize: Int = 4
    var gradientAccumulationSteps: Int = 1
    var maxGradNorm: Double = 1.0
    var weightDecay: Double = 0.0
    var adamBeta1: Double = 0.9
    var adamBeta2: Double = 0.999
    var adamEpsilon: Double = 1e-8
    var optim: OptimizerName = .adamwTorch
    var seed: Int = 42

    // Selective fine-tuning (the reference's; `ParameterSelection` in Shared/Model decides what an entry selects).
    var useSelective: Bool = false
    /// In recipe order; kept when `useSelective` is false, as the reference's recipes do.
    var selectedLayers: [String]?

    // Checkpoints.
    var saveSteps: Int = 100
    var saveTotalLimit: Int? = 2
    var saveStrategy: SaveStrategy = .steps

    // Output and reporting (`Recipe+Reporting.swift`).
    /// The run directory when the command line names none.
    var outputDir: String?
    /// Nil: a progress line every few seconds.
    var loggingSteps: Int?
    /// HF's level name as written (`debug`, `info`, `warning`, `error`, `critical`, `passive`); nil when unset.
    var logLevel: String?
    /// HF's `report_to`, as a list in the order written (a single string becomes a one-element list); nil
    /// when the recipe sets none.
    var reportTo: [String]?

    // Distribution (ours).
    var shards: Int = 4
    var maxStaleness: Int = 0
    var workersExpected: Int = 1
    var serversExpected: Int = 0
    var serversWaitSeconds: Double = 30
    var compression: WireCompression = .none
    var heartbeatSeconds: Double = 2
    var leaseSeconds: Double = 60

    /// A recipe with every default and the two required values.
    init(model: String, datasetMixer: [DatasetSource]) {
        self.model = model
        referenceModel = model
        self.datasetMixer = datasetMixer
    }

    // MARK: Derived values

    var objectiveParameters: ObjectiveParameters { ObjectiveParameters(beta: beta, b1: b1, alpha: alpha) }

    var adamW: AdamW.Hyperparameters {
        AdamW.Hyperparameters(beta1: adamBeta1, beta2: adamBeta2, epsilon: adamEpsilon, weightDecay: weightDecay)
    }

    /// The learning-rate schedule over a run of `totalSteps` optimizer steps.
    func schedule(totalSteps: Int) -> LearningRateSchedule {
        LearningRateSchedule(kind: lrSchedulerType, learningRate: learningRate, totalSteps: totalSteps, warmupRatio: warmupRatio)
    }

    /// The parameters this run trains in `layout`: all of them, or with `use_selective` those `selected_layers` names.
    ///
    /// - Throws: `ParameterSelectionError` when an entry names nothing in this model.
    func parameterSelection(layout: ParameterLayout) throws -> ParameterSelection {
        guard useSelective, let selectedLayers else { return .all(in: layout) }
        return try ParameterSelection(layout: layout, selectedLayers: selectedLayers)
    }

    /// The main data set as `Shared`'s mixer, shuffled with the recipe's seed.
    var mixer: DatasetMixer {
        DatasetMixer(sources: trainSources.map { .init(path: $0.path, fraction: $0.fraction, format: datasetFormat) },
                     seed: UInt64(seed))
    }

    /// The buffer's mixer when `use_buffer` is on: each `buffer_dataset_mixer` entry, or its train split's
    /// file when it is a directory (the reference draws the buffer from its train split only).
    var bufferMixer: DatasetMixer? {
        guard useBuffer, let bufferDatasetMixer else { return nil }
        let sources = bufferDatasetMixer.map { Recipe.splitFile(bufferTrainSplit, in: $0.path) ?? $0.path }
        return DatasetMixer(sources: zip(sources, bufferDatasetMixer).map { .init(path: $0, fraction: $1.fraction, format: datasetFormat) },
                            seed: UInt64(seed))
    }

    /// The split of `buffer_dataset_splits` that names training data (containing "train"), `train` by default.
    var bufferTrainSplit: String { bufferDatasetSplits?.first { $0.contains("train") } ?? "train" }

    /// The checkpoint store of a run directory.
    func checkpointStore(runDirectory: String) -> CheckpointStore {
        CheckpointStore(directory: (runDirectory as NSString).appendingPathComponent("checkpoints"), keep: saveTotalLimit)
    }
}
