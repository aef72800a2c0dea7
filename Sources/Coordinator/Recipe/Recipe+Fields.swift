import Shared
import Yams

extension Recipe {
    /// One recipe key: how its value is read into a `Recipe` and written back out. The table below is
    /// the single list of keys this project reads — parsing accepts besides them only `aliases`, the
    /// directives `other_data_config` and `loss_type`, and `inapplicableKeys` — and `yaml()` writes them in
    /// this order.
    struct Field: Sendable {
        let key: String
        let read: @Sendable (inout Recipe, RecipeValue) throws -> Void
        let write: (@Sendable (Recipe) -> Node)?
    }

    /// Pairs of keys that mean the same thing (alias, canonical key); a recipe may set only one of each, and
    /// the resolved recipe holds the canonical key. `max_seq_length` is SFT's name for the same limit.
    static let aliases = [("evaluation_strategy", "eval_strategy"), ("model_name_or_path", "model"), ("max_seq_length", "max_length")]

    static let fields: [Field] = [
        // Model and data.
        Field(key: "model", read: { $0.model = try $1.path() }, write: { string($0.model) }),
        Field(key: "reference_model", read: { if !$1.isNull { $0.referenceModel = try $1.path() } }, write: { string($0.referenceModel) }),
        Field(key: "tokenizer", read: { $0.tokenizer = $1.isNull ? nil : try $1.path() }, write: { optional($0.tokenizer, string) }),
        Field(key: "dataset_mixer", read: { $0.datasetMixer = try $1.mixer() }, write: { mixer($0.datasetMixer) }),
        Field(key: "dataset_format", read: { $0.datasetFormat = $1.isNull ? nil : try $1.choice(DatasetFormat.self) },
              write: { optional($0.datasetFormat?.rawValue, string) }),
        // The reference's helpfulness buffer; `BufferStream` (Shared/Data) defines how it is drawn.
        Field(key: "use_buffer", read: { $0.useBuffer = try $1.bool() }, write: { bool($0.useBuffer) }),
        Field(key: "buffer_dataset_mixer", read: { $0.bufferDatasetMixer = $1.isNull ? nil : try $1.mixer() },
              write: { optional($0.bufferDatasetMixer, mixer) }),
        Field(key: "buffer_dataset_splits", read: { $0.bufferDatasetSplits = $1.isNull ? nil : try $1.strings() },
              write: { optional($0.bufferDatasetSplits, strings) }),
        Field(key: "max_length", read: { $0.maxLength = try $1.int() }, write: { int($0.maxLength) }),
        Field(key: "max_prompt_length", read: { $0.maxPromptLength = try $1.int() }, write: { int($0.maxPromptLength) }),
        // Evaluation during training.
        Field(key: "dataset_splits", read: { $0.datasetSplits = $1.isNull ? nil : try $1.strings() },
              write: { optional($0.datasetSplits, strings) }),
        Field(key: "eval_dataset_mixer", read: { $0.evalDatasetMixer = $1.isNull ? nil : try $1.mixer() },
              write: { optional($0.evalDatasetMixer, mixer) }),
        Field(key: "eval_strategy", read: { $0.evalStrategy = try $1.evalStrategy() }, write: { optional($0.evalStrategy?.rawValue, string) }),
        Field(key: "eval_steps", read: { $0.evalSteps = $1.isNull ? nil : try $1.int() }, write: { optional($0.evalSteps, int) }),
        Field(key: "per_device_eval_batch_size", read: { $0.perDeviceEvalBatchSize = try $1.int() }, write: { int($0.perDeviceEvalBatchSize) }),
        Field(key: "do_eval", read: { $0.doEval = $1.isNull ? nil : try $1.bool() }, write: { optional($0.doEval, bool) }),
        // Objective.
        Field(key: "objective", read: { $0.objective = try $1.choice(ObjectiveKind.self) }, write: { string($0.objective.rawValue) }),
        Field(key: "beta", read: { $0.beta = try $1.double() }, write: { double($0.beta) }),
        Field(key: "b1", read: { $0.b1 = try $1.double() }, write: { double($0.b1) }),
        Field(key: "alpha", read: { $0.alpha = try $1.double() }, write: { double($0.alpha) }),
        // Optimization.
        Field(key: "learning_rate", read: { $0.learningRate = try $1.double() }, write: { double($0.learningRate) }),
        Field(key: "lr_scheduler_type", read: { $0.lrSchedulerType = try $1.choice(LearningRateSchedule.Kind.self) },
              write: { string($0.lrSchedulerType.rawValue) }),
        Field(key: "warmup_ratio", read: { $0.warmupRatio = try $1.double() }, write: { double($0.warmupRatio) }),
        Field(key: "num_train_epochs", read: { $0.numTrainEpochs = try $1.int() }, write: { int($0.numTrainEpochs) }),
        Field(key: "per_device_train_batch_size", read: { $0.perDeviceTrainBatchSize = try $1.int() }, write: { int($0.perDeviceTrainBatchSize) }),
        Field(key: "gradient_accumulation_steps", read: { $0.gradientAccumulationSteps = try $1.int() }, write: { int($0.gradientAccumulationSteps) }),
        Field(key: "max_grad_norm", read: { $0.maxGradNorm = try $1.double() }, write: { double($0.maxGradNorm) }),
        Field(key: "weight_decay", read: { $0.weightDecay = try $1.double() }, write: { double($0.weightDecay) }),
        Field(key: "adam_beta1", read: { $0.adamBeta1 = try $1.double() }, write: { double($0.adamBeta1) }),
        Field(key: "adam_beta2", read: { $0.adamBeta2 = try $1.double() }, write: { double($0.adamBeta2) }),
        Field(key: "adam_epsilon", read: { $0.adamEpsilon = try $1.double() }, write: { double($0.adamEpsilon) }),
        Field(key: "optim", read: { $0.optim = try $1.choice(OptimizerName.self) }, write: { string($0.optim.rawValue) }),
        Field(key: "seed", read: { $0.seed = try $1.int() }, write: { int($0.seed) }),
        // Selective fine-tuning.
        Field(key: "use_selective", read: { $0.useSelective = try $1.bool() }, write: { bool($0.useSelective) }),
        Field(key: "selected_layers", read: { $0.selectedLayers = $1.isNull ? nil : try $1.strings() },
              write: { optional($0.selectedLayers, strings) }),
        // Checkpoints.
        Field(key: "save_steps", read: { $0.saveSteps = try $1.int() }, write: { int($0.saveSteps) }),
        Field(key: "save_total_limit", read: { $0.saveTotalLimit = $1.isNull ? nil : try $1.int() }, write: { optional($0.saveTotalLimit, int) }),
        Field(key: "save_strategy", read: { $0.saveStrategy = try $1.choice(SaveStrategy.self) }, write: { string($0.saveStrategy.rawValue) }),
        // Output and reporting.
        Field(key: "output_dir", read: { $0.outputDir = $1.isNull ? nil : try $1.path() }, write: { optional($0.outputDir, string) }),
        Field(key: "logging_steps", read: { $0.loggingSteps = $1.isNull ? nil : try $1.int() }, write: { optional($0.loggingSteps, int) }),
        Field(key: "log_level", read: { $0.logLevel = $1.isNull ? nil : try $1.string() }, write: { optional($0.logLevel, string) }),
        Field(key: "report_to", read: { $0.reportTo = $1.isNull ? nil : try $1.stringOrStrings() }, write: { optional($0.reportTo, strings) }),
        // Distribution.
        Field(key: "shards", read: { $0.shards = try $1.int() }, write: { int($0.shards) }),
        Field(key: "max_staleness", read: { $0.maxStaleness = try $1.int() }, write: { int($0.maxStaleness) }),
        Field(key: "workers_expected", read: { $0.workersExpected = try $1.int() }, write: { int($0.workersExpected) }),
        Field(key: "servers_expected", read: { $0.serversExpected = try $1.int() }, write: { int($0.serversExpected) }),
        Field(key: "servers_wait_seconds", read: { $0.serversWaitSeconds = try $1.double() }, write: { double($0.serversWaitSeconds) }),
        Field(key: "heartbeat_seconds", read: { $0.heartbeatSeconds = try $1.double() }, write: { double($0.heartbeatSeconds) }),
        Field(key: "compression", read: { $0.compression = try $1.compression() }, write: { string($0.compression.description) }),
        Field(key: "lease_seconds", read: { $0.leaseSeconds = try $1.double() }, write: { double($0.leaseSeconds) }),
    ]

