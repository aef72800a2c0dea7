import Testing
@testable import Shared

/// Chunking must not change the result: small row blocks and vocabulary chunks (several of each, with
/// ragged ends) give the same log-probs and gradients as one block and one chunk.
struct LanguageModelHeadTests {
    @Test func chunkedRowsAndVocabularyMatchOneChunk() throws {
        let V = 13, C = 8
        let batch = try ModelFixtures.batch()
        var rng = TestRandom(seed: 3)
        let hidden = (0..<(batch.tokenCount * C)).map { _ in Float(rng.normal()) }
        let wte = (0..<(V * C)).map { _ in Float(rng.normal()) }
        let coefficients: [Float] = [0.5, -2, 0, 1.5]  // sequence 2 is skipped in the backward pass

        func run(rowBlock: Int, chunkWidth: Int) -> (logProbs: [Float], dHidden: [Float], dWTE: [Float]) {
            let M = batch.countedCount
            var logProbs = [Float](repeating: 0, count: M), lse = [Float](repeating: 0, count: M)
            var dHidden = [Float](repeating: 0, count: batch.tokenCount * C), dWTE = [Float](repeating: 0, count: V * C)
            let gathered = FloatBuffer(count: rowBlock * C), dGathered = FloatBuffer(count: rowBlock * C)
            let logits = FloatBuffer(count: rowBlock * chunkWidth), sums = FloatBuffer(count: rowBlock)
            let active = UnsafeMutablePointer<Int32>.allocate(capacity: M)
            defer { active.deallocate() }
            let scratch = LanguageModelHead.Scratch(
                gathered: gathered.pointer, dGathered: dGathered.pointer, logits: logits.pointer, rowSums: sums.pointer,
                active: active, rowBlock: rowBlock, chunkWidth: chunkWidth)
            LanguageModelHead.forward(logProbs: &logProbs, logSumExp: &lse, hidden: hidden, wte: wte, batch: batch,
                                      scratch: scratch, vocabulary: V, channels: C)
            LanguageModelHead.backward(dHidden: &dHidden, dWTE: &dWTE, coefficients: coefficients, hidden: hidden, wte: wte,
                                       logSumExp: lse, batch: batch, scratch: scratch, vocabulary: V, channels: C)
            return (logProbs, dHidden, dWTE)
        }
        let whole = run(rowBlock: batch.countedCount, chunkWidth: V)
        let chunked = run(rowBlock: 7, chunkWidth: 5)
        // Both orders sum the same fp32 terms differently: agreement to 1e-5 absolute on values of order 1–10.
        let pairs = [(whole.logProbs, chunked.logProbs), (whole.dHidden, chunked.dHidden), (whole.dWTE, chunked.dWTE)]
        for (a, b) in pairs {
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5)
        }
        let skippedRows = (0..<batch.countedCount).filter { batch.countedSequences[$0] == 2 }.map { Int(batch.countedRows[$0]) }
        #expect(!skippedRows.isEmpty)
        for row in skippedRows { #expect(chunked.dHidden[(row * C)..<(row * C + C)].allSatisfy { $0 == 0 }) }
    }
}
