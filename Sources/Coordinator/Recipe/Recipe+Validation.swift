import Shared

extension Recipe {
    /// Throws `RecipeError.outOfRange` for the first value outside its range, naming the key.
    func validate() throws {
        func require(_ ok: Bool, _ key: String, _ value: CustomStringConvertible, _ requirement: String) throws {
            if !ok { throw RecipeError.outOfRange(key: key, value: value.description, requirement: requirement) }
        }
        func checkMixer(_ sources: [DatasetSource], key: String) throws {
            try require(!sources.isEmpty, key, "empty", "a mapping of at least one dataset path to a fraction")
            for source in sources {
                try require(source.fraction.isFinite && source.fraction > 0 && source.fraction <= 1,
                            "\(key): \(source.path)", source.fraction, "a fraction in (0, 1]")
            }
        }
        try checkMixer(datasetMixer, key: "dataset_mixer")
        if let bufferDatasetMixer { try checkMixer(bufferDatasetMixer, key: "buffer_dataset_mixer") }
        if let evalDatasetMixer { try checkMixer(evalDatasetMixer, key: "eval_dataset_mixer") }
        try validateEvaluation(require)
        try require(!useBuffer || bufferDatasetMixer != nil, "buffer_dataset_mixer", "missing", "set when use_buffer is true")
        if let bufferDatasetSplits {
            try require(bufferDatasetSplits.contains { $0.contains("train") }, "buffer_dataset_splits", "[\(bufferDatasetSplits.joined(separator: ", "))]",
                        "a list with one split whose name contains \"train\" (the buffer draws from it)")
        }
        for source in bufferDatasetMixer ?? [] where Recipe.isDirectory(source.path) {
            try require(Recipe.splitFile(bufferTrainSplit, in: source.path) != nil, "buffer_dataset_mixer: \(source.path)", "a directory",
                        "a dataset file, or a directory holding \(bufferTrainSplit).jsonl or \(bufferTrainSplit).json")
        }
        try require(maxLength >= 2, "max_length", maxLength, "at least 2")
        try require(maxPromptLength >= 1 && maxPromptLength < maxLength, "max_prompt_length", maxPromptLength,
                    "at least 1 and less than max_length (\(maxLength))")
        do {
            try objectiveParameters.validate()
        } catch ObjectiveError.invalidParameter(let name, let value, let requirement) {
            throw RecipeError.outOfRange(key: name, value: "\(value)", requirement: requirement)
        }
        try require(learningRate.isFinite && learningRate > 0, "learning_rate", learningRate, "a positive number")
        try require(warmupRatio.isFinite && warmupRatio >= 0 && warmupRatio <= 1, "warmup_ratio", warmupRatio, "between 0 and 1")
        try require(numTrainEpochs >= 1, "num_train_epochs", numTrainEpochs, "at least 1")
        try require(perDeviceTrainBatchSize >= 1, "per_device_train_batch_size", perDeviceTrainBatchSize, "at least 1")
        try require(gradientAccumulationSteps >= 1, "gradient_accumulation_steps", gradientAccumulationSteps, "at least 1")
        try require(maxGradNorm.isFinite && maxGradNorm >= 0, "max_grad_norm", maxGradNorm, "a number ≥ 0 (0 turns clipping off)")
        try require(weightDecay.isFinite && weightDecay >= 0, "weight_decay", weightDecay, "a number ≥ 0")
        try require(adamBeta1 >= 0 && adamBeta1 < 1, "adam_beta1", adamBeta1, "in [0, 1)")
        try require(adamBeta2 >= 0 && adamBeta2 < 1, "adam_beta2", adamBeta2, "in [0, 1)")
        try require(adamEpsilon.isFinite && adamEpsilon > 0, "adam_epsilon", adamEpsilon, "a positive number")
        try require(seed >= 0, "seed", seed, "an integer ≥ 0")
        if let selectedLayers {
            try require(!selectedLayers.isEmpty, "selected_layers", "an empty list", "a list of at least one part of a parameter name")
            for (index, entry) in selectedLayers.enumerated() {
                try require(!entry.isEmpty, "selected_layers[\(index)]", "the empty string", "a part of a parameter name (an empty one selects every parameter)")
            }
        }
        try require(!useSelective || selectedLayers != nil, "selected_layers", "missing", "set when use_selective is true")
        try require(saveSteps >= 1, "save_steps", saveSteps, "at least 1")
        if let loggingSteps { try require(loggingSteps >= 1, "logging_steps", loggingSteps, "at least 1") }
        if let logLevel {
            try require(Self.logLevels[logLevel] != nil, "log_level", "\"\(logLevel)\"",
                        "one of " + Self.logLevels.keys.sorted().joined(separator: ", "))
        }
        for entry in reportTo ?? [] {
            try require(Self.appliedReporters.contains(entry) || Self.acknowledgedReporters.contains(entry), "report_to", "\"\(entry)\"",
                        "tensorboard, none, or one of Hugging Face's integrations (" + Self.acknowledgedReporters.sorted().joined(separator: ", ") + ")")
        }
        if let saveTotalLimit { try require(saveTotalLimit >= 1, "save_total_limit", saveTotalLimit, "at least 1, or null to keep every checkpoint") }
        try require(shards >= 1, "shards", shards, "at least 1")
        try require(maxStaleness >= 0, "max_staleness", maxStaleness, "at least 0")
        try require(workersExpected >= 1, "workers_expected", workersExpected, "at least 1")
        try require(serversExpected >= 0, "servers_expected", serversExpected, "at least 0")
        try require(serversWaitSeconds.isFinite && serversWaitSeconds > 0, "servers_wait_seconds", serversWaitSeconds, "a positive number of seconds")
        try require(heartbeatSeconds.isFinite && heartbeatSeconds > 0, "heartbeat_seconds", heartbeatSeconds, "a positive number of seconds")
        try require(leaseSeconds.isFinite && leaseSeconds > 0, "lease_seconds", leaseSeconds, "a positive number of seconds")
    }
}
