import Foundation
import Testing
@testable import Shared

/// The `transformers-gpt2-tiny` fixture, written once by `transformers` (scripts/make_model_fixture.py):
/// our readers read its files, and a checkpoint written from it has the values `transformers` wrote and
/// renders and tokenizes its chat template as `apply_chat_template` did.
struct TransformersFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/Models/transformers-gpt2-tiny").path

    struct Expected: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String
        }

        struct Case: Decodable {
            let messages: [Message]
            let addGenerationPrompt: Bool
            let text: String
            let ids: [Int]

            enum CodingKeys: String, CodingKey {
                case messages, text, ids
                case addGenerationPrompt = "add_generation_prompt"
            }
        }

        let transformersVersion: String
        let cases: [Case]

        enum CodingKeys: String, CodingKey {
            case cases
            case transformersVersion = "transformers_version"
        }
    }

    struct State: Codable { var step: Int }

    func decode<Value: Decodable>(_ type: Value.Type, _ path: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// `ChatTemplate`'s text for a case: the prompt, or for a conversation ending with the assistant's
    /// reply, the prompt before it, the response and the turn's newline.
    func render(_ item: Expected.Case, eos: String) throws -> String {
        let template = ChatTemplate(eosToken: eos)
        let messages = try item.messages.map { ChatMessage(role: try #require(ChatMessage.Role(rawValue: $0.role)), content: $0.content) }
        if item.addGenerationPrompt { return template.prompt(messages) }
        let reply = try #require(messages.last)
        return template.prompt(Array(messages.dropLast())) + template.response(reply.content) + "\n"
    }

    @Test func ourReadersReadTransformersFiles() throws {
        let directory = Self.fixture
        let config = try ModelDirectory.loadConfig(directory: directory)
        #expect(config == GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 32, vocabulary: 800, bosTokenID: 0, eosTokenID: 0))
        let tokenizer = try TokenizerLoader.load(path: directory)
        #expect(try ChatTemplate.endOfSequence(directory: directory, tokenizer: tokenizer)
                == ChatTemplate.EndOfSequence(token: "<|endoftext|>", id: 0, origin: "tokenizer_config.json"))
        let tokens = SpecialTokens(endOfText: .init(content: "<|endoftext|>", id: 0))
        #expect(try decode(TokenizerConfig.self, directory + "/tokenizer_config.json")
                == TokenizerConfig(tokenizerClass: "GPT2Tokenizer", tokens: tokens, maxLength: 32))
        #expect(try decode(SpecialTokensMap.self, directory + "/special_tokens_map.json") == SpecialTokensMap(tokens))
        #expect(try decode(GenerationConfig.self, directory + "/generation_config.json") == GenerationConfig(config: config, tokens: tokens))

        let expected = try decode(Expected.self, directory + "/expected.json")
        for item in expected.cases {
            #expect(try render(item, eos: "<|endoftext|>") == item.text)
            #expect(tokenizer.encode(item.text) == item.ids, "\(item.text.debugDescription)")
        }
        print("transformers \(expected.transformersVersion): \(expected.cases.count) apply_chat_template texts and ids equal ours")
    }

    @Test func checkpointWrittenFromItHasTheValuesTransformersWrote() throws {
        try withTemporaryDirectory { run in
            let config = try ModelDirectory.loadConfig(directory: Self.fixture)
            let (source, problem) = try ModelSource.resolve(model: Self.fixture, tokenizer: Self.fixture)
            #expect(problem == nil)
            let parameters = ModelInitializer.parameters(for: config, seed: 4), zeros = FloatBuffer(count: parameters.count)
            let checkpoint = try CheckpointStore(directory: run, keep: nil).write(
                step: 3, config: config, parameters: parameters, firstMoment: zeros, secondMoment: zeros, state: State(step: 3), source: source)

            #expect(try decode(TokenizerConfig.self, checkpoint + "/tokenizer_config.json")
                    == decode(TokenizerConfig.self, Self.fixture + "/tokenizer_config.json"))
            #expect(try decode(SpecialTokensMap.self, checkpoint + "/special_tokens_map.json")
                    == decode(SpecialTokensMap.self, Self.fixture + "/special_tokens_map.json"))
            #expect(try decode(GenerationConfig.self, checkpoint + "/generation_config.json")
                    == decode(GenerationConfig.self, Self.fixture + "/generation_config.json"))
            for name in ["vocab.json", "merges.txt"] {
                #expect(FileManager.default.contents(atPath: checkpoint + "/" + name) == FileManager.default.contents(atPath: Self.fixture + "/" + name))
            }
            // Every field transformers wrote is in our config.json with the same value.
            let theirs = try SourceConfigTests.object(Self.fixture + "/config.json")
            let ours = try SourceConfigTests.object(checkpoint + "/config.json")
            for (key, value) in theirs {
                #expect(try SourceConfigTests.canonical(ours[key] ?? "missing") == SourceConfigTests.canonical(value), "\(key)")
            }
            #expect(ours["torch_dtype"] as? String == "float32")
        }
    }
}
