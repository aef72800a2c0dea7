import Foundation
import Testing
@testable import Shared
@testable import Coordinator
@testable import Worker

/// A run's checkpoints are complete model directories for `transformers`, wired from the recipe: the
/// `model`'s other `config.json` fields, the `tokenizer`'s files (here `vocab.json` + `merges.txt`) and
/// the files that describe it.
extension InProcessSystemTests {
    @Test func checkpointsKeepTheModelsConfigFieldsAndTheRecipesTokenizer() throws {
        let configPath = path("model/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any])
        config["summary_type"] = "cls_index"
        config["resid_pdrop"] = 0.1
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let tokenizer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Tokenizers/vocab-merges").path

        try soloRun(settings: ["tokenizer=\(tokenizer)"])

        let latest = try String(contentsOfFile: path("solo/checkpoints/latest"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let checkpoint = path("solo/checkpoints/\(latest)")
        for name in ["vocab.json", "merges.txt"] {
            #expect(FileManager.default.contents(atPath: checkpoint + "/" + name) == FileManager.default.contents(atPath: tokenizer + "/" + name))
        }
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/config.json"))) as? [String: Any])
        #expect(written["summary_type"] as? String == "cls_index" && written["resid_pdrop"] as? Double == 0.1)
        let tokenizerConfig = try JSONDecoder().decode(TokenizerConfig.self, from: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/tokenizer_config.json")))
        #expect(tokenizerConfig == TokenizerConfig(tokenizerClass: "GPT2Tokenizer", tokens: SpecialTokens(endOfText: .init(content: "<|endoftext|>", id: 0)),
                                                   maxLength: 32))
        let generation = try JSONDecoder().decode(GenerationConfig.self, from: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/generation_config.json")))
        #expect(generation == GenerationConfig(bosTokenID: 0, eosTokenID: 0, padTokenID: 0, maxLength: 32, doSample: false))
        #expect(FileManager.default.fileExists(atPath: checkpoint + "/special_tokens_map.json"))
    }
}
