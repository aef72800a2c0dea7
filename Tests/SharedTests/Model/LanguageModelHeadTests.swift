import Testing
@testable import Shared

/// Chunking must not change the result: small row blocks and vocabulary chunks (several of each, with
/// ragged ends) give the same log-probs and gradients as one block and one chunk; and the thread count
/// must not change a single bit.
struct LanguageModelHeadTests {
    let V = 13, C = 8

    func run(
        _ batch: PackedBatch, hidden: [Float], wte: [Float], coefficients: [Float],
        shape: LanguageModelHead.Scratch.Shape, pool: ComputePool
    ) -> (logProbs: [Float], dHidden: [Float], dWTE: [Float]) {
        let M = batch.countedCount
        var logProbs = [Float](repeating: 0, count: M), lse = [Float](repeating: 0, count: M)
        var dHidden = [Float](repeating: 0, count: batch.tokenCount * C), dWTE = [Float](repeating: 0, count: V * C)
        let floats = FloatBuffer(count: shape.floats)
        let active = UnsafeMutablePointer<Int32>.allocate(capacity: M)
        defer { active.deallocate() }
        let scratch = LanguageModelHead.Scratch(shape: shape, floats: floats.pointer, active: active)
        LanguageModelHead.forward(logProbs: &logProbs, logSumExp: &lse, hidden: hidden, wte: wte, batch: batch,
                                  scratch: scratch, vocabulary: V, channels: C, pool: pool)
        LanguageModelHead.backward(dHidden: &dHidden, dWTE: &dWTE, coefficients: coefficients, hidden: hidden, wte: wte,
                                   logSumExp: lse, batch: batch, scratch: scratch, vocabulary: V, channels: C, pool: pool)
        return (logProbs, dHidden, dWTE)
    }

    @Test func chunkedRowsAndVocabularyMatchOneChunkOnAnyThreadCount() throws {
        let batch = try ModelFixtures.batch()
        var rng = TestRandom(seed: 3)
        let hidden = (0..<(batch.tokenCount * C)).map { _ in Float(rng.normal()) }
        let wte = (0..<(V * C)).map { _ in Float(rng.normal()) }
        let coefficients: [Float] = [0.5, -2, 0, 1.5]  // sequence 2 is skipped in the backward pass
        let M = batch.countedCount

        func shape(forwardRows: Int, backwardRows: Int, chunkWidth: Int, threads: Int) -> LanguageModelHead.Scratch.Shape {
            .init(forward: BLAS.Tiling(count: M, parts: (M + forwardRows - 1) / forwardRows, alignment: forwardRows),
                  backwardRows: backwardRows, chunkWidth: chunkWidth, vocabulary: V, channels: C, threads: threads)
        }
        let whole = run(batch, hidden: hidden, wte: wte, coefficients: coefficients,
                        shape: shape(forwardRows: M, backwardRows: M, chunkWidth: V, threads: 1), pool: ComputePool(threads: 1))
        let chunked = run(batch, hidden: hidden, wte: wte, coefficients: coefficients,
                          shape: shape(forwardRows: 7, backwardRows: 11, chunkWidth: 5, threads: 1), pool: ComputePool(threads: 1))
        let threaded = run(batch, hidden: hidden, wte: wte, coefficients: coefficients,
                           shape: shape(forwardRows: 7, backwardRows: 11, chunkWidth: 5, threads: 3), pool: ComputePool(threads: 3))
        // Both orders sum the same fp32 terms differently: agreement to 1e-5 absolute on values of order 1–10.
        let pairs = [(whole.logProbs, chunked.logProbs), (whole.dHidden, chunked.dHidden), (whole.dWTE, chunked.dWTE)]
        for (a, b) in pairs {
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5)
        }
        #expect(threaded.logProbs == chunked.logProbs)
        #expect(threaded.dHidden == chunked.dHidden)
        #expect(threaded.dWTE == chunked.dWTE)
        let skippedRows = (0..<batch.countedCount).filter { batch.countedSequences[$0] == 2 }.map { Int(batch.countedRows[$0]) }
        #expect(!skippedRows.isEmpty)
        for row in skippedRows { #expect(chunked.dHidden[(row * C)..<(row * C + C)].allSatisfy { $0 == 0 }) }
    }
}