    static let requiredKeys = ["model", "dataset_mixer"]

    // MARK: Nodes for `yaml()`; each re-parses to the value it came from.

    /// A string, quoted when YAML would otherwise read it as another type.
    private static func string(_ value: String) -> Node { .scalar(value.represented()) }
    private static func int(_ value: Int) -> Node { Node(String(value)) }
    /// Swift's shortest round-tripping form with a `.` in every mantissa (`5.0e-05`, `0.1`, `1.0`), which
    /// YAML 1.1 readers such as PyYAML also take for a float (they read `5e-05` as a string).
    private static func double(_ value: Double) -> Node {
        var text = "\(value)"
        if let e = text.firstIndex(of: "e"), !text[..<e].contains(".") { text.insert(contentsOf: ".0", at: e) }
        return Node(text)
    }
    private static func bool(_ value: Bool) -> Node { Node(value ? "true" : "false") }
    private static func optional<T>(_ value: T?, _ node: (T) -> Node) -> Node { value.map(node) ?? Node("null") }
    /// A flow sequence (`[down_proj, c_attn]`), the form an override takes too.
    private static func strings(_ values: [String]) -> Node {
        .sequence(Node.Sequence(values.map(string), .implicit, .flow))
    }
    private static func mixer(_ sources: [DatasetSource]) -> Node {
        .mapping(Node.Mapping(sources.map { (string($0.path), double($0.fraction)) }))
    }
}
