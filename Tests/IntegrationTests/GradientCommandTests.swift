import Foundation
import Testing
@testable import Shared

/// `bfpo-worker init` and `bfpo-worker gradient` as users run them: the contract's JSON on stdout and the
/// gradient file, equal to what the engine computes in-process, and clear errors naming the bad line.
struct GradientCommandTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("gradient") }

    func path(_ name: String) -> String { scratch.path(name) }

    let pairsText = """
        {"chosen_ids":[3,9,4,1],"chosen_mask":[0,0,1,1],"rejected_ids":[3,9,7],"rejected_mask":[0,0,1],"is_chosen_safe":1,"is_rejected_safe":0}
        {"chosen_ids":[5,2,8],"chosen_mask":[0,1,1],"rejected_ids":[5,2,6,6,0],"rejected_mask":[0,1,1,1,1],"is_chosen_safe":0,"is_rejected_safe":1}
        {"chosen_ids":[11,10,1],"chosen_mask":[0,0,1],"rejected_ids":[11,4],"rejected_mask":[0,1],"is_chosen_safe":1,"is_rejected_safe":1}

        """

    func makeModel(seed: Int, name: String) throws {
        let result = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "2", "--heads", "2", "--embd", "8", "--vocab", "13", "--positions", "16",
            "--seed", "\(seed)", "--out", path(name)])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(arguments: ObjectiveKind.allCases)
    func gradientCommandMatchesTheEngine(kind: ObjectiveKind) throws {
        defer { scratch.remove() }
        try makeModel(seed: 1, name: "policy")
        try makeModel(seed: 2, name: "reference")
        try pairsText.write(toFile: path("pairs.jsonl"), atomically: true, encoding: .utf8)
        // `system`: the same OpenBLAS kernels as this test process, whose products the comparison below
        // expects to the last bits (another core rounds differently, ~1e-8 relative).
        let result = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("policy"), "--reference", path("reference"), "--data", path("pairs.jsonl"),
            "--objective", kind.rawValue, "--batch-size", "2", "--threads", "1", "--blas-core", "system",
            "--out", path("grad.safetensors")])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["objective"] as? String == kind.rawValue)
        let rows = try #require(report["pairs"] as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows[1]["rejected_ids"] as? [Int] == [5, 2, 6, 6, 0])
        #expect(rows[1]["rejected_mask"] as? [Int] == [0, 1, 1, 1, 1])
        #expect(rows[1]["is_chosen_safe"] as? Int == 0)

        // The same computation in-process, in one batch: the file is read back by name and shape.
        let (config, policy) = try ModelDirectory.load(directory: path("policy"))
        let (_, referenceParameters) = try ModelDirectory.load(directory: path("reference"))
        let pairs = try TokenizedPairReader.read(file: path("pairs.jsonl"))
        let objective = try Objective(kind: kind)
        let engine = GradientEngine(model: GPT2(config: config), objective: objective)
        let reference = try engine.logProbs(parameters: referenceParameters.pointer, pairs: pairs)
        let expected = FloatBuffer(count: policy.count)
        let batch = try engine.accumulateGradient(parameters: policy.pointer, pairs: pairs, reference: reference,
                                                  normalizer: 3, into: expected.pointer)
        let loss = try #require(report["loss"] as? Double)
        // Batches of 2 and of 3 rows take different sgemm blockings, so the log-probs agree to fp32
        // rounding and the loss (a difference of log-probs times β, then a log-sigmoid) to ~1e-6 relative.
        #expect(abs(loss - batch.metrics.lossSum / 3) <= 1e-5 * max(1, abs(loss)))
        for (row, pair) in zip(rows, zip(batch.pairs, reference)) {
            let chosen = try #require(row["policy_chosen_logp"] as? Double)
            let rejected = try #require(row["reference_rejected_logp"] as? Double)
            #expect(abs(chosen - pair.0.policy.chosen) <= 1e-6 * abs(chosen))
            #expect(abs(rejected - pair.1.rejected) <= 1e-6 * abs(rejected))
        }
        let file = try SafetensorsFile(path: path("grad.safetensors"))
        let layout = ParameterLayout(config: config)
        #expect(file.tensors.count == layout.tensors.count)
        var worst = 0.0
        for spec in layout.tensors {
            let tensor = try #require(file.tensor(named: spec.name))
            #expect(tensor.shape == spec.shape && tensor.dtype == .f32)
            // Micro-batches of 2 sum the same terms in another order than one batch of 3: fp32 rounding
            // only, ~1e-6 of the tensor's norm.
            var difference = 0.0, norm = 0.0
            for (i, value) in try file.floats(of: spec.name).enumerated() {
                let target = Double(expected[spec.offset + i])
                difference += (Double(value) - target) * (Double(value) - target)
                norm += target * target
            }
            worst = max(worst, (difference / max(norm, 1e-30)).squareRoot())
        }
        #expect(worst < 1e-4, "worst relative gradient difference \(worst)")
    }

    @Test func badRowIsReportedWithFileLineAndField() throws {
        defer { scratch.remove() }
        try makeModel(seed: 1, name: "policy")
        let bad = pairsText.replacingOccurrences(of: "[5,2,6,6,0]", with: "[5,2,6,6,13]")
        try bad.write(toFile: path("pairs.jsonl"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("policy"), "--data", path("pairs.jsonl"), "--out", path("grad.safetensors")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("pairs.jsonl:2: field \"rejected_ids\" has id 13 at index 4, outside the model's vocabulary of 13"),
                "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path("grad.safetensors")))
    }

    @Test func tooLongSequenceSuggestsMaxLengthAndTruncationFixesIt() throws {
        defer { scratch.remove() }
        try makeModel(seed: 1, name: "policy")
        let long = #"{"chosen_ids":[1,2,3,4,5,6,7,8,9,10,11,12,1,2,3,4,5,6,7,8],"chosen_mask":[0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1],"rejected_ids":[1,2],"rejected_mask":[0,1],"is_chosen_safe":1,"is_rejected_safe":0}"#
        try (long + "\n").write(toFile: path("pairs.jsonl"), atomically: true, encoding: .utf8)
        let refused = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("policy"), "--data", path("pairs.jsonl"), "--out", path("grad.safetensors")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("pairs.jsonl:1: field \"chosen_ids\" has 20 tokens, more than the model's n_positions (16)"),
                "\(refused.stderr)")
        let truncated = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("policy"), "--data", path("pairs.jsonl"), "--max-length", "16",
            "--max-prompt-length", "6", "--out", path("grad.safetensors")])
        #expect(truncated.status == 0, "\(truncated.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(truncated.stdout.utf8)) as? [String: Any])
        let row = try #require((report["pairs"] as? [[String: Any]])?.first)
        // prompt 12 + longer response 8 = 20 > 16: keep the last 6 prompt tokens; 6 + 8 = 14 fits.
        #expect(row["chosen_ids"] as? [Int] == [7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(row["rejected_ids"] as? [Int] == [1, 2])
    }
}
