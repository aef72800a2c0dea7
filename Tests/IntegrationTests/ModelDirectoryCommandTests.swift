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
}
