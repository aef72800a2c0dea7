import Foundation
import Testing
@testable import Shared

/// The cached decoder against full forward passes: its logits at every position against the naive
/// Double oracle's, prompt chunks against single tokens, its log-probs against the training forward
/// pass, and its refusals.
struct IncrementalDecoderTests {
    let config = ModelFixtures.config
    let parameters = ModelFixtures.parameters()

    func decoder() throws -> IncrementalDecoder {
        try IncrementalDecoder(config: config, parameters: FloatBuffer(parameters.map(Float.init)))
    }

    /// 75 random ids: more than one prompt chunk (64 rows), within the fixture's 80 positions.
    var sequence: [Int] {
        var rng = TestRandom(seed: 5)
        return (0..<75).map { _ in Int.random(in: 0..<config.vocabulary, using: &rng) }
    }

    /// |a − b| over the row's scale: fp32 against Double through two layers, ~1e-6; 1e-4 leaves headroom
    /// yet is far below what a wrong position, key or mask would cost (order 1e-1).
    func relativeError(_ logits: UnsafeBufferPointer<Float>, _ expected: [Double]) -> Double {
        let scale = max(1, expected.map(abs).max()!)
        return zip(logits, expected).map { abs(Double($0) - $1) }.max()! / scale
    }

    @Test func tokenByTokenLogitsEqualTheFullForwardPassAtEveryPosition() throws {
        let ids = sequence
        let expected = ReferenceGPT2(config: config).logits(parameters: parameters, ids: ids)
        let decoder = try decoder()
        var worst = 0.0
        for (t, id) in ids.enumerated() {
            let error = relativeError(try decoder.append(id), expected[t])
            worst = max(worst, error)
            #expect(error < 1e-4, "position \(t): relative error \(error)")
        }
        #expect(decoder.count == ids.count)
        print("cached decoder, one token at a time: worst relative logit error \(worst) over \(ids.count) positions")
    }

    @Test func promptChunksThenSingleTokensEqualTheFullForwardPass() throws {
        let ids = sequence
        let expected = ReferenceGPT2(config: config).logits(parameters: parameters, ids: ids)
        let decoder = try decoder()
        // 70 prompt tokens run as chunks of 64 and 6 rows; the next 5 one at a time.
        var worst = relativeError(try decoder.append(Array(ids[..<70])), expected[69])
        for t in 70..<75 { worst = max(worst, relativeError(try decoder.append(ids[t]), expected[t])) }
        #expect(worst < 1e-4, "worst relative logit error \(worst)")
        print("cached decoder, chunked prompt: worst relative logit error \(worst)")
    }

    @Test func logProbsFromTheDecoderEqualTheTrainingForwardPass() throws {
        let ids = Array(sequence[..<40]), mask = (0..<40).map { $0 > 0 }
        let batch = try PackedBatch(sequences: [(ids, mask)], vocabulary: config.vocabulary, maxPositions: config.positions)
        let weights = parameters.map(Float.init)
        let forward = GPT2(config: config).forward(parameters: weights, batch: batch, activations: Activations(config: config))[0]
        let decoder = try decoder()
        var total = 0.0
        for t in 0..<(ids.count - 1) {
            let logits = try decoder.append(ids[t]).map(Double.init)
            let peak = logits.max()!
            total += logits[ids[t + 1]] - peak - log(logits.reduce(0) { $0 + exp($1 - peak) })
        }
        // Two fp32 computations of ~40 summed log-probs, in different product shapes: ~1e-6 relative.
        #expect(abs(total - forward) <= 1e-5 * abs(forward), "decoder \(total) vs forward \(forward)")
    }

    @Test func resetStartsOverWithIdenticalLogits() throws {
        let decoder = try decoder()
        let first = Array(try decoder.append(Array(sequence[..<10])))
        _ = try decoder.append(3)
        decoder.reset()
        #expect(decoder.count == 0)
        #expect(Array(try decoder.append(Array(sequence[..<10]))) == first)
    }

    @Test func refusesBadTokensAndAFullContextWithoutDecoding() throws {
        let decoder = try decoder()
        #expect(throws: DecoderError.noTokens) { try decoder.append([]) }
        #expect(throws: DecoderError.tokenOutOfVocabulary(id: 13, index: 1, vocabulary: 13)) { try decoder.append([2, 13]) }
        #expect(throws: DecoderError.tokenOutOfVocabulary(id: -1, index: 0, vocabulary: 13)) { try decoder.append(-1) }
        #expect(decoder.count == 0)
        _ = try decoder.append([Int](repeating: 1, count: 78))
        #expect(throws: DecoderError.contextFull(decoded: 78, adding: 3, positions: 80)) { try decoder.append([1, 2, 3]) }
        #expect(decoder.count == 78)
        _ = try decoder.append([1, 2])
        #expect(throws: DecoderError.contextFull(decoded: 80, adding: 1, positions: 80)) { try decoder.append(1) }
        #expect(throws: ModelError.parameterCountMismatch(expected: ParameterLayout(config: config).count, actual: 5)) {
            try IncrementalDecoder(config: config, parameters: FloatBuffer(count: 5))
        }
    }
}
