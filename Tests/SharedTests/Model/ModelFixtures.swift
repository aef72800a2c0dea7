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

    /// Groups whose members share prefixes: a pair with a 66-token prompt (longer than an attention row
    /// block); three sequences whose shared part is capped one token short of the shortest and holds
    /// counted tokens (so several sequences predict from the same row); and a sequence alone.
    static let groups: [[(ids: [Int], mask: [Bool])]] = {
        var rng = TestRandom(seed: 17)
        func draw(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 1..<13, using: &rng) } }
        let prompt = draw(66)
        let chosen = prompt + [0] + draw(8), rejected = prompt + [12] + draw(4)
        func responseMask(_ ids: [Int]) -> [Bool] { (0..<ids.count).map { $0 >= 66 } }
        return [
            [(chosen, responseMask(chosen)), (rejected, responseMask(rejected))],
            [([3, 1, 4, 1, 5, 9], [false, false, true, true, true, true]),
             ([3, 1, 4, 1, 2], [false, true, true, true, true]),
             ([3, 1, 4], [false, false, true])],
            [([11, 3, 10], [false, false, true])],
        ]
    }()

    /// `groups` packed with their prefixes shared, or (`shared: false`) every sequence on its own.
    static func groupedBatch(shared: Bool) throws -> PackedBatch {
        shared
            ? try PackedBatch(groups: groups, vocabulary: config.vocabulary, maxPositions: config.positions)
            : try PackedBatch(sequences: groups.flatMap { $0 }, vocabulary: config.vocabulary, maxPositions: config.positions)
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
