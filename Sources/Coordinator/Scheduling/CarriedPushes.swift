/// One push for two leases (docs/parameter-servers.md, "One push for two leases"): which lease of a
/// synchronous step holds its gradient back, and which later lease of the same worker carries it, summed
/// into its own, so that the step's two gradients cross the wire once.
///
/// Why only a step's first two batches: the servers sum a synchronous step's pushes in batch order from
/// zero, ((0 + g0) + g1) + g2 …; one push of g0 + g1 makes that (0 + (g0 + g1)) + g2, the same bits, since
/// 0 + g0 is g0 exactly and fp32 addition is commutative. A sum of later batches pushed as one, (g2 + g3),
/// would change ((s + g2) + g3), and a rounded gradient form (bf16, int8, int4) of a sum is not the sum of
/// the rounded forms: the coordinator offers it under fp32 gradients only. And only to a worker alone in
/// the run, the one case where the step's second batch is sure to go to the worker holding the first;
/// elsewhere holding a push back would only delay what the bucketed overlap sends during the backward pass.
struct CarriedPushes {
    /// What a new gradient lease does with its push.
    enum Role: Equatable {
        /// Pushes its own gradient.
        case own
        /// Holds its gradient until the worker's next grant says whether that lease carries it.
        case hold
        /// Carries the held lease of this id: pushes the sum of both gradients, and names it.
        case carry(UInt64)
    }

    /// Leases granted with `.hold` and not yet done or forgotten: their batch and worker.
    private var held: [UInt64: (batch: Int, worker: UInt64)] = [:]
    /// Each carrier lease and the held lease it carries.
    private var carriers: [UInt64: UInt64] = [:]

    /// The role of lease `id` of `batch`, just granted to `worker` in a synchronous step of `stepBatches`
    /// under fp32 gradients; `alone` when the worker is the only one in the run.
    mutating func role(of id: UInt64, batch: Int, worker: UInt64, stepBatches: Range<Int>, alone: Bool) -> Role {
        guard stepBatches.count >= 2 else { return .own }
        if batch == stepBatches.lowerBound, alone {
            held[id] = (batch, worker)
            return .hold
        }
        guard batch == stepBatches.lowerBound + 1,
              let first = held.first(where: { $0.value == (stepBatches.lowerBound, worker) })?.key,
              !carriers.values.contains(first)
        else { return .own }
        carriers[id] = first
        return .carry(first)
    }

    /// The held lease `carrier` was granted to carry, if any.
    func carried(by carrier: UInt64) -> UInt64? { carriers[carrier] }

    /// The held leases that a carrier was granted to carry.
    var carried: Set<UInt64> { Set(carriers.values) }

    /// Forgets lease `id` (done, refused, expired or revoked). Returns the held lease it carried, whose
    /// gradient exists only in its push: that lease must be leased again too.
    mutating func forget(_ id: UInt64) -> UInt64? {
        held[id] = nil
        guard let carried = carriers.removeValue(forKey: id) else { return nil }
        held[carried] = nil
        return carried
    }

    /// Forgets everything (a new epoch or phase).
    mutating func reset() {
        held.removeAll()
        carriers.removeAll()
    }
}
