/// One turn of a conversation, as the chat template renders it (docs/contracts.md, "Chat template").
public struct ChatMessage: Sendable, Equatable {
    /// The speaker; the rendered header is `<|system|>`, `<|user|>` or `<|assistant|>`.
    public enum Role: String, Sendable, Equatable, CaseIterable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}
