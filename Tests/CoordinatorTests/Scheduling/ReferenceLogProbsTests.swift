import Testing
import Shared
@testable import Coordinator

struct ReferenceLogProbsTests {
    /// Batches of 2 over 5 pairs: the last batch holds one; a push is stored only whole and valid, and the
    /// log-probs are all known once every batch is in.
    @Test func batchesAreStoredWholeAndValid() {
        var reference = ReferenceLogProbs(count: 5, batchSize: 2, known: nil)
        #expect(reference.batchCount == 3 && reference.range(ofBatch: 1) == 2..<4 && reference.range(ofBatch: 2) == 4..<5)
        #expect(reference.record(batch: 2, logProbs: [-1, -2, -3, -4]) == "reference push for batch 2 has 4 log-probs, expected 2")
        #expect(reference.record(batch: 0, logProbs: [-1, 0.5, -3, -4])
                == "reference push for batch 0 holds a log-prob that is not a finite number ≤ 0")
        #expect(reference.record(batch: 0, logProbs: [-1, -2, -.infinity, -4]) != nil)
        #expect(reference.record(batch: 0, logProbs: [-1, -2, -3, 0]) == nil)
        #expect(reference.record(batch: 2, logProbs: [-9, -10]) == nil)
        #expect(reference.all == nil, "batch 1 is missing")
        #expect(reference.record(batch: 1, logProbs: [-5, -6, -7, -8]) == nil)
        #expect(reference[3] == ResponseLogProbs(chosen: -7, rejected: -8))
        #expect(reference.all?.map(\.chosen) == [-1, -3, -5, -7, -9] && reference.all?.map(\.rejected) == [-2, 0, -6, -8, -10])
    }

    @Test func knownLogProbsAreAllThere() {
        let known = [ResponseLogProbs(chosen: -1, rejected: -2), ResponseLogProbs(chosen: -3, rejected: -4)]
        let reference = ReferenceLogProbs(count: 2, batchSize: 4, known: known)
        #expect(reference.all == known && reference[1] == known[1] && reference.batchCount == 1)
    }
}
