import Foundation
import Testing
@testable import Shared

/// `bfpo-worker generate` as users run it: one JSON line per distinct prompt with the contract's keys
/// first, the same tokens as the in-process generator from the chat template's prompt ids, the same
/// samples for the same seed, and clear refusals.
struct GenerateCommandTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("generate") }

    func path(_ name: String) -> String { scratch.path(name) }

    func makeModel(positions: Int = 64) throws {
        let initialized = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "1", "--heads", "2", "--embd", "8", "--vocab", "260", "--positions", "\(positions)",
            "--seed", "7", "--out", path("model")])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let tokenizer = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", path("model")])
        #expect(tokenizer.status == 0, "\(tokenizer.stderr)")
    }

    func lines(_ output: ProcessRunner.Output) throws -> [[String: Any]] {
        #expect(output.status == 0, "\(output.stderr)")
        return try output.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func greedyLinesPerDistinctPromptEqualTheInProcessGenerator() throws {
        defer { scratch.remove() }
        try makeModel()
        try EvalCommandTests.rows.write(toFile: path("pku.jsonl"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("bfpo-worker", [
            "generate", "--model", path("model"), "--data", path("pku.jsonl"), "--max-new-tokens", "6", "--blas-core", "system"])
        let objects = try lines(result)
        #expect(objects.map { $0["prompt"] as? String } == ["Hi", "Yo"])
        #expect(result.stdout.hasPrefix(#"{"prompt":"Hi","completion":"#), "\(result.stdout)")

        let (config, parameters) = try ModelDirectory.load(directory: path("model"))
        let tokenizer = try PairTokenizer.load(path: path("model")).tokenizer
        let generator = try Generator(config: config, parameters: parameters)
        for (object, prompt) in zip(objects, ["Hi", "Yo"]) {
            var sampler = try TokenSampler(vocabulary: config.vocabulary)
            let expected = try generator.generate(prompt: tokenizer.promptIDs([.user(prompt)]), eos: tokenizer.eosID,
                                                  maxNewTokens: 6, sampler: &sampler)
            #expect(object["completion_ids"] as? [Int] == expected.ids)
            #expect(object["completion"] as? String == tokenizer.tokenizer.decode(expected.ids))
            #expect(object["stop"] as? String == expected.stop.rawValue)
        }
    }

    @Test func samplesRepeatForASeedAndDifferForAnother() throws {
        defer { scratch.remove() }
        try makeModel()
        func run(seed: Int) throws -> String {
            // Temperature 50 spreads the draws over nearly all 260 ids: 20 equal draws from two seeds are
            // out of the question.
            let result = try ProcessRunner.run("bfpo-worker", [
                "generate", "--model", path("model"), "--prompt", "Hi", "--max-new-tokens", "20", "--temperature", "50",
                "--top-p", "0.9", "--seed", "\(seed)"])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let first = try run(seed: 1)
        #expect(try run(seed: 1) == first)
        #expect(try run(seed: 2) != first)
        let ids = try #require(try lines(ProcessRunner.Output(status: 0, stdout: first, stderr: "")).first?["completion_ids"] as? [Int])
        #expect(ids.count <= 20 && !ids.isEmpty)
    }

    @Test func refusesAPromptTooLongAndAmbiguousInput() throws {
        defer { scratch.remove() }
        try makeModel(positions: 16)
        // "Hello there" renders to 21 tokens, more than the 16 positions.
        let long = try ProcessRunner.run("bfpo-worker", ["generate", "--model", path("model"), "--prompt", "Hello there"])
        #expect(long.status != 0)
        #expect(long.stderr.contains("--prompt: the prompt has 21 tokens, which leaves no room to generate within the model's n_positions (16)"),
                "\(long.stderr)")
        #expect(long.stdout.isEmpty)
        let both = try ProcessRunner.run("bfpo-worker", ["generate", "--model", path("model"), "--prompt", "Hi", "--data", "x.jsonl"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("give exactly one of --prompt and --data"), "\(both.stderr)")
        let absent = try ProcessRunner.run("bfpo-worker", ["generate", "--model", path("absent"), "--prompt", "Hi"])
        #expect(absent.status != 0)
        #expect(absent.stderr.contains(path("absent")), "\(absent.stderr)")
    }
}
