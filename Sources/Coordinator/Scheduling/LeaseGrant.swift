import Shared

/// One batch handed to one worker.
struct LeaseGrant {
    let leaseID: UInt64
    let batch: Int
    let epoch: Int
    let step: Int
    let kind: Wire.LeaseKind
    let parameterSet: Wire.ParameterSet
    /// The versions of `parameterSet`'s shards the worker must compute on.
    let versions: [UInt64]
    let pairs: [TokenizedPair]
    /// π_ref log-probs of `pairs`, for gradient and eval leases.
    let reference: [ResponseLogProbs]
    /// How many of the last `pairs` come from the helpfulness buffer, and the weight of each one's loss.
    let bufferPairs: Int
    let bufferWeight: Double
    let seconds: Double
    /// What the lease does with its push (`CarriedPushes`): keep it for the next lease to carry, or carry
    /// the held lease of this id.
    var holdPush = false
    var carriesLeaseID: UInt64?
}
