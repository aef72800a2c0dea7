import Foundation
import Testing

/// `bfpo-worker gradient` and `data-stats` on text schemas, as users run them: rows tokenized with the
/// model directory's tokenizer (the byte tokenizer of `make-tokenizer`: bytes are ids 0–255, then
/// `<|endoftext|>` 256, `<|system|>` 257, `<|user|>` 258, `<|assistant|>` 259) and the chat template.
struct TextDatasetCommandTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("text-data") }

    func path(_ name: String) -> String { scratch.path(name) }

    let pku = """
        {"prompt":"Hi","response_0":"ok","response_1":"no","is_response_0_safe":true,"is_response_1_safe":false,"better_response_id":1,"safer_response_id":0}
        {"prompt":"Yo","response_0":"a","response_1":"bb","is_response_0_safe":true,"is_response_1_safe":true,"better_response_id":0,"safer_response_id":1}

        """

    func makeModel() throws {
        let initialized = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "1", "--heads", "2", "--embd", "8", "--vocab", "260", "--positions", "32", "--seed", "3",
            "--out", path("model")])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let tokenizer = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", path("model")])
        #expect(tokenizer.status == 0, "\(tokenizer.stderr)")
    }

    func bytes(_ text: String) -> [Int] { text.utf8.map(Int.init) }

    @Test func gradientTokenizesTextWithTheTemplateAndMatchesTheTokenizedForm() throws {
        defer { scratch.remove() }
        try makeModel()
        try pku.write(toFile: path("pku.jsonl"), atomically: true, encoding: .utf8)
        let text = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("model"), "--data", path("pku.jsonl"), "--threads", "1", "--out", path("text.safetensors")])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stderr.contains("eos <|endoftext|> (id 256"), "\(text.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(text.stdout.utf8)) as? [String: Any])
        let rows = try #require(report["pairs"] as? [[String: Any]])
        #expect(rows.count == 2)
        // <|system|>\n<eos>\n<|user|>\nHi<eos>\n<|assistant|>\n, then the better response (response_1) and one eos.
        let prompt = [257, 10, 256, 10, 258, 10] + bytes("Hi") + [256, 10, 259, 10]
        #expect(rows[0]["chosen_ids"] as? [Int] == prompt + bytes("no") + [256])
        #expect(rows[0]["rejected_ids"] as? [Int] == prompt + bytes("ok") + [256])
        #expect(rows[0]["chosen_mask"] as? [Int] == [Int](repeating: 0, count: prompt.count) + [1, 1, 1])
        #expect(rows[0]["is_chosen_safe"] as? Int == 0 && rows[0]["is_rejected_safe"] as? Int == 1)
        #expect(rows[1]["chosen_ids"] as? [Int] == [257, 10, 256, 10, 258, 10] + bytes("Yo") + [256, 10, 259, 10] + bytes("a") + [256])

        // The printed ids, fed back as the tokenized form, give the same loss and the same gradient bytes.
        let keys = ["chosen_ids", "chosen_mask", "rejected_ids", "rejected_mask", "is_chosen_safe", "is_rejected_safe"]
        let tokenized = try rows.map { row in
            String(decoding: try JSONSerialization.data(withJSONObject: row.filter { keys.contains($0.key) }), as: UTF8.self)
        }.joined(separator: "\n")
        try tokenized.write(toFile: path("pairs.jsonl"), atomically: true, encoding: .utf8)
        let ids = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("model"), "--data", path("pairs.jsonl"), "--threads", "1", "--out", path("ids.safetensors")])
        #expect(ids.status == 0, "\(ids.stderr)")
        let again = try #require(try JSONSerialization.jsonObject(with: Data(ids.stdout.utf8)) as? [String: Any])
        #expect(again["loss"] as? Double == report["loss"] as? Double)
        #expect(FileManager.default.contents(atPath: path("ids.safetensors")) == FileManager.default.contents(atPath: path("text.safetensors")))
    }

    @Test func badRowsFailNamingTheLineUnlessSkipped() throws {
        defer { scratch.remove() }
        try makeModel()
        let bad = pku + #"{"prompt":"Z","response_0":"a","response_1":"b","is_response_0_safe":true,"is_response_1_safe":true,"better_response_id":2,"safer_response_id":0}"# + "\n"
        try bad.write(toFile: path("pku.jsonl"), atomically: true, encoding: .utf8)
        let refused = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("model"), "--data", path("pku.jsonl"), "--out", path("grad.safetensors")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("pku.jsonl:3: field \"better_response_id\" must be 0 or 1, not 2"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        let skipped = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("model"), "--data", path("pku.jsonl"), "--skip-invalid", "--threads", "1",
            "--out", path("grad.safetensors")])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect(skipped.stderr.contains("pku.jsonl: skipped 1 of 3 rows (--skip-invalid): 1 with invalid field \"better_response_id\""),
                "\(skipped.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(skipped.stdout.utf8)) as? [String: Any])
        #expect((report["pairs"] as? [Any])?.count == 2)
    }

    @Test func dataStatsSummarizesATextDataset() throws {
        defer { scratch.remove() }
        try makeModel()
        try pku.write(toFile: path("pku.jsonl"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("bfpo-worker", [
            "data-stats", "--data", path("pku.jsonl"), "--model", path("model"), "--max-length", "14", "--max-prompt-length", "12", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["pairs"] as? Int == 2)
        let labels = try #require(summary["labels"] as? [String: Int])
        #expect(labels == ["chosen_safe_rejected_safe": 1, "chosen_safe_rejected_unsafe": 0,
                           "chosen_unsafe_rejected_safe": 1, "chosen_unsafe_rejected_unsafe": 0])
        // Both prompts are 12 tokens; responses 3, 3 (pair 1) and 2, 3 (pair 2); at 14 tokens each pair is cut.
        let prompts = try #require(summary["prompt_tokens"] as? [String: Any])
        #expect(prompts["p50"] as? Int == 12 && prompts["max"] as? Int == 12)
        let responses = try #require(summary["response_tokens"] as? [String: Any])
        #expect(responses["min"] as? Int == 2 && responses["max"] as? Int == 3 && responses["count"] as? Int == 4)
        #expect(summary["truncated"] as? Int == 2 && summary["dropped"] as? Int == 0 && summary["skipped"] as? Int == 0)
    }
}
