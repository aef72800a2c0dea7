/// One preference pair in text form, whatever schema it was read from: the conversation before the
/// responses, the two response texts and their safety labels.
///
/// `chosen` is the more helpful response (the schema's `better_*`), not necessarily the safer one; the
/// labels carry safety (docs/objectives.md, "BFPO"). `prompt` holds the turns before the responses in order,
/// a leading system message included when the data has one; the template adds an empty one otherwise.
public struct PreferenceRow: Sendable, Equatable {
    public var prompt: [ChatMessage]
    public var chosen: String
    public var rejected: String
    public var chosenSafe: Bool
    public var rejectedSafe: Bool
    public var source: RowLocation

    public init(prompt: [ChatMessage], chosen: String, rejected: String, chosenSafe: Bool, rejectedSafe: Bool,
                source: RowLocation) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.chosenSafe = chosenSafe
        self.rejectedSafe = rejectedSafe
        self.source = source
    }
}
