/// Several token sequences of their own lengths packed end to end into one stream of N tokens, with the
/// positions whose log-prob counts (design.md "Tokenized pairs").
///
/// Packing is how chosen and rejected responses, and the pairs of a batch, run as one batch without
/// padding: every per-token layer works on all N rows at once, and attention stays within each
/// sequence. Invariants (checked at construction): every id < vocabulary, every sequence is 1...maxPositions
/// tokens long, `mask[0]` is false, and a counted position t predicts `tokens[t]` from row t − 1.
public struct PackedBatch: Sendable {
    /// (N) token ids of all sequences, concatenated.
    public let tokens: [Int32]
    /// (N) position of each token within its own sequence.
    public let positions: [Int32]
    /// (S + 1) offset of each sequence's first token; the last entry is N.
    public let sequenceStarts: [Int]
    /// (M) the row whose output predicts each counted token: the token's own row minus one.
    public let countedRows: [Int32]
    /// (M) the counted token ids.
    public let countedTargets: [Int32]
    /// (M) the sequence each counted token belongs to.
    public let countedSequences: [Int32]
    /// (S) counted tokens per sequence.
    public let countedPerSequence: [Int]

    public var tokenCount: Int { tokens.count }
    public var sequenceCount: Int { sequenceStarts.count - 1 }
    public var countedCount: Int { countedRows.count }
    public func length(of sequence: Int) -> Int { sequenceStarts[sequence + 1] - sequenceStarts[sequence] }
    public var longestSequence: Int { (0..<sequenceCount).map(length(of:)).max() ?? 0 }
    /// Σ T² over sequences: the size of one head's attention matrices for the whole batch.
    public var attentionArea: Int { (0..<sequenceCount).reduce(0) { $0 + length(of: $1) * length(of: $1) } }

    /// - Parameters:
    ///   - sequences: token ids and the loss mask of each sequence (`mask[t]` true: token t counts).
    ///   - vocabulary: ids must be below this.
    ///   - maxPositions: the model's `n_positions`; longer sequences are refused.
    /// - Throws: `ModelError.invalidBatch` naming the sequence and what is wrong with it.
    public init(sequences: [(ids: [Int], mask: [Bool])], vocabulary: Int, maxPositions: Int) throws {
        guard !sequences.isEmpty else { throw ModelError.invalidBatch("a batch needs at least one sequence") }
        var tokens: [Int32] = [], positions: [Int32] = [], starts = [0]
        var rows: [Int32] = [], targets: [Int32] = [], owners: [Int32] = [], perSequence: [Int] = []
        for (s, sequence) in sequences.enumerated() {
            let (ids, mask) = sequence
            guard !ids.isEmpty else { throw ModelError.invalidBatch("sequence \(s) is empty") }
            guard ids.count <= maxPositions else {
                throw ModelError.invalidBatch("sequence \(s) has \(ids.count) tokens, more than n_positions (\(maxPositions))")
            }
            guard mask.count == ids.count else {
                throw ModelError.invalidBatch("sequence \(s) has \(ids.count) ids but \(mask.count) mask entries")
            }
            guard !mask[0] else {
                throw ModelError.invalidBatch("sequence \(s) has mask[0] = 1; the first token has no prediction")
            }
            let start = tokens.count
            var counted = 0
            for (t, id) in ids.enumerated() {
                guard id >= 0, id < vocabulary else {
                    throw ModelError.invalidBatch("sequence \(s) token \(t) has id \(id), outside the vocabulary of \(vocabulary)")
                }
                tokens.append(Int32(id))
                positions.append(Int32(t))
                if mask[t] {
                    rows.append(Int32(start + t - 1))
                    targets.append(Int32(id))
                    owners.append(Int32(s))
                    counted += 1
                }
            }
            starts.append(tokens.count)
            perSequence.append(counted)
        }
        self.tokens = tokens
        self.positions = positions
        self.sequenceStarts = starts
        self.countedRows = rows
        self.countedTargets = targets
        self.countedSequences = owners
        self.countedPerSequence = perSequence
    }
}
