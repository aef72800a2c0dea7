/// A token matched in the text before pre-tokenization, as in the `added_tokens` list of a
/// `tokenizer.json`: special tokens such as `<|endoftext|>` and user-added words.
///
/// Matching follows `tokenizers`: leftmost-longest over the text; `singleWord` tokens only match with no
/// word character (`\w`) touching either end; `leftStrip`/`rightStrip` tokens swallow the whitespace
/// before/after them; `normalized == false` tokens are matched first, on the whole text, and the
/// `normalized` ones afterwards on what is left between them.
public struct AddedToken: Equatable, Sendable {
    public var content: String
    public var id: Int
    public var singleWord: Bool
    public var leftStrip: Bool
    public var rightStrip: Bool
    public var normalized: Bool
    public var special: Bool

    public init(content: String, id: Int, singleWord: Bool = false, leftStrip: Bool = false,
                rightStrip: Bool = false, normalized: Bool = false, special: Bool = true) {
        self.content = content
        self.id = id
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized
        self.special = special
    }
}
