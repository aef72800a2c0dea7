import Foundation
import Shared
import Yams

extension Recipe {
    /// The recipe in the YAML file at `path`, with `overrides` applied and every value validated.
    ///
    /// - Parameters:
    ///   - overrides: `key=value` strings from the command line; each value is read as a YAML scalar (or
    ///     flow collection: `dataset_mixer={a.jsonl: 0.5}`) and replaces the file's value before
    ///     validation. An empty value is null.
    ///   - workingDirectory: what relative paths in overrides are resolved against; the file's own are
    ///     resolved against its directory.
    /// - Throws: `RecipeError` naming the key, and the line or override, at fault.
    static func load(path: String, overrides: [String] = [],
                     workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> Recipe {
        let absolute = RecipeValue.resolve(path, against: workingDirectory)
        let text: String
        do {
            text = try String(contentsOfFile: absolute, encoding: .utf8)
        } catch {
            throw RecipeError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(yaml: text, source: path, baseDirectory: (absolute as NSString).deletingLastPathComponent,
                         overrides: overrides, workingDirectory: workingDirectory)
    }

    /// `load` for recipe text already in memory; `source` names it in errors and `baseDirectory` is
    /// what its relative paths are resolved against.
    static func parse(yaml: String, source: String, baseDirectory: String, overrides: [String] = [],
                      workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> Recipe {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RecipeError.invalidYAML(source: source, reason: "\(error)")
        }
        var values: [String: RecipeValue] = [:]
        if let root {
            guard case .mapping(let mapping) = root else { throw RecipeError.notAMapping(source: source) }
            for (keyNode, valueNode) in mapping {
                let origin = RecipeValue.origin(of: keyNode, default: .file(path: source, line: nil))
                let key = keyNode.scalar?.string ?? RecipeValue.describe(keyNode)
                try checkKnown(key, origin: origin)
                guard values[key] == nil else { throw RecipeError.duplicateKey(key: key, origin: origin) }
                values[key] = RecipeValue(key: key, node: valueNode, origin: origin, baseDirectory: baseDirectory)
            }
        }
        for text in overrides {
            let value = try override(text, workingDirectory: workingDirectory)
            values[value.key] = value
        }
        for (alias, key) in aliases {
            if let value = values[alias], values[key] != nil {
                throw RecipeError.duplicateKey(key: "\(key) (as its alias \(alias))", origin: value.origin)
            }
        }
        for key in requiredKeys where values[key] == nil || values[key]!.isNull {
            throw RecipeError.missingKey(key: key, source: source)
        }

        var recipe = Recipe(model: "", datasetMixer: [])
        for field in fields {
            if let value = values[field.key] { try field.read(&recipe, value) }
        }
        if values["reference_model"].map(\.isNull) ?? true { recipe.referenceModel = recipe.model }
        try recipe.validate()
        return recipe
    }

    /// One `key=value` override as a value to merge.
    private static func override(_ text: String, workingDirectory: String) throws -> RecipeValue {
        guard let equals = text.firstIndex(of: "=") else {
            throw RecipeError.invalidOverride(text: text, reason: "it must have the form key=value")
        }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: equals)...])
        guard !key.isEmpty else { throw RecipeError.invalidOverride(text: text, reason: "the key before \"=\" is empty") }
        try checkKnown(key, origin: .override(text))
        let node: Node?
        do {
            node = try Yams.compose(yaml: valueText)
        } catch {
            throw RecipeError.invalidOverride(text: text, reason: "the value is not valid YAML (\(error))")
        }
        return RecipeValue(key: key, node: node ?? Node("null"), origin: .override(text), baseDirectory: workingDirectory)
    }

    private static func checkKnown(_ key: String, origin: RecipeError.Origin) throws {
        guard fields.contains(where: { $0.key == key }) else {
            throw RecipeError.unknownKey(key: key, origin: origin, suggestion: closestKey(to: key))
        }
    }

    /// The closest known key, if one is within an edit distance of a third of `key`'s length (1 to 3),
    /// so `learning_rat` suggests `learning_rate` but `bf16` suggests nothing.
    static func closestKey(to key: String) -> String? {
        let limit = min(3, max(1, key.count / 3))
        let scored = fields.map { ($0.key, editDistance(key, $0.key)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance over characters.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: Validation

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
        if let saveTotalLimit { try require(saveTotalLimit >= 1, "save_total_limit", saveTotalLimit, "at least 1, or null to keep every checkpoint") }
        try require(shards >= 1, "shards", shards, "at least 1")
        try require(maxStaleness >= 0, "max_staleness", maxStaleness, "at least 0")
        try require(workersExpected >= 1, "workers_expected", workersExpected, "at least 1")
        try require(serversExpected >= 0, "servers_expected", serversExpected, "at least 0")
        try require(serversWaitSeconds.isFinite && serversWaitSeconds > 0, "servers_wait_seconds", serversWaitSeconds, "a positive number of seconds")
        try require(heartbeatSeconds.isFinite && heartbeatSeconds > 0, "heartbeat_seconds", heartbeatSeconds, "a positive number of seconds")
        try require(leaseSeconds.isFinite && leaseSeconds > 0, "lease_seconds", leaseSeconds, "a positive number of seconds")
    }

    // MARK: Output

    /// Every field in `fields` order, defaults filled in and paths absolute: what `runs/NAME/recipe.yaml`
    /// holds. Parsing it gives back this recipe.
    func yaml() throws -> String {
        let mapping = Node.Mapping(Self.fields.compactMap { field in field.write.map { (Node(field.key), $0(self)) } })
        let body = try Yams.serialize(node: .mapping(mapping), width: -1)
        return "# Resolved recipe: every key, defaults filled in, paths absolute.\n" + body
    }
}
