import Foundation
import Testing
@testable import Shared

/// `config.json` written from a source model keeps the source's fields this project does not model and
/// takes the ones it does from the configuration.
struct SourceConfigTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/Models/gpt2-tiny").path

    static func object(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// `value` as sorted-key JSON text, to compare values of any JSON type.
    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    @Test func writtenConfigKeepsTheSourcesOtherFieldsUnchanged() throws {
        let source = try SourceConfig(directory: Self.fixture)
        var config = try ModelDirectory.loadConfig(directory: Self.fixture)
        config.layerNormEpsilon = 1e-6
        try withTemporaryDirectory { directory in
            try ModelDirectory.save(config: config, parameters: ModelInitializer.parameters(for: config, seed: 1), to: directory, keeping: source)
            #expect(try ModelDirectory.loadConfig(directory: directory) == config)

            let original = try Self.object(Self.fixture + "/config.json")
            let written = try Self.object(directory + "/config.json")
            let carried = ["_name_or_path", "attn_pdrop", "embd_pdrop", "resid_pdrop", "initializer_range", "reorder_and_upcast_attn",
                           "summary_activation", "summary_first_dropout", "summary_proj_to_labels", "summary_type", "summary_use_proj",
                           "task_specific_params", "transformers_version", "use_cache"]
            for key in carried {
                let value = try #require(original[key], "\(key)")
                #expect(try Self.canonical(written[key] ?? "missing") == Self.canonical(value), "\(key)")
            }
            // Every source key is kept; ours that the source lacks are added.
            #expect(Set(written.keys).subtracting(original.keys) == ["add_cross_attention", "tie_word_embeddings"])
            #expect(Set(original.keys).isSubset(of: written.keys))
            // Modelled fields come from the configuration, the dtype from our F32 weights.
            #expect((written["layer_norm_epsilon"] as? Double).map { Float($0) } == 1e-6)
            #expect(written["torch_dtype"] as? String == "float32")
            #expect(written["dtype"] as? String == "float32")
            #expect(written["architectures"] as? [String] == ["GPT2LMHeadModel"])
            // JSON booleans stay booleans and null stays null, as transformers reads them.
            let text = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
            #expect(text.contains("\"summary_use_proj\" : true") || text.contains("\"summary_use_proj\": true"))
            #expect(text.contains("\"summary_activation\" : null") || text.contains("\"summary_activation\": null"))
            print("config.json: \(carried.count) carried fields equal to the source's; \(written.count) keys in all")
        }
    }

    @Test func withoutASourceTheConfigHasOurDefaults() throws {
        let config = GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 16, vocabulary: 20, eosTokenID: 3)
        try withTemporaryDirectory { directory in
            try ModelDirectory.save(config: config, parameters: ModelInitializer.parameters(for: config, seed: 1), to: directory)
            let written = try Self.object(directory + "/config.json")
            #expect(written["attn_pdrop"] as? Double == 0)
            #expect(written["torch_dtype"] as? String == "float32")
            #expect(written["dtype"] == nil)
            #expect(written["n_ctx"] as? Int == 16)
        }
    }

    @Test func sourceConfigThatIsNotAnObjectIsRefused() throws {
        try withTemporaryDirectory { directory in
            try "[1, 2]".write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
            #expect(throws: ModelError.invalidConfig(path: directory + "/config.json", reason: "it is not a JSON object")) {
                try SourceConfig(directory: directory)
            }
            #expect(throws: ModelError.missingFile(path: directory + "/none/config.json")) {
                try SourceConfig(directory: directory + "/none")
            }
        }
    }
}
