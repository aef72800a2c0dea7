/// Several token sequences of their own lengths packed end to end into one stream of N rows, with the
/// positions whose log-prob counts (the tokenized-pairs contract), and sequences that begin with the same
/// tokens sharing the rows of that common prefix (docs/compute.md, "Shared prompts").
///
/// Packing is how chosen and rejected responses, and the pairs of a batch, run as one batch without
/// padding: every per-token layer works on all N rows at once, and attention stays within each group.
/// A **group** is one sequence, or several sequences that share a prefix (the prompt of a preference
/// pair): its rows are the prefix once, then each sequence's remaining tokens. Causal attention makes the
/// prefix's hidden states independent of what follows it, so computing them once and letting each
/// sequence's own rows attend to the shared prefix keys and values gives exactly the unshared result.
///
/// Invariants (checked at construction): every id < vocabulary, every sequence is 1...maxPositions
/// tokens long, `mask[0]` is false, and a counted position t predicts `tokens[t]` from the row that
/// holds the sequence's token t − 1.
public struct PackedBatch: Sendable {
    /// Rows whose queries attend causally to themselves and, all of them, to an earlier shared prefix.
    public struct Span: Sendable, Equatable {
        /// First row and number of rows of the span's own tokens.
        public let start: Int
        public let count: Int
        /// First row and number of rows of the prefix every row of the span also sees (0 rows: none).
        public let prefixStart: Int
        public let prefixCount: Int
        /// Offset of the span's (count, prefixCount + count) attention matrix within one head's area.
        public let areaOffset: Int

        /// Keys a query of the span can see at most: the prefix, then its own rows.
        public var width: Int { prefixCount + count }
    }

    /// (N) token ids of all rows.
    public let tokens: [Int32]
    /// (N) position of each row's token within its sequence.
    public let positions: [Int32]
    /// Attention spans, group by group: a shared prefix's own span comes before the spans that see it.
    public let spans: [Span]
    /// (G + 1) index of each group's first span in `spans`; the last entry is the span count. Groups
    /// occupy disjoint, consecutive rows.
    public let groupSpanStarts: [Int]
    /// (M) the row whose output predicts each counted token.
    public let countedRows: [Int32]
    /// (M) the counted token ids.
    public let countedTargets: [Int32]
    /// (M) the sequence each counted token belongs to.
    public let countedSequences: [Int32]
    /// (S) counted tokens per sequence.
    public let countedPerSequence: [Int]
    /// Σ over sequences of their length: the tokens an unshared packing would compute.
    public let sequenceTokenCount: Int
    /// Σ over spans of count · width: the size of one head's attention matrices for the whole batch.
    public let attentionArea: Int
    /// The largest span width.
    public let widestSpan: Int

    /// Rows computed (N).
    public var tokenCount: Int { tokens.count }
    public var sequenceCount: Int { countedPerSequence.count }
    public var countedCount: Int { countedRows.count }
    public var groupCount: Int { groupSpanStarts.count - 1 }

    /// The rows of group `g`.
    public func rows(ofGroup g: Int) -> Range<Int> {
        let first = spans[groupSpanStarts[g]], last = spans[groupSpanStarts[g + 1] - 1]
        return first.start..<(last.start + last.count)
    }

    /// Every sequence in a group of its own: nothing shared.
    public init(sequences: [(ids: [Int], mask: [Bool])], vocabulary: Int, maxPositions: Int) throws {
        try self.init(groups: sequences.map { [$0] }, vocabulary: vocabulary, maxPositions: maxPositions)
    }

    /// - Parameters:
    ///   - groups: sequences (token ids and loss mask, `mask[t]` true: token t counts) in groups whose members
    ///     share their longest common prefix of ids, up to one token short of the shortest member (each
    ///     member keeps a row of its own). Sequences are numbered in order across groups.
    ///   - vocabulary: ids must be below this.
    ///   - maxPositions: the model's `n_positions`; longer sequences are refused.
    /// - Throws: `ModelError.invalidBatch` naming the sequence and what is wrong with it.
    public init(groups: [[(ids: [Int], mask: [Bool])]], vocabulary: Int, maxPositions: Int) throws {
        guard groups.contains(where: { !$0.isEmpty }) else {
            throw ModelError.invalidBatch("a batch needs at least one sequence")
        }
        var tokens: [Int32] = [], positions: [Int32] = [], spans: [Span] = [], groupStarts = [0]
        var rows: [Int32] = [], targets: [Int32] = [], owners: [Int32] = [], perSequence: [Int] = []
        var sequenceTokens = 0, area = 0, widest = 0
        func addSpan(start: Int, count: Int, prefixStart: Int, prefixCount: Int) {
            let span = Span(start: start, count: count, prefixStart: prefixStart, prefixCount: prefixCount, areaOffset: area)
            spans.append(span)
            area += count * span.width
            widest = max(widest, span.width)
        }
        for group in groups where !group.isEmpty {
            for (offset, sequence) in group.enumerated() {
                try PackedBatch.validate(sequence, index: perSequence.count + offset, vocabulary: vocabulary, maxPositions: maxPositions)
            }
            let shared = PackedBatch.sharedPrefix(group)
            let groupStart = tokens.count
            if shared > 0 {
                for t in 0..<shared {
                    tokens.append(Int32(group[0].ids[t]))
                    positions.append(Int32(t))
                }
                addSpan(start: groupStart, count: shared, prefixStart: groupStart, prefixCount: 0)
            }
            for (ids, mask) in group {
                let sequence = Int32(perSequence.count)
                let ownStart = tokens.count
                for t in shared..<ids.count {
                    tokens.append(Int32(ids[t]))
                    positions.append(Int32(t))
                }
                addSpan(start: ownStart, count: ids.count - shared, prefixStart: groupStart, prefixCount: shared)
                var counted = 0
                for t in 1..<ids.count where mask[t] {
                    let previous = t - 1
                    rows.append(Int32(previous < shared ? groupStart + previous : ownStart + previous - shared))
                    targets.append(Int32(ids[t]))
                    owners.append(sequence)
                    counted += 1
                }
                perSequence.append(counted)
                sequenceTokens += ids.count
            }
            groupStarts.append(spans.count)
        }
        self.tokens = tokens
        self.positions = positions
        self.spans = spans
        self.groupSpanStarts = groupStarts
        self.countedRows = rows
        self.countedTargets = targets
        self.countedSequences = owners
        self.countedPerSequence = perSequence
        self.sequenceTokenCount = sequenceTokens
        self.attentionArea = area
        self.widestSpan = widest
    }

    /// Tokens all members of `group` begin with, leaving each member at least one token of its own;
    /// 0 for a group of one.
    static func sharedPrefix(_ group: [(ids: [Int], mask: [Bool])]) -> Int {
        guard group.count > 1 else { return 0 }
        let first = group[0].ids
        var shared = group.map { $0.ids.count }.min()! - 1
        for (ids, _) in group.dropFirst() {
            var t = 0
            while t < shared, ids[t] == first[t] { t += 1 }
            shared = t
        }
        return shared
    }

    private static func validate(_ sequence: (ids: [Int], mask: [Bool]), index s: Int, vocabulary: Int, maxPositions: Int) throws {
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
        if let t = ids.firstIndex(where: { $0 < 0 || $0 >= vocabulary }) {
            throw ModelError.invalidBatch("sequence \(s) token \(t) has id \(ids[t]), outside the vocabulary of \(vocabulary)")
        }
    }
}
