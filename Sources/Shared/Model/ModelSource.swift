import Foundation

/// What every model directory written from a source model (a run's checkpoints, from the recipe's
/// `model`) takes from it, so each is as complete for `transformers` as the source: the fields of its
/// `config.json` this project does not model, its tokenizer files, copied, and the special tokens
/// training used, described in `tokenizer_config.json`, `special_tokens_map.json` and
/// `generation_config.json`.
public struct ModelSource: Sendable, Equatable {
    public var config: SourceConfig?
    public var tokenizer: TokenizerFiles?
    /// Nil when the tokenizer files cannot be loaded: they are still copied, but not described.
    public var tokens: SpecialTokens?

    public init(config: SourceConfig?, tokenizer: TokenizerFiles?, tokens: SpecialTokens?) {
        self.config = config
        self.tokenizer = tokenizer
        self.tokens = tokens
    }

    /// The source at `model`, with the tokenizer at `tokenizer` (a file or a directory, as
    /// `PairTokenizer.load` reads it) and its special tokens as the chat template takes them. `eos`, when
    /// the caller has loaded that tokenizer already, is its end of sequence: the tokenizer is then not read
    /// again.
    /// - Returns: the source, and why its tokenizer cannot be described when it cannot (it is then
    ///   copied as it is, so training with tokenized data does not depend on our reading it).
    /// - Throws: `ModelError` when `model/config.json` is missing or not a JSON object.
    public static func resolve(model: String, tokenizer: String, eos loaded: ChatTemplate.EndOfSequence? = nil) throws -> (source: ModelSource, problem: String?) {
        let config = try SourceConfig(directory: model)
        guard let files = TokenizerFiles(at: tokenizer) else { return (ModelSource(config: config, tokenizer: nil, tokens: nil), nil) }
        do {
            let eos = try loaded ?? PairTokenizer.load(path: tokenizer).eos
            return (ModelSource(config: config, tokenizer: files, tokens: SpecialTokens(eos)), nil)
        } catch {
            return (ModelSource(config: config, tokenizer: files, tokens: nil), "\(error)")
        }
    }
}
