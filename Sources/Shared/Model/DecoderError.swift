/// Why the incremental decoder refused tokens. Descriptions read as sentences for the user.
public enum DecoderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing was given to decode.
    case noTokens
    /// A token id outside the model's vocabulary.
    case tokenOutOfVocabulary(id: Int, index: Int, vocabulary: Int)
    /// The tokens would not fit the model's context (n_positions).
    case contextFull(decoded: Int, adding: Int, positions: Int)
    /// A prompt leaves no room in the context for a generated token.
    case promptTooLong(tokens: Int, positions: Int)

    public var description: String {
        switch self {
        case .noTokens:
            return "no tokens to decode"
        case .tokenOutOfVocabulary(let id, let index, let vocabulary):
            return "token \(index) has id \(id), outside the model's vocabulary of \(vocabulary)"
        case .contextFull(let decoded, let adding, let positions):
            return "\(decoded) positions decoded plus \(adding) more exceed the model's n_positions (\(positions))"
        case .promptTooLong(let tokens, let positions):
            return "the prompt has \(tokens) tokens, which leaves no room to generate within the model's n_positions (\(positions))"
        }
    }
}
