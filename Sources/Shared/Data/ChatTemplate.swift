/// The reference repository's zephyr-style chat template (docs/contracts.md, "Chat template"),
/// rendered to text:
///
///     prompt   = <|system|>\n{system}{eos}\n  <|user|>\n{user}{eos}\n  …  <|assistant|>\n
///     response = {content}{eos}
///
/// Every turn renders as `<|role|>\n{content}{eos}\n` in order; when the conversation does not open with
/// a system message an empty one is put first, as the reference does. The prompt ends with the
/// assistant header, so it is exactly the text generation starts from, and the response carries its one
/// `eos`. Unlike the reference trainer, nothing else is added: no BOS before the prompt and no second
/// EOS after the response.
public struct ChatTemplate: Sendable, Equatable {
    /// The end-of-sequence token's text, e.g. `<|endoftext|>` for GPT-2.
    public let eosToken: String

    public init(eosToken: String) {
        self.eosToken = eosToken
    }

    /// The prompt text of a conversation: its turns, then the assistant header.
    public func prompt(_ messages: [ChatMessage]) -> String {
        var text = messages.first?.role == .system ? "" : turn(.system(""))
        for message in messages { text += turn(message) }
        return text + header(.assistant)
    }

    /// The text of one response.
    public func response(_ content: String) -> String {
        content + eosToken
    }

    /// One rendered turn: header, content, eos, newline.
    public func turn(_ message: ChatMessage) -> String {
        header(message.role) + message.content + eosToken + "\n"
    }

    private func header(_ role: ChatMessage.Role) -> String { "<|\(role.rawValue)|>\n" }
}
