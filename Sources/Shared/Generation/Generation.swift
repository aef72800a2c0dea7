/// One prompt's generated tokens and why generation ended.
public struct Generation: Sendable, Equatable {
    /// Why no further token was generated.
    public enum Stop: String, Sendable, Equatable {
        /// The model produced the end-of-sequence token (not included in `ids`).
        case eos
        /// `maxNewTokens` tokens were generated.
        case length
        /// Prompt and completion fill the model's context (n_positions).
        case context
    }

    /// The generated ids, the end-of-sequence token excluded.
    public var ids: [Int]
    public var stop: Stop

    public init(ids: [Int], stop: Stop) {
        self.ids = ids
        self.stop = stop
    }
}
