import Foundation
import Testing
@testable import Shared

/// Evaluation during training with the real binaries: a coordinator and two workers on loopback (under
/// CURVE, as `LocalCluster` sets up), 24 pairs in 12 steps, the first 6 of them as the eval set every 4 steps.
struct EvalDuringTrainingTests {
    @Test func evalLinesAppearInMetricsAtTheirStepsAndInTheProgressLog() throws {
        let cluster = try LocalCluster(recipe: [
            "workers_expected": "2", "eval_dataset_mixer": "{pairs.jsonl: 0.25}", "evaluation_strategy": "steps", "eval_steps": "4",
            "per_device_eval_batch_size": "4",
        ])
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        try cluster.startWorker("b")
        let logs = { ["coordinator", "a", "b"].map { "== \($0)\n" + cluster.log($0).suffix(3000) }.joined(separator: "\n") }
        #expect(cluster.waitForExit("coordinator") == 0, "\(logs())")
        for name in ["a", "b"] { #expect(cluster.waitForExit(name, timeout: 30) == 0, "\(name): \(logs())") }

        let lines = cluster.metricsLines()
        let evaluations = lines.filter { $0["eval_loss"] != nil }
        #expect(lines.filter { $0["loss"] != nil }.map { $0["step"] as? Int } == (1...12).map { $0 })
        #expect(evaluations.map { $0["step"] as? Int } == [4, 8, 12], "\(logs())")
        #expect(evaluations.map { $0["epoch"] as? Double } == [4.0 / 6, 8.0 / 6, 2])
        for line in evaluations {
            #expect(line["eval_pairs"] as? Double == 6)
            #expect((line["eval_loss"] as? Double).map { $0.isFinite && $0 >= 0 } == true)
            #expect(line["eval_rewards/margins"] != nil && line["eval_logps/rejected"] != nil && line["loss"] == nil)
        }
        // One progress line per evaluation, and eval leases went out as forward-only leases of the policy.
        let progress = cluster.log("coordinator").split(separator: "\n").filter { $0.contains("eval at step ") }
        #expect(progress.count == 3 && progress.allSatisfy { $0.contains("eval_loss ") }, "\(progress)")
        #expect(cluster.log("coordinator").contains("evaluating step 4 on 6 pairs in 2 batches"))
    }
}
