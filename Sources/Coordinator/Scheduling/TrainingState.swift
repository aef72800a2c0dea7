import Shared

/// Where a run stands at a checkpoint (the `state` of `state.json`, docs/contracts.md "Run directory"): enough
/// to continue from exactly there — the step, the epoch and its data order, which batches of the epoch
/// are already in applied steps, the RNG, and the shard layout with each shard's version and AdamW
/// step count.
struct TrainingState: Codable, Equatable {
    struct ShardState: Codable, Equatable {
        var offset: Int
        var count: Int
        var version: UInt64
        /// AdamW's step count t for this shard (bias correction).
        var optimizerSteps: Int
    }

    var runID: String
    /// Optimizer steps applied.
    var step: Int
    var totalSteps: Int
    var epoch: Int
    /// The seed the epoch's data order was drawn from (recipe seed and epoch).
    var orderSeed: UInt64
    /// Pairs of the epoch's order already consumed by applied steps.
    var position: Int
    /// Global ids of this epoch's batches whose gradients are in applied steps.
    var completedBatches: [Int]
    var random: RandomGenerator
    var shards: [ShardState]
    /// The plan the run was started with; a resume must match it.
    var pairs: Int
    var batchSize: Int
    var accumulation: Int
    var epochs: Int
    var tokensSeen: Int
}
