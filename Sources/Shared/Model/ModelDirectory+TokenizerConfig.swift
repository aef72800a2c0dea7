import Foundation

/// The files that make a model directory's tokenizer usable by `transformers`' `AutoTokenizer`,
/// `apply_chat_template` and `generate` (docs/contracts.md, "Model directory").
extension ModelDirectory {
    /// Writes `tokenizer_config.json` and `special_tokens_map.json` for `tokens` and a tokenizer of
    /// class `tokenizerClass`; with the model's `config`, also `model_max_length` and
    /// `generation_config.json` with the tokens' ids where `config.json` has none.
    /// - Throws: `ModelError.cannotWrite`.
    public static func describeTokenizer(
        _ tokens: SpecialTokens, tokenizerClass: String, config: GPT2Config?, in directory: String
    ) throws {
        let tokenizerConfig = TokenizerConfig(tokenizerClass: tokenizerClass, tokens: tokens, maxLength: config?.positions)
        try write(tokenizerConfig, in: directory, as: TokenizerConfig.fileName)
        try write(SpecialTokensMap(tokens), in: directory, as: SpecialTokensMap.fileName)
        if let config {
            try write(GenerationConfig(config: config, tokens: tokens), in: directory, as: GenerationConfig.fileName)
        }
    }

    /// Writes `value` as pretty-printed JSON with sorted keys and a final newline to `directory/name`.
    static func write<Value: Encodable>(_ value: Value, in directory: String, as name: String) throws {
        try write(encodedJSON(value, in: directory, as: name), in: directory, as: name)
    }

    static func encodedJSON<Value: Encodable>(_ value: Value, in directory: String, as name: String) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw ModelError.cannotWrite(path: (directory as NSString).appendingPathComponent(name), reason: "\(error)")
        }
    }

    /// Writes `json` and a final newline to `directory/name`, atomically.
    static func write(_ json: Data, in directory: String, as name: String) throws {
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            try (json + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
