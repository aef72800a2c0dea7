import Testing
@testable import Shared

/// The merge loop: lowest rank first, leftmost on ties, stale candidates ignored.
struct BPEMergeTableTests {
    // Ids: a=0 b=1 c=2 ab=3 bc=4 abc=5 aa=6 aaaa=7
    func table(_ rules: [(Int32, Int32, Int32)]) -> BPEMergeTable {
        var table = BPEMergeTable()
        for (rank, rule) in rules.enumerated() { table.insert(left: rule.0, right: rule.1, merged: rule.2, rank: rank) }
        return table
    }

    func merged(_ symbols: [Int32], _ table: BPEMergeTable) -> [Int32] {
        var symbols = symbols
        table.merge(&symbols)
        return symbols
    }

    @Test func lowestRankMergesFirst() {
        // "abc": with (b c) ranked first, a + bc; with (a b) first, ab + c and then (ab c) → abc.
        #expect(merged([0, 1, 2], table([(1, 2, 4), (0, 1, 3)])) == [0, 4])
        #expect(merged([0, 1, 2], table([(0, 1, 3), (1, 2, 4), (3, 2, 5)])) == [5])
    }

    @Test func equalRanksMergeLeftmostFirst() {
        // "aaaaa" with (a a) then (aa aa): aa aa a, then aaaa a.
        #expect(merged([0, 0, 0, 0, 0], table([(0, 0, 6), (6, 6, 7)])) == [7, 0])
        #expect(merged([0, 0, 0], table([(0, 0, 6)])) == [6, 0])
    }

    @Test func laterDuplicateKeepsTheLaterRank() {
        // (b c) at ranks 0 and 2, (a b) at 1: as in tokenizers, (b c) ranks 2, so "abc" → ab + c.
        #expect(merged([0, 1, 2], table([(1, 2, 4), (0, 1, 3), (1, 2, 4)])) == [3, 2])
    }

    @Test func symbolsWithoutRulesStay() {
        #expect(merged([2, 2, 1], table([(0, 1, 3)])) == [2, 2, 1])
        #expect(merged([0], table([(0, 0, 6)])) == [0])
        #expect(merged([], table([(0, 0, 6)])) == [])
    }
}
