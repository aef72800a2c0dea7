import Foundation
import Testing
import Shared
@testable import Coordinator

/// The recipe keys of evaluation during training: `eval_dataset_mixer`, `dataset_splits`, `eval_strategy`
/// (and its alias `evaluation_strategy`), `eval_steps`, `per_device_eval_batch_size`.
struct RecipeEvaluationTests {
    let base = "model: m\ndataset_mixer: {d.jsonl: 1}\n"

    /// The objective is stated on the command line: these recipes are about evaluation keys only.
    func parse(_ yaml: String, baseDirectory: String = "/work/recipes") throws -> Recipe {
        try Recipe.parse(yaml: yaml, source: "recipe.yaml", baseDirectory: baseDirectory, overrides: ["objective=bfpo"], workingDirectory: "/home/me")
    }

    func error(_ yaml: String, baseDirectory: String = "/work/recipes") -> RecipeError? {
        do {
            _ = try parse(yaml, baseDirectory: baseDirectory)
            return nil
        } catch {
            return error as? RecipeError
        }
    }

    @Test func withoutAnEvalSetNothingIsEvaluated() throws {
        let recipe = try parse(base)
        #expect(recipe.evalDatasetMixer == nil && recipe.datasetSplits == nil && recipe.evalStrategy == nil && recipe.evalSteps == nil)
        #expect(recipe.perDeviceEvalBatchSize == 8)
        #expect(recipe.effectiveEvalStrategy == .no && recipe.evalMixer == nil && !recipe.hasEvalSet)
        // `no` is accepted without an eval set, and written back quoted so YAML 1.1 does not read a boolean.
        let off = try parse(base + "eval_strategy: no\n")
        #expect(off.evalStrategy == EvalStrategy.no)
        #expect(try off.yaml().contains("\neval_strategy: 'no'\n"))
        #expect(try parse(off.yaml()) == off)
    }

    @Test func anEvalSetWithoutAStrategyIsEvaluatedEveryEpoch() throws {
        let recipe = try parse(base + "eval_dataset_mixer: {e.jsonl: 0.5, f.jsonl: 1}\nper_device_eval_batch_size: 3\n")
        #expect(recipe.evalDatasetMixer == [.init(path: "/work/recipes/e.jsonl", fraction: 0.5), .init(path: "/work/recipes/f.jsonl", fraction: 1)])
        #expect(recipe.effectiveEvalStrategy == .epoch && recipe.perDeviceEvalBatchSize == 3)
        #expect(recipe.evalMixer?.sources.map(\.path) == ["/work/recipes/e.jsonl", "/work/recipes/f.jsonl"])
        #expect(recipe.evalMixer?.sources.map(\.fraction) == [0.5, 1])
        // `eval_strategy: no` keeps the eval set in the recipe but evaluates nothing.
        let off = try parse(base + "eval_dataset_mixer: {e.jsonl: 1}\neval_strategy: no\n")
        #expect(off.effectiveEvalStrategy == .no && off.evalMixer == nil)
    }

