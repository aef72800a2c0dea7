import Foundation
import Testing
@testable import Shared
@testable import Coordinator
@testable import Worker

/// Evaluation during training, end to end in one process: 6 eval pairs in eval batches of 4, every 5 of
/// the 12 steps and at the end.
extension InProcessSystemTests {
    var evaluationSettings: [String] {
        ["eval_dataset_mixer={\(path("eval.jsonl")): 1}", "eval_strategy=steps", "eval_steps=5", "per_device_eval_batch_size=4"]
    }

    /// Six eval pairs, made like the training pairs from another seed.
    func writeEvalPairs() throws {
        var generator = RandomGenerator(seed: 11)
        func ids(_ count: Int) -> [Int] { (0..<count).map { _ in Int(generator.next() % 40) } }
        let lines = (0..<6).map { i in
            Self.pairLine(prompt: ids(2), chosen: ids(2 + i % 3), rejected: ids(3), chosenSafe: i % 2, rejectedSafe: i / 3)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("eval.jsonl"), atomically: true, encoding: .utf8)
    }

    /// The run's metrics.jsonl lines, as text (for exact comparison) and as objects.
    func metricsLines(_ run: String) throws -> [(text: String, values: [String: Any])] {
        let text = try String(contentsOfFile: path("\(run)/metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            (String(line), try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])
        }
    }

    func evalLines(_ run: String) throws -> [(text: String, values: [String: Any])] {
        try metricsLines(run).filter { $0.values["eval_loss"] != nil }
    }

    /// Evaluations land at the configured steps and at the end, one line each; training is not changed by
    /// a bit (a run without evaluation ends with the same files); one worker and two workers with two shard
    /// servers write the same files and the same eval lines.
    @Test func evaluationWritesEvalLinesAtItsStepsAndChangesNoBitOfTraining() throws {
        try writeEvalPairs()
        try soloRun("plain")
        try soloRun(settings: evaluationSettings)
        try expectServedRunEqualsSolo(settings: evaluationSettings)

        #expect(try final("plain", "model.safetensors") == final("solo", "model.safetensors"))
        #expect(try final("plain", "optimizer.safetensors") == final("solo", "optimizer.safetensors"))
        #expect(try evalLines("plain").isEmpty)

        let lines = try metricsLines("solo")
        let training = lines.filter { $0.values["eval_loss"] == nil }
        #expect(training.map { $0.values["step"] as? Int } == (1...12).map { $0 })
        let evaluations = try evalLines("solo")
        #expect(evaluations.map { $0.values["step"] as? Int } == [5, 10, 12])
        #expect(evaluations.map { $0.values["epoch"] as? Double } == [1.25, 2.5, 3])
        for line in evaluations {
            #expect(line.values["eval_pairs"] as? Double == 6)
            #expect((line.values["eval_loss"] as? Double).map { $0.isFinite && $0 > 0 } == true)
            #expect(line.values["eval_rewards/accuracies"] != nil && line.values["eval_logps/chosen"] != nil)
            #expect(line.values.keys.allSatisfy { $0 == "step" || $0 == "epoch" || $0.hasPrefix("eval_") }, "\(line.text)")
        }
        // Each eval line follows its step's training line.
        let order = lines.map { ($0.values["step"] as! Int, $0.values["eval_loss"] != nil) }
        #expect(order.firstIndex { $0 == (5, true) } == order.firstIndex { $0 == (5, false) }.map { $0 + 1 })
        // The policy changes between evaluations, so do its eval metrics.
        #expect(evaluations[0].values["eval_loss"] as? Double != evaluations[2].values["eval_loss"] as? Double)
        // The same numbers, to the bit, with two workers and two servers.
        #expect(try evalLines("served").map(\.text) == evaluations.map(\.text))
        // The eval pairs' reference log-probs are cached with the training pairs'.
        let cache = try String(contentsOfFile: path("solo/reference_logps.jsonl"), encoding: .utf8)
        #expect(cache.split(separator: "\n").count == 1 + 16 + 6)
    }

    /// An evaluation that never reached metrics.jsonl (the coordinator died during the final one) is done
    /// again by the resumed run, with the same numbers; one that did is not repeated.
    @Test func aResumedRunRedoesAnEvaluationMissingFromMetrics() throws {
        try writeEvalPairs()
        try soloRun(settings: evaluationSettings)
        let complete = try metricsLines("solo").map(\.text)
        #expect(complete.count == 12 + 3)
        try (complete.dropLast().joined(separator: "\n") + "\n").write(toFile: path("solo/metrics.jsonl"), atomically: true, encoding: .utf8)
        try soloRun(settings: evaluationSettings)
        #expect(try metricsLines("solo").map(\.text) == complete)
        // Nothing missing: the finished run stops at once, its metrics untouched.
        try soloRun(settings: evaluationSettings)
        #expect(try metricsLines("solo").map(\.text) == complete)
    }
}
