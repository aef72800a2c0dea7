import Foundation
import Testing
@testable import Shared

/// `bfpo-worker init` then `make-tokenizer`, as the README and `make demo` run them, give a model
/// directory complete for `transformers`: each file is read back with the project's own readers.
struct ModelDirectoryCommandTests {
    func decode<Value: Decodable>(_ type: Value.Type, _ path: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func initThenMakeTokenizerWriteACompleteModelDirectory() throws {
        let scratch = try ScratchDirectory("model-directory")
        defer { scratch.remove() }
        let model = scratch.path("model")
        let initialized = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "1", "--heads", "2", "--embd", "8", "--vocab", "260", "--positions", "48",
            "--eos-token-id", "256", "--bos-token-id", "256", "--out", model])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(try decode(GenerationConfig.self, model + "/generation_config.json") == GenerationConfig(
            bosTokenID: 256, eosTokenID: 256, padTokenID: 256, maxLength: 48, doSample: false))

        let made = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", model])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: model).sorted() == [
            "config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"])
        let config = try decode(TokenizerConfig.self, model + "/tokenizer_config.json")
        #expect(config.tokenizerClass == "PreTrainedTokenizerFast")
        #expect([config.bosToken, config.eosToken, config.unkToken, config.padToken] == Array(repeating: "<|endoftext|>", count: 4))
        #expect(config.modelMaxLength == 48)
        #expect(config.addBosToken == false && config.cleanUpTokenizationSpaces == false)
        #expect(config.chatTemplate == ChatTemplate.jinja)
        let map = try decode(SpecialTokensMap.self, model + "/special_tokens_map.json")
        #expect(map == SpecialTokensMap(ByteTokenizer.roles))
        #expect(try decode(GenerationConfig.self, model + "/generation_config.json") == GenerationConfig(
            bosTokenID: 256, eosTokenID: 256, padTokenID: 256, maxLength: 48, doSample: false))
        let tokenizer = try TokenizerLoader.load(path: model)
        #expect(try ChatTemplate.endOfSequence(directory: model, tokenizer: tokenizer)
                == ChatTemplate.EndOfSequence(token: "<|endoftext|>", id: 256, origin: "tokenizer_config.json"))
    }

    /// `make-tokenizer --train-on`, as `bench/pipeline.sh` runs it: merges learned from a dataset's prompts and
    /// responses, the size printed, and `init`'s model then reads text with it; wrong uses are refused.
    @Test func makeTokenizerLearnsMergesFromADataset() throws {
        let scratch = try ScratchDirectory("trained-tokenizer")
        defer { scratch.remove() }
        let model = scratch.path("model"), data = scratch.path("pku.jsonl")
        let row = #"{"prompt":"Bake it, bake it","response_0":"bake it now","response_1":"I can't","is_response_0_safe":true,"is_response_1_safe":true,"better_response_id":0,"safer_response_id":1}"#
        try (row + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let initialized = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "1", "--heads", "2", "--embd", "8", "--vocab", "264", "--positions", "48",
            "--eos-token-id", "256", "--bos-token-id", "256", "--out", model])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let made = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", model, "--train-on", data, "--vocab-size", "264"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stderr.contains("learned 4 merges (4 tokens) from 3 texts"), "\(made.stderr)")
        #expect(made.stderr.contains("(264 ids: 256 bytes, then <|endoftext|> <|system|> <|user|> <|assistant|>, then 4 learned tokens)"))
        // (" ", i), (i, t), (a, k) and (k, e) each occur 3 times: the smaller left id goes first, so " i" (260),
        // "ak" (261), " it" (262), "ake" (263).
        let tokenizer = try TokenizerLoader.load(path: model)
        #expect(tokenizer.encode(" bake it") == [32, 98, 263, 262])
        let stats = try ProcessRunner.run("bfpo-worker", ["data-stats", "--data", data, "--model", model, "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")

        let noTraining = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", model, "--vocab-size", "1024"])
        #expect(noTraining.status != 0 && noTraining.stderr.contains("--vocab-size and --min-frequency need --train-on"))
        let tooSmall = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", model, "--train-on", data, "--vocab-size", "260"])
        #expect(tooSmall.status != 0 && tooSmall.stderr.contains("--vocab-size must be in 261...65536, not 260"))
        let never = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", model, "--train-on", data, "--min-frequency", "0"])
        #expect(never.status != 0 && never.stderr.contains("--min-frequency must be at least 1, not 0"))
        let tokenized = scratch.path("ids.jsonl")
        try #"{"chosen_ids":[1,2],"chosen_mask":[0,1],"rejected_ids":[1,3],"rejected_mask":[0,1],"is_chosen_safe":1,"is_rejected_safe":1}"#
            .write(toFile: tokenized, atomically: true, encoding: .utf8)
        let ids = try ProcessRunner.run("bfpo-worker", ["make-tokenizer", "--out", model, "--train-on", tokenized])
        #expect(ids.status != 0 && ids.stderr.contains("holds tokenized pairs: merges are learned from text"), "\(ids.stderr)")
    }
}
