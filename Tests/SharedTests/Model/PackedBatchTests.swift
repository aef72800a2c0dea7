import Testing
@testable import Shared

/// Packing with shared prefixes: which rows exist, where each sequence's tokens and counted positions
/// land, and the attention spans that see the shared rows.
struct PackedBatchTests {
    @Test func sharedPrefixIsPackedOnceAndEachResponseSeesIt() throws {
        let batch = try PackedBatch(groups: [
            [([5, 6, 7, 1, 2], [false, false, false, true, true]), ([5, 6, 7, 3], [false, false, false, true])],
            [([9, 8], [false, true])],
        ], vocabulary: 10, maxPositions: 8)
        #expect(batch.tokens == [5, 6, 7, 1, 2, 3, 9, 8])
        #expect(batch.positions == [0, 1, 2, 3, 4, 3, 0, 1])
        #expect(batch.spans == [
            .init(start: 0, count: 3, prefixStart: 0, prefixCount: 0, areaOffset: 0),
            .init(start: 3, count: 2, prefixStart: 0, prefixCount: 3, areaOffset: 9),
            .init(start: 5, count: 1, prefixStart: 0, prefixCount: 3, areaOffset: 19),
            .init(start: 6, count: 2, prefixStart: 6, prefixCount: 0, areaOffset: 23),
        ])
        #expect(batch.groupSpanStarts == [0, 3, 4])
        #expect(batch.rows(ofGroup: 0) == 0..<6)
        #expect(batch.rows(ofGroup: 1) == 6..<8)
        // Sequence 0 predicts 1 from the prompt's last row and 2 from its own first row; sequence 1
        // predicts 3 from the same prompt row.
        #expect(batch.countedRows == [2, 3, 2, 6])
        #expect(batch.countedTargets == [1, 2, 3, 8])
        #expect(batch.countedSequences == [0, 0, 1, 2])
        #expect(batch.countedPerSequence == [2, 1, 1])
        #expect(batch.sequenceTokenCount == 11)
        #expect(batch.tokenCount == 8)
        #expect(batch.attentionArea == 9 + 10 + 4 + 4)
        #expect(batch.widestSpan == 5)
    }

    @Test func sharingStopsOneTokenShortOfTheShortestMember() {
        #expect(PackedBatch.sharedPrefix([([1, 2, 3], []), ([1, 2, 3, 4], [])]) == 2)
        #expect(PackedBatch.sharedPrefix([([1, 2, 3], []), ([1, 2, 3], [])]) == 2)
        #expect(PackedBatch.sharedPrefix([([1, 2, 3], []), ([2, 2, 3], [])]) == 0)
        #expect(PackedBatch.sharedPrefix([([1, 2, 3, 4], []), ([1, 2, 5, 4], []), ([1, 7], [])]) == 1)
        #expect(PackedBatch.sharedPrefix([([1, 2, 3], [])]) == 0)
    }

    @Test func badSequencesAreNamedByTheirIndexAcrossGroups() {
        #expect(throws: ModelError.invalidBatch("sequence 2 token 1 has id 10, outside the vocabulary of 10")) {
            try PackedBatch(groups: [[([1, 2], [false, true]), ([1, 3], [false, true])], [([4, 10], [false, true])]],
                            vocabulary: 10, maxPositions: 8)
        }
        #expect(throws: ModelError.invalidBatch("sequence 1 has mask[0] = 1; the first token has no prediction")) {
            try PackedBatch(groups: [[([1, 2], [false, true]), ([1, 3], [true, true])]], vocabulary: 10, maxPositions: 8)
        }
        #expect(throws: ModelError.invalidBatch("a batch needs at least one sequence")) {
            try PackedBatch(groups: [[]], vocabulary: 10, maxPositions: 8)
        }
    }
}
