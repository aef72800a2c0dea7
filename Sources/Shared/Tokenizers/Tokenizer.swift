/// Text to token ids and back, exactly as Hugging Face `tokenizers` does it for the same files
/// (`encode(text).ids`: added tokens recognised in the text, nothing added around it).
///
/// Implementations are immutable after loading and safe to share across threads.
public protocol Tokenizer: Sendable {
    /// Number of ids, added tokens included: every id `encode` returns is below this.
    var vocabularySize: Int { get }
    /// The token ids of `text`.
    func encode(_ text: String) -> [Int]
    /// The text of `ids`; `decode(encode(text)) == text` for every valid UTF-8 text.
    func decode(_ ids: [Int]) -> String
    /// The id of a token written as its own string (an added token such as `<|endoftext|>`, or a
    /// vocabulary entry), if there is one.
    func id(ofToken token: String) -> Int?
}
