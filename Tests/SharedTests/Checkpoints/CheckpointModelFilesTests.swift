import Foundation
import Testing
@testable import Shared

/// A checkpoint is a model directory `transformers` reads completely: the source's tokenizer files in
/// whichever form it has them, `tokenizer_config.json`, `special_tokens_map.json` and
/// `generation_config.json` naming the tokens training used, and the source's other `config.json` fields.
/// Each file is read back here with the project's own readers.
struct CheckpointModelFilesTests {
    struct State: Codable { var step: Int }

    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// `gpt2-tiny`'s files with the `vocab-merges` tokenizer (and an `added_tokens.json`) in `directory`.
    func makeVocabMergesSource(in directory: String) throws {
        let files = [("Models/gpt2-tiny/config.json", "config.json"), ("Models/gpt2-tiny/tokenizer_config.json", "tokenizer_config.json"),
                     ("Tokenizers/vocab-merges/vocab.json", "vocab.json"), ("Tokenizers/vocab-merges/merges.txt", "merges.txt")]
        for (from, to) in files { try FileManager.default.copyItem(atPath: Self.models + "/" + from, toPath: directory + "/" + to) }
        try "{}".write(toFile: directory + "/added_tokens.json", atomically: true, encoding: .utf8)
    }

    /// Writes step 1 from the source at `source` and returns the checkpoint's directory and configuration.
    func writeCheckpoint(from source: String, run: String) throws -> (String, GPT2Config) {
        let config = try ModelDirectory.loadConfig(directory: source)
        let (model, problem) = try ModelSource.resolve(model: source, tokenizer: source)
        #expect(problem == nil)
        let parameters = ModelInitializer.parameters(for: config, seed: 2), zeros = FloatBuffer(count: parameters.count)
        let path = try CheckpointStore(directory: run + "/checkpoints", keep: nil).write(
            step: 1, config: config, parameters: parameters, firstMoment: zeros, secondMoment: zeros, state: State(step: 1), source: model)
        return (path, config)
    }

