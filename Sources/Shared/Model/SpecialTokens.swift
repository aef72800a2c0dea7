/// The special tokens a model directory names for `transformers`, GPT-2's way: its one end-of-text
/// token is bos, eos and unk, and pad too, since GPT-2 has no padding token and its users pad with eos
/// (the attention mask hides the padding, and the chat template never asks for it).
public struct SpecialTokens: Sendable, Equatable {
    /// A token as its text and its id in the tokenizer.
    public struct Token: Sendable, Equatable {
        public let content: String
        public let id: Int

        public init(content: String, id: Int) {
            self.content = content
            self.id = id
        }
    }

    public let bos: Token
    public let eos: Token
    public let unk: Token
    public let pad: Token

    /// Every role taken by `endOfText`: the chat template's eos (`ChatTemplate.endOfSequence`).
    public init(endOfText: Token) {
        bos = endOfText
        eos = endOfText
        unk = endOfText
        pad = endOfText
    }

    public init(_ eos: ChatTemplate.EndOfSequence) {
        self.init(endOfText: Token(content: eos.token, id: eos.id))
    }
}
