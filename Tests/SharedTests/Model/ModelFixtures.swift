@testable import Shared

/// A tiny GPT-2 and a packed batch that exercise every code path: several sequences of different
/// lengths, masks with gaps, and one sequence longer than an attention row block.
enum ModelFixtures {
    static let config = GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 80, vocabulary: 13)

    static let sequences: [(ids: [Int], mask: [Bool])] = {
        var rng = TestRandom(seed: 7)
        let long = (0..<70).map { _ in Int.random(in: 0..<13, using: &rng) }
        return [
            ([1, 5, 2, 7, 3], [false, false, true, true, true]),
            ([4, 4, 9, 12, 0, 6, 8], [false, true, true, false, true, true, true]),
            ([11, 3, 10], [false, false, true]),
            (long, (0..<70).map { $0 >= 20 }),
        ]
    }()

    static func batch() throws -> PackedBatch {
        try PackedBatch(sequences: sequences, vocabulary: config.vocabulary, maxPositions: config.positions)
    }

    /// Random parameters of a size where every nonlinearity is away from its flat regions.
    static func parameters(seed: UInt64 = 1) -> [Double] {
        let layout = ParameterLayout(config: config)
        var rng = TestRandom(seed: seed)
        var values = (0..<layout.count).map { _ in 0.3 * rng.normal() }
        for spec in layout.tensors where spec.name.hasSuffix("ln_1.weight") || spec.name.hasSuffix("ln_2.weight")
            || spec.name.hasSuffix("ln_f.weight") {
            for i in spec.range { values[i] = 1 + 0.2 * rng.normal() }
        }
        return values
    }
}
