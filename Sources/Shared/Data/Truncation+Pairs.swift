/// Truncating a whole list of pairs, counting what changed so that nothing is dropped silently.
extension Truncation {
    /// The pairs kept, in order, and how many were cut or dropped.
    public struct Outcome: Sendable, Equatable {
        public let pairs: [TokenizedPair]
        /// Kept pairs that lost tokens.
        public let truncated: Int
        /// Pairs left out because no response token would remain.
        public let dropped: Int
        /// Pairs before truncation.
        public let total: Int
    }

    /// Applies `apply(to:)` to every pair.
    public func apply(to pairs: [TokenizedPair]) throws -> Outcome {
        var kept: [TokenizedPair] = []
        kept.reserveCapacity(pairs.count)
        var truncated = 0
        for pair in pairs {
            guard let cut = try apply(to: pair) else { continue }
            if cut != pair { truncated += 1 }
            kept.append(cut)
        }
        return Outcome(pairs: kept, truncated: truncated, dropped: pairs.count - kept.count, total: pairs.count)
    }

    /// One line for the log: the limits, and how many pairs were truncated and dropped.
    public func summary(of outcome: Outcome) -> String {
        "max_length \(maxLength), max_prompt_length \(maxPromptLength): \(outcome.truncated) of \(outcome.total) pairs truncated, "
            + "\(outcome.dropped) dropped (prompt leaves no room for a response token)"
    }
}
