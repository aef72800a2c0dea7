import Shared

/// The pairs of one benchmark step, generated the same way by `bench/reference_step.py` (its
/// `step_data`), which checks the match through `checksum`.
///
/// One `RandomGenerator` stream from `seed`; for each pair in order it draws T/2 prompt ids (128 at
/// T = 256), then the chosen response's T − T/2 ids, then the rejected response's, every id
/// `next() % vocabulary`. Chosen and rejected share the prompt; the mask is 0 on the prompt and 1 on
/// the response. Pair i has chosen safe / rejected unsafe when i is even and the reverse when odd, so
/// BFPO's targets alternate between +100 and −100 and every pair has a non-zero gradient.
struct StepData {
    let pairs: [TokenizedPair]
    /// (checksum · 31 + id) mod 2³² over chosen then rejected ids of each pair, as the Python side.
    let checksum: UInt32

    init(config: BenchConfig, seed: UInt64) throws {
        var generator = RandomGenerator(seed: seed)
        let T = config.tokensPerSequence, promptLength = T / 2, responseLength = T - T / 2
        let V = UInt64(config.vocabulary)
        func draw(_ count: Int) -> [Int] { (0..<count).map { _ in Int(generator.next() % V) } }
        let mask = [Bool](repeating: false, count: promptLength) + [Bool](repeating: true, count: responseLength)
        var pairs: [TokenizedPair] = []
        var checksum: UInt32 = 0
        for i in 0..<config.pairs {
            let prompt = draw(promptLength)
            let chosen = prompt + draw(responseLength)
            let rejected = prompt + draw(responseLength)
            for id in chosen + rejected { checksum = checksum &* 31 &+ UInt32(id) }
            pairs.append(try TokenizedPair(
                chosenIDs: chosen, chosenMask: mask, rejectedIDs: rejected, rejectedMask: mask,
                chosenSafe: i % 2 == 0, rejectedSafe: i % 2 == 1,
                source: RowLocation(file: "bfpo-bench step data", line: i + 1)))
        }
        self.pairs = pairs
        self.checksum = checksum
    }

    /// Tokens one step scores: both sequences of every pair, prompt included (the unit of tokens/s on both
    /// sides of the comparison, although the Swift step computes a shared prompt once).
    var tokens: Int { pairs.reduce(0) { $0 + $1.chosenIDs.count + $1.rejectedIDs.count } }

    /// The pairs packed as the gradient engine packs them: one group per pair, the prompt shared.
    func packed(for model: GPT2Config) throws -> PackedBatch {
        try PackedBatch(groups: pairs.map { [($0.chosenIDs, $0.chosenMask), ($0.rejectedIDs, $0.rejectedMask)] },
                        vocabulary: model.vocabulary, maxPositions: model.positions)
    }
}