    func decode<Value: Decodable>(_ type: Value.Type, _ path: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func vocabMergesSourceGivesACompleteCheckpoint() throws {
        try withTemporaryDirectory { run in
            let source = run + "/source"
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try makeVocabMergesSource(in: source)
            let (checkpoint, config) = try writeCheckpoint(from: source, run: run)

            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoint).sorted() == [
                "added_tokens.json", "config.json", "generation_config.json", "merges.txt", "model.safetensors", "optimizer.safetensors",
                "special_tokens_map.json", "state.json", "state.json.sha256", "tokenizer_config.json", "vocab.json"])
            for name in ["vocab.json", "merges.txt", "added_tokens.json"] {
                #expect(FileManager.default.contents(atPath: checkpoint + "/" + name) == FileManager.default.contents(atPath: source + "/" + name), "\(name)")
            }
            let tokenizer = try TokenizerLoader.load(path: checkpoint)
            let original = try TokenizerLoader.load(path: source)
            let text = "<|system|>\nHello there<|endoftext|>\n"
            #expect(tokenizer.encode(text) == original.encode(text))
            #expect(tokenizer.id(ofToken: "<|endoftext|>") == 0)

            let tokenizerConfig = try decode(TokenizerConfig.self, checkpoint + "/tokenizer_config.json")
            #expect(tokenizerConfig.tokenizerClass == "GPT2Tokenizer")
            #expect([tokenizerConfig.bosToken, tokenizerConfig.eosToken, tokenizerConfig.unkToken, tokenizerConfig.padToken] == Array(repeating: "<|endoftext|>", count: 4))
            #expect(tokenizerConfig.modelMaxLength == 32)
            #expect(tokenizerConfig.addBosToken == false)
            #expect(tokenizerConfig.cleanUpTokenizationSpaces == false)
            #expect(tokenizerConfig.chatTemplate == ChatTemplate.jinja)

            let map = try decode(SpecialTokensMap.self, checkpoint + "/special_tokens_map.json")
            #expect([map.bosToken, map.eosToken, map.unkToken, map.padToken] == Array(repeating: "<|endoftext|>", count: 4))

            let generation = try decode(GenerationConfig.self, checkpoint + "/generation_config.json")
            #expect(generation.bosTokenID == 0 && generation.eosTokenID == 0 && generation.padTokenID == 0)
            #expect(generation.maxLength == config.positions)
            #expect(generation.doSample == false)
            let generationKeys = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/generation_config.json"))) as? [String: Any]).keys
            #expect(Set(generationKeys) == ["bos_token_id", "eos_token_id", "pad_token_id", "max_length", "do_sample"])

            // The chat template's eos of the checkpoint is the one training used, named by tokenizer_config.json.
            let eos = try ChatTemplate.endOfSequence(directory: checkpoint, tokenizer: tokenizer)
            #expect(eos == ChatTemplate.EndOfSequence(token: "<|endoftext|>", id: 0, origin: "tokenizer_config.json"))
            #expect(try ModelDirectory.loadConfig(directory: checkpoint) == config)
            let written = try SourceConfigTests.object(checkpoint + "/config.json")
            #expect(written["summary_type"] as? String == "cls_index" && written["attn_pdrop"] as? Double == 0.1)

            // The checkpoint verifies with its new files and loads.
            let recovery = try CheckpointStore(directory: run + "/checkpoints", keep: nil).loadLatest(State.self)
            #expect(recovery.problems.isEmpty)
            #expect(recovery.checkpoint?.config == config)
        }
    }

    @Test func tokenizerJSONSourceGivesTheFastClassAndItsEOS() throws {
        try withTemporaryDirectory { run in
            let source = run + "/source"
            let config = GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 24, vocabulary: ByteTokenizer.baseVocabularySize)
            try ModelDirectory.save(config: config, parameters: ModelInitializer.parameters(for: config, seed: 1), to: source)
            try ByteTokenizer.write(to: source + "/tokenizer.json")
            let (checkpoint, _) = try writeCheckpoint(from: source, run: run)

            #expect(FileManager.default.contents(atPath: checkpoint + "/tokenizer.json") == Data(ByteTokenizer.json().utf8))
            #expect(!FileManager.default.fileExists(atPath: checkpoint + "/vocab.json"))
            #expect(try TokenizerLoader.load(path: checkpoint).encode("<|user|>\nhi") == ByteTokenizer.make().encode("<|user|>\nhi"))
            #expect(try decode(TokenizerConfig.self, checkpoint + "/tokenizer_config.json") == TokenizerConfig(
                tokenizerClass: "PreTrainedTokenizerFast", tokens: ByteTokenizer.roles, maxLength: 24))
            // config.json has no token ids: generate's come from the tokenizer's eos.
            let generation = try decode(GenerationConfig.self, checkpoint + "/generation_config.json")
            #expect(generation == GenerationConfig(config: config, tokens: ByteTokenizer.roles))
            #expect(generation.eosTokenID == 256 && generation.bosTokenID == 256 && generation.padTokenID == 256)
        }
    }

    @Test func sourceWithoutTokenizerGivesNoTokenizerFiles() throws {
        try withTemporaryDirectory { run in
            let source = run + "/source"
            let config = GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 24, vocabulary: 30, eosTokenID: 5)
            try ModelDirectory.save(config: config, parameters: ModelInitializer.parameters(for: config, seed: 1), to: source)
            let (checkpoint, _) = try writeCheckpoint(from: source, run: run)
            #expect(!FileManager.default.fileExists(atPath: checkpoint + "/tokenizer_config.json"))
            let generation = try decode(GenerationConfig.self, checkpoint + "/generation_config.json")
            #expect(generation == GenerationConfig(config: config, tokens: nil))
            #expect(generation.eosTokenID == 5 && generation.padTokenID == 5 && generation.bosTokenID == nil)
        }
    }
}
