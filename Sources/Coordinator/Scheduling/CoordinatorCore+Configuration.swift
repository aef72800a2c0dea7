import Shared

/// What a `CoordinatorCore` is set up with, the phase its run is in, and where it sends what it produces.
extension CoordinatorCore {
    struct Configuration {
        var runID: String
        var leaseSeconds: Double
        var maxStaleness: Int
        var saveSteps: Int
        var seed: UInt64
        var schedule: LearningRateSchedule
        var maxGradNorm: Double
        var waitSeconds: Double = 0.02
        /// Which metrics a step's line carries (SFT has no rewards).
        var objective: ObjectiveKind = .bfpo
        /// Optimizer steps between progress lines (recipe `logging_steps`); nil: every few seconds.
        var progressEverySteps: Int?
        /// The first lease id (`LeaseLedger.init(firstLeaseID:)`).
        var firstLeaseID: UInt64 = 1
    }

    /// Where the run is: computing π_ref's log-probs, training, or finished (and why).
    enum Phase: Equatable {
        case reference
        case training
        case finished(String)
    }

    /// What the core needs done outside itself.
    struct Sinks {
        /// Persists reference log-probs once the reference phase is complete.
        var referenceComplete: ([ResponseLogProbs]) throws -> Void
        /// Writes one optimizer step's metrics line.
        var metrics: (_ step: Int, _ values: [String: Double]) throws -> Void
        /// Writes a checkpoint of every shard's published parameters and optimizer state, with `state`.
        var checkpoint: (_ state: TrainingState, _ shards: ShardCheckpoint) throws -> Void
        /// Writes one evaluation's line (`eval_`-prefixed means, `epoch`) for the policy after `step` steps.
        var evaluation: (_ step: Int, _ values: [String: Double]) throws -> Void = { _, _ in }
    }
}