    @Test func evaluationStrategyIsAnAliasOfEvalStrategy() throws {
        let set = base + "eval_dataset_mixer: {e.jsonl: 1}\neval_steps: 5\n"
        let alias = try parse(set + "evaluation_strategy: steps\n")
        let canonical = try parse(set + "eval_strategy: steps\n")
        #expect(alias == canonical && alias.evalStrategy == .steps && alias.evalSteps == 5)
        // The resolved recipe holds the canonical key only, and reads back to the same recipe.
        let text = try alias.yaml()
        #expect(text.contains("\neval_strategy: steps\n") && !text.contains("evaluation_strategy"))
        #expect(try parse(text) == alias)
        // Both at once is one key set twice.
        #expect(error(set + "eval_strategy: steps\nevaluation_strategy: steps\n")
                == .duplicateKey(key: "eval_strategy (as its alias evaluation_strategy)", origin: .file(path: "recipe.yaml", line: 6)))
    }

    @Test func badEvaluationKeysAreNamed() {
        let set = base + "eval_dataset_mixer: {e.jsonl: 1}\n"
        #expect(error(base + "eval_strategy: weekly\n")
                == .wrongType(key: "eval_strategy", expected: "one of \"no\", \"steps\", \"epoch\"", found: "the string \"weekly\"",
                              origin: .file(path: "recipe.yaml", line: 3)))
        #expect(error(base + "eval_strategy: epoch\n")
                == .outOfRange(key: "eval_strategy", value: "epoch",
                               requirement: "\"no\" unless an eval set is given (eval_dataset_mixer, or a test split in dataset_splits)"))
        #expect(error(set + "eval_strategy: steps\n")
                == .outOfRange(key: "eval_steps", value: "missing", requirement: "set when eval_strategy is \"steps\""))
        #expect(error(set + "eval_steps: 10\n")
                == .outOfRange(key: "eval_steps", value: "10", requirement: "left unset unless eval_strategy is \"steps\" (it is \"epoch\")"))
        #expect(error(set + "eval_strategy: steps\neval_steps: 0\n")
                == .outOfRange(key: "eval_steps", value: "0", requirement: "at least 1"))
        #expect(error(set + "per_device_eval_batch_size: 0\n")
                == .outOfRange(key: "per_device_eval_batch_size", value: "0", requirement: "at least 1"))
        #expect(error(base + "eval_dataset_mixer: {e.jsonl: 1.5}\n")
                == .outOfRange(key: "eval_dataset_mixer: /work/recipes/e.jsonl", value: "1.5", requirement: "a fraction in (0, 1]"))
        #expect(error(base + "eval_steps: 2.5\n")
                == .wrongType(key: "eval_steps", expected: "an integer", found: "the number 2.5", origin: .file(path: "recipe.yaml", line: 3)))
        #expect(error(base + "dataset_splits: [train, validation]\n")
                == .outOfRange(key: "dataset_splits", value: "[train, validation]",
                               requirement: "split names that contain \"train\" or \"test\" (\"validation\" contains neither)"))
        #expect(error(base + "dataset_splits: [train, test, test_prefs]\n")
                == .outOfRange(key: "dataset_splits", value: "[train, test, test_prefs]", requirement: "at most one test split"))
        // A test split needs a dataset directory that holds it.
        #expect(error(base + "dataset_splits: [train, test]\n")
                == .outOfRange(key: "dataset_splits", value: "[train, test]",
                               requirement: "a test split that some dataset_mixer entry holds: a directory with test.jsonl or test.json"))
    }

    /// A temporary dataset directory with the reference's split files.
    func datasetDirectory(_ files: [String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in files { try Data("{}\n".utf8).write(to: directory.appendingPathComponent(file)) }
        return directory
    }

    @Test func datasetSplitsMapADirectoryToItsTrainAndTestFiles() throws {
        let data = try datasetDirectory(["train.jsonl", "test.jsonl", "train_prefs.jsonl", "test_prefs.json"])
        defer { try? FileManager.default.removeItem(at: data) }
        let root = data.deletingLastPathComponent().path, name = data.lastPathComponent
        // The reference's form: a dataset directory in the mixer, its splits by name.
        let recipe = try parse("model: m\ndataset_mixer: {\(name): 0.5, other.jsonl: 1}\ndataset_splits: [train, test]\n", baseDirectory: root)
        #expect(recipe.trainSources == [.init(path: data.path + "/train.jsonl", fraction: 0.5), .init(path: root + "/other.jsonl", fraction: 1)])
        #expect(recipe.mixer.sources.map(\.path) == [data.path + "/train.jsonl", root + "/other.jsonl"])
        // The test split is taken whole, and evaluated every epoch by default.
        #expect(recipe.evalSources == [.init(path: data.path + "/test.jsonl", fraction: 1)])
        #expect(recipe.effectiveEvalStrategy == .epoch && recipe.evalMixer?.sources.map(\.path) == [data.path + "/test.jsonl"])
        // Other split names, and a .json file.
        let prefs = try parse("model: m\ndataset_mixer: {\(name): 1}\ndataset_splits: [train_prefs, test_prefs]\n", baseDirectory: root)
        #expect(prefs.trainSources.map(\.path) == [data.path + "/train_prefs.jsonl"] && prefs.evalSources?.map(\.path) == [data.path + "/test_prefs.json"])
        // A directory without the split, names the split; a test split with eval_dataset_mixer is refused.
        #expect(error("model: m\ndataset_mixer: {\(name): 1}\ndataset_splits: [train_sft]\n", baseDirectory: root)
                == .outOfRange(key: "dataset_mixer: \(data.path)", value: "a directory",
                               requirement: "a dataset file, or a directory holding train_sft.jsonl or train_sft.json"))
        #expect(error("model: m\ndataset_mixer: {\(name): 1}\ndataset_splits: [train, test]\neval_dataset_mixer: {e.jsonl: 1}\n", baseDirectory: root)
                == .outOfRange(key: "dataset_splits", value: "[train, test]",
                               requirement: "free of a test split when eval_dataset_mixer is set (one eval set per run)"))
        // Without dataset_splits a directory trains on train.jsonl and nothing is evaluated.
        let plain = try parse("model: m\ndataset_mixer: {\(name): 1}\n", baseDirectory: root)
        #expect(plain.trainSources.map(\.path) == [data.path + "/train.jsonl"] && plain.evalMixer == nil)
    }

    /// The form docs/evaluation.md shows, on the bundled benchmark: its directory trains on half of
    /// train.jsonl and evaluates on all of test.jsonl.
    @Test func theBundledBenchmarkIsADatasetWithTrainAndTestSplits() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let recipe = try parse("model: m\ndataset_mixer:\n  data/safety-benchmark: 0.5\ndataset_splits: [train, test]\nper_device_eval_batch_size: 16\n",
                               baseDirectory: root)
        #expect(recipe.trainSources == [.init(path: root + "/data/safety-benchmark/train.jsonl", fraction: 0.5)])
        #expect(recipe.evalMixer?.sources == [DatasetMixer.Source(path: root + "/data/safety-benchmark/test.jsonl", fraction: 1)])
        #expect(recipe.effectiveEvalStrategy == .epoch && recipe.perDeviceEvalBatchSize == 16)
    }
}
