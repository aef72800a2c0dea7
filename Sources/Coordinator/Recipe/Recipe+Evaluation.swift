import Foundation
import Shared

/// When a run evaluates its eval set (recipe `eval_strategy`, HF's names).
enum EvalStrategy: String, CaseIterable, Equatable, Sendable {
    /// Never, not even at the end.
    case no
    /// After every `eval_steps` optimizer steps, and after the last step.
    case steps
    /// After the last step of every epoch.
    case epoch
}

extension Recipe {
    /// The strategy the run follows: the recipe's; else `no` when `do_eval` is false (HF evaluates then only
    /// if a strategy asks for it); else `epoch` when an eval set is given; `no` without an eval set.
    var effectiveEvalStrategy: EvalStrategy {
        guard hasEvalSet else { return .no }
        if let evalStrategy { return evalStrategy }
        return doEval == false ? .no : .epoch
    }

    /// Whether the recipe names an eval set, by `eval_dataset_mixer` or a test split in `dataset_splits`.
    var hasEvalSet: Bool { evalDatasetMixer != nil || testSplit != nil }

    /// The split of `dataset_splits` that names training data (containing "train"), `train` by default.
    var trainSplit: String { datasetSplits?.first { $0.contains("train") } ?? "train" }

    /// The split of `dataset_splits` that names test data (containing "test"), if any.
    var testSplit: String? { datasetSplits?.first { $0.contains("test") } }

    /// The file of `split` in a dataset directory: `DIR/<split>.jsonl`, else `DIR/<split>.json`; nil when
    /// `path` is not a directory or holds neither.
    static func splitFile(_ split: String, in path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return ["jsonl", "json"].lazy
            .map { (path as NSString).appendingPathComponent("\(split).\($0)") }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether `path` is a directory (a dataset given by its splits).
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The training files: each `dataset_mixer` entry, or its train split's file when it is a directory.
    var trainSources: [DatasetSource] {
        datasetMixer.map { source in
            Recipe.splitFile(trainSplit, in: source.path).map { DatasetSource(path: $0, fraction: source.fraction) } ?? source
        }
    }

    /// The eval files: `eval_dataset_mixer`, or the test split's file of every `dataset_mixer` directory,
    /// whole (the reference takes test splits whole, whatever the training fraction); nil without an eval set.
    var evalSources: [DatasetSource]? {
        if let evalDatasetMixer { return evalDatasetMixer }
        guard let testSplit else { return nil }
        return datasetMixer.compactMap { source in Recipe.splitFile(testSplit, in: source.path).map { DatasetSource(path: $0, fraction: 1) } }
    }

    /// The eval set as `Shared`'s mixer, or nil when the run does not evaluate.
    var evalMixer: DatasetMixer? {
        guard effectiveEvalStrategy != .no, let evalSources else { return nil }
        return DatasetMixer(sources: evalSources.map { .init(path: $0.path, fraction: $0.fraction, format: datasetFormat) },
                            seed: UInt64(seed))
    }

    /// Checks the evaluation keys together; `require` throws `RecipeError.outOfRange` naming the key.
    func validateEvaluation(_ require: (Bool, String, CustomStringConvertible, String) throws -> Void) throws {
        if let datasetSplits {
            try require(!datasetSplits.isEmpty, "dataset_splits", "an empty list", "a list of split names such as [train, test]")
            for split in datasetSplits {
                try require(split.contains("train") || split.contains("test"), "dataset_splits", "[\(datasetSplits.joined(separator: ", "))]",
                            "split names that contain \"train\" or \"test\" (\"\(split)\" contains neither)")
                try require(!split.contains("/") && !split.isEmpty, "dataset_splits", "\"\(split)\"", "a split name, not a path")
            }
            try require(datasetSplits.filter { $0.contains("train") }.count <= 1, "dataset_splits", "[\(datasetSplits.joined(separator: ", "))]",
                        "at most one train split")
            try require(datasetSplits.filter { $0.contains("test") }.count <= 1, "dataset_splits", "[\(datasetSplits.joined(separator: ", "))]",
                        "at most one test split")
        }
        for source in datasetMixer where Recipe.isDirectory(source.path) {
            try require(Recipe.splitFile(trainSplit, in: source.path) != nil, "dataset_mixer: \(source.path)", "a directory",
                        "a dataset file, or a directory holding \(trainSplit).jsonl or \(trainSplit).json")
        }
        if let testSplit {
            try require(evalDatasetMixer == nil, "dataset_splits", "[\(datasetSplits!.joined(separator: ", "))]",
                        "free of a test split when eval_dataset_mixer is set (one eval set per run)")
            try require(evalSources?.isEmpty == false, "dataset_splits", "[\(datasetSplits!.joined(separator: ", "))]",
                        "a test split that some dataset_mixer entry holds: a directory with \(testSplit).jsonl or \(testSplit).json")
        }
        if let strategy = evalStrategy, strategy != .no {
            try require(hasEvalSet, "eval_strategy", strategy.rawValue,
                        "\"no\" unless an eval set is given (eval_dataset_mixer, or a test split in dataset_splits)")
        }
        if let evalSteps {
            try require(evalSteps >= 1, "eval_steps", evalSteps, "at least 1")
            try require(effectiveEvalStrategy == .steps, "eval_steps", evalSteps,
                        "left unset unless eval_strategy is \"steps\" (it is \"\(effectiveEvalStrategy.rawValue)\")")
        }
        try require(effectiveEvalStrategy != .steps || evalSteps != nil, "eval_steps", "missing", "set when eval_strategy is \"steps\"")
        try require(doEval != true || hasEvalSet, "do_eval", "true",
                    "false unless an eval set is given (eval_dataset_mixer, or a test split in dataset_splits)")
        try require(perDeviceEvalBatchSize >= 1, "per_device_eval_batch_size", perDeviceEvalBatchSize, "at least 1")
    }
}
