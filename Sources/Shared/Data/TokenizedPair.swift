/// Where a row came from, carried with it so that errors found later (an id outside a model's
/// vocabulary, a sequence longer than its context) still name the file and line.
public struct RowLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    public var description: String { "\(file):\(line)" }
}

/// One preference pair in tokenized form (docs/contracts.md, "Tokenized pairs"): the chosen and rejected
/// sequences (prompt then response), their loss masks (`true` on response tokens) and safety labels.
///
/// Invariants, checked by the initializer: ids are non-negative, each mask has its sequence's length,
/// `mask[0]` is false, and each sequence has at least one response token. Model-dependent limits are
/// checked by `validate(vocabulary:maxPositions:)`.
public struct TokenizedPair: Sendable, Equatable {
    public let chosenIDs: [Int]
    public let chosenMask: [Bool]
    public let rejectedIDs: [Int]
    public let rejectedMask: [Bool]
    public let chosenSafe: Bool
    public let rejectedSafe: Bool
    public let source: RowLocation

    public init(
        chosenIDs: [Int], chosenMask: [Bool], rejectedIDs: [Int], rejectedMask: [Bool],
        chosenSafe: Bool, rejectedSafe: Bool, source: RowLocation
    ) throws {
        func check(_ ids: [Int], _ mask: [Bool], _ name: String) throws {
            func fail(_ field: String, _ reason: String) -> DatasetError {
                .invalidField(file: source.file, line: source.line, field: field, reason: reason)
            }
            guard !ids.isEmpty else { throw fail("\(name)_ids", "is empty") }
            if let bad = ids.firstIndex(where: { $0 < 0 }) {
                throw fail("\(name)_ids", "has a negative id \(ids[bad]) at index \(bad)")
            }
            guard mask.count == ids.count else {
                throw fail("\(name)_mask", "has \(mask.count) entries but \(name)_ids has \(ids.count)")
            }
            guard !mask[0] else {
                throw fail("\(name)_mask", "has mask[0] = 1; the first token has no preceding position to predict it")
            }
            guard mask.contains(true) else { throw fail("\(name)_mask", "marks no response token") }
        }
        try check(chosenIDs, chosenMask, "chosen")
        try check(rejectedIDs, rejectedMask, "rejected")
        self.chosenIDs = chosenIDs
        self.chosenMask = chosenMask
        self.rejectedIDs = rejectedIDs
        self.rejectedMask = rejectedMask
        self.chosenSafe = chosenSafe
        self.rejectedSafe = rejectedSafe
        self.source = source
    }

    /// Response tokens of the chosen sequence (SFT's normaliser).
    public var chosenResponseTokens: Int { chosenMask.lazy.filter { $0 }.count }

    /// Throws if an id is outside the vocabulary or a sequence is longer than the model's context.
    public func validate(vocabulary: Int, maxPositions: Int) throws {
        for (ids, name) in [(chosenIDs, "chosen_ids"), (rejectedIDs, "rejected_ids")] {
            if let bad = ids.firstIndex(where: { $0 >= vocabulary }) {
                throw DatasetError.invalidField(
                    file: source.file, line: source.line, field: name,
                    reason: "has id \(ids[bad]) at index \(bad), outside the model's vocabulary of \(vocabulary)")
            }
            guard ids.count <= maxPositions else {
                throw DatasetError.invalidField(
                    file: source.file, line: source.line, field: name,
                    reason: "has \(ids.count) tokens, more than the model's n_positions (\(maxPositions)); set --max-length")
            }
        }
    }
}
