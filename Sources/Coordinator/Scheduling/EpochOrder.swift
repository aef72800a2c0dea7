import Shared

/// The data order of the epoch being gathered, and how it was drawn: each epoch's permutation of the
/// pairs comes from a seed that the run's generator draws when the epoch starts.
///
/// Why it keeps older seeds: a checkpoint records the order of the epoch of the next step to *apply*,
/// which lags the epoch being gathered while steps are queued or applied. It keeps each epoch's seed and
/// the generator just after drawing it until no checkpoint can name that epoch, so a resume draws the
/// same orders again.
struct EpochOrder {
    /// The epoch being gathered.
    private(set) var epoch: Int
    /// `order[i]`: the pair at position i of `epoch`.
    private(set) var order: [Int]
    /// The generator after drawing the newest epoch's seed.
    private var random: RandomGenerator
    private var seeds: [Int: (seed: UInt64, random: RandomGenerator)] = [:]
    private let pairCount: Int

    /// The first epoch of a run seeded with `seed`.
    init(pairCount: Int, seed: UInt64) {
        var random = RandomGenerator(seed: seed)
        self.init(pairCount: pairCount, epoch: 0, seed: random.next(), random: random)
    }

    /// `epoch`, whose order seed is `seed` and `random` the generator just after drawing it (a resumed run).
    init(pairCount: Int, epoch: Int, seed: UInt64, random: RandomGenerator) {
        self.pairCount = pairCount
        self.epoch = epoch
        self.random = random
        seeds[epoch] = (seed, random)
        order = DatasetOrder.permutation(count: pairCount, seed: seed)
    }

    /// Starts gathering epoch `next` with a newly drawn seed, forgetting the seeds of epochs before
    /// `oldestNeeded` (the epoch of the next step to apply).
    mutating func start(_ next: Int, oldestNeeded: Int) {
        epoch = next
        let seed = random.next()
        seeds[epoch] = (seed, random)
        seeds = seeds.filter { $0.key >= oldestNeeded }
        order = DatasetOrder.permutation(count: pairCount, seed: seed)
    }

    /// The order seed of `epoch` and the generator just after drawing it, for a checkpoint; the
    /// epoch being gathered's when `epoch` was not started yet.
    func seed(of epoch: Int) -> (seed: UInt64, random: RandomGenerator) {
        seeds[epoch] ?? seeds[self.epoch]!
    }
}
