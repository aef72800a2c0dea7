import Foundation

/// Finding the template's end-of-sequence token for a model directory, as `transformers` would give
/// `tokenizer.eos_token`.
extension ChatTemplate {
    /// The end-of-sequence token, its id, and the file that named it.
    public struct EndOfSequence: Sendable, Equatable {
        public let token: String
        public let id: Int
        public let origin: String
    }

    /// The template for the model in `directory`, tokenized by `tokenizer`.
    public static func forModel(directory: String, tokenizer: any Tokenizer) throws -> (template: ChatTemplate, eos: EndOfSequence) {
        let eos = try endOfSequence(directory: directory, tokenizer: tokenizer)
        return (ChatTemplate(eosToken: eos.token), eos)
    }

    /// The first of, in order: `eos_token` of `tokenizer_config.json`; `eos_token` of
    /// `special_tokens_map.json` (a string or an `{"content": …}` object in both); `<|endoftext|>` when
    /// the tokenizer has it (GPT-2's default); the token of `config.json`'s `eos_token_id`. The token must
    /// be a single token of `tokenizer`, so the template's eos is always exactly one id.
    /// - Throws: `DatasetError.noEndOfSequenceToken` when no source names one, a file naming one is not
    ///   valid JSON, or the named token is not one token of the tokenizer.
    public static func endOfSequence(directory: String, tokenizer: any Tokenizer) throws -> EndOfSequence {
        func fail(_ reason: String) -> DatasetError { .noEndOfSequenceToken(directory: directory, reason: reason) }
        func object(_ name: String) throws -> [String: Any]? {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw fail("\(name) is not a JSON object")
            }
            return object
        }
        func named(in name: String) throws -> EndOfSequence? {
            guard let value = try object(name)?["eos_token"], !(value is NSNull) else { return nil }
            guard let token = (value as? String) ?? ((value as? [String: Any])?["content"] as? String) else {
                throw fail("\(name)'s \"eos_token\" is neither a string nor an object with a string \"content\"")
            }
            guard let id = tokenizer.id(ofToken: token) else {
                throw fail("\(name) names eos_token \"\(token)\", which is not a single token of the tokenizer")
            }
            return EndOfSequence(token: token, id: id, origin: name)
        }
        if let eos = try named(in: "tokenizer_config.json") { return eos }
        if let eos = try named(in: "special_tokens_map.json") { return eos }
        let gpt2 = "<|endoftext|>"
        if let id = tokenizer.id(ofToken: gpt2) { return EndOfSequence(token: gpt2, id: id, origin: "the tokenizer's <|endoftext|>") }
        if let raw = try object(ModelDirectory.configFileName)?["eos_token_id"], let id = JSONRecord.integer(raw) {
            guard id >= 0, id < tokenizer.vocabularySize else {
                throw fail("config.json's eos_token_id \(id) is outside the tokenizer's \(tokenizer.vocabularySize) ids")
            }
            let token = tokenizer.decode([id])
            guard tokenizer.id(ofToken: token) == id else {
                throw fail("config.json's eos_token_id \(id) decodes to \"\(token)\", which is not a token of its own")
            }
            return EndOfSequence(token: token, id: id, origin: "config.json's eos_token_id")
        }
        throw fail("neither tokenizer_config.json nor special_tokens_map.json names an eos_token, the tokenizer has no <|endoftext|>, and config.json has no eos_token_id")
    }
}
