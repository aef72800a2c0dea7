/// Which batches are waiting, which are out on lease to which worker until when, and which are done.
///
/// The ledger is what makes "nothing is lost, nothing is applied twice" hold (docs/architecture.md, "Guarantees"):
/// a batch is in exactly one of pending, leased or done; a lease that expires or whose worker is lost
/// puts its batch back in pending; a result is accepted only for a live lease held by the worker that
/// presents it, so a late result from an expired lease or a second result for a finished batch is refused.
/// Pending batches go out lowest id first, so a run's batch order does not depend on worker timing.
struct LeaseLedger {
    struct Lease: Equatable {
        let id: UInt64
        let batch: Int
        let worker: UInt64
        /// Seconds on the monotonic clock after which the lease is void.
        var deadline: Double
    }

    /// Why a result was refused.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case unknownLease(UInt64)
        case wrongWorker(lease: UInt64, holder: UInt64, presenter: UInt64)
        case batchMismatch(lease: UInt64, leased: Int, presented: Int)

        var description: String {
            switch self {
            case .unknownLease(let id):
                return "lease \(id) is not live (it expired, was revoked, or its batch is already done)"
            case .wrongWorker(let lease, let holder, let presenter):
                return "lease \(lease) belongs to worker \(holder), not worker \(presenter)"
            case .batchMismatch(let lease, let leased, let presented):
                return "lease \(lease) is for batch \(leased), not batch \(presented)"
            }
        }
    }

    private(set) var pending: [Int] = []          // sorted ascending
    private(set) var leases: [UInt64: Lease] = [:]
    private(set) var done: Set<Int> = []
    private var nextLeaseID: UInt64

    /// - Parameter firstLeaseID: where this coordinator's lease ids start. A restarted coordinator starts
    ///   elsewhere, so that a push a shard server still holds from before the restart can never be taken
    ///   for a push of a new lease (servers key held pushes by lease and worker id).
    init(firstLeaseID: UInt64 = 1) {
        nextLeaseID = firstLeaseID
    }

    /// No batch pending or leased.
    var isDrained: Bool { pending.isEmpty && leases.isEmpty }

    /// Adds batches to pending. Adding a batch that is already done is a programming error.
    mutating func add(_ batches: some Sequence<Int>) {
        for batch in batches {
            precondition(!done.contains(batch), "batch \(batch) is already done")
            insertPending(batch)
        }
    }

    /// Marks batches done without leasing them (a resumed run's completed batches).
    mutating func markDone(_ batches: some Sequence<Int>) {
        for batch in batches {
            if let index = pending.firstIndex(of: batch) { pending.remove(at: index) }
            done.insert(batch)
        }
    }

    /// Most live leases one worker may hold: the one it computes and either the one whose push its push
    /// thread is still delivering or the next, asked for ahead (a request asked ahead waits for the push
    /// before to be counted). More would only let one peer sit on a step's batches (a stall bounded by the
    /// lease deadline, but a stall).
    static let leasesPerWorker = 2

    /// Leases the lowest pending batch for which `eligible` holds to `worker` until `now + duration`; nil
    /// when none is eligible or `worker` already holds `leasesPerWorker` leases. Leases in `carried` do not
    /// count: each goes in the push of another lease the worker holds (`CarriedPushes`), so the two are one
    /// push in flight.
    mutating func lease(to worker: UInt64, now: Double, duration: Double, eligible: (Int) -> Bool = { _ in true },
                        carried: Set<UInt64> = []) -> Lease? {
        guard leases.values.lazy.filter({ $0.worker == worker && !carried.contains($0.id) }).count < Self.leasesPerWorker,
              let index = pending.firstIndex(where: eligible)
        else { return nil }
        let batch = pending.remove(at: index)
        let lease = Lease(id: nextLeaseID, batch: batch, worker: worker, deadline: now + duration)
        nextLeaseID += 1
        leases[lease.id] = lease
        return lease
    }

    /// The live lease `id` if `worker` holds it for `batch`, without changing anything.
    func check(lease id: UInt64, batch: Int, worker: UInt64) throws(Refusal) -> Lease {
        guard let lease = leases[id] else { throw .unknownLease(id) }
        guard lease.worker == worker else { throw .wrongWorker(lease: id, holder: lease.worker, presenter: worker) }
        guard lease.batch == batch else { throw .batchMismatch(lease: id, leased: lease.batch, presented: batch) }
        return lease
    }

    /// Ends a live lease with its batch done.
    mutating func complete(lease id: UInt64, batch: Int, worker: UInt64) throws(Refusal) {
        let lease = try check(lease: id, batch: batch, worker: worker)
        leases[id] = nil
        done.insert(lease.batch)
    }

    /// Ends a live lease with its batch back in pending (its result was computed but cannot be used).
    mutating func release(lease id: UInt64) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        insertPending(lease.batch)
    }

    /// Pushes a live lease's deadline to `now + duration` (the worker is still at it).
    mutating func extend(lease id: UInt64, now: Double, duration: Double) {
        leases[id]?.deadline = now + duration
    }

    /// Shifts every deadline by `seconds`: after the coordinator itself was busy (a checkpoint) and
    /// could not have heard from anyone, that time must not count against the workers.
    mutating func postpone(by seconds: Double) {
        for id in leases.keys { leases[id]!.deadline += seconds }
    }

    /// Voids leases past their deadline; their batches return to pending.
    mutating func expire(now: Double) -> [Lease] {
        let expired = leases.values.filter { $0.deadline < now }.sorted { $0.id < $1.id }
        for lease in expired { release(lease: lease.id) }
        return expired
    }

    /// Voids every lease of `worker` (lost, or gone); their batches return to pending.
    mutating func revoke(worker: UInt64) -> [Lease] {
        let held = leases.values.filter { $0.worker == worker }.sorted { $0.id < $1.id }
        for lease in held { release(lease: lease.id) }
        return held
    }

    /// Forgets everything (the start of a new epoch or phase).
    mutating func reset() {
        pending.removeAll()
        leases.removeAll()
        done.removeAll()
    }

    private mutating func insertPending(_ batch: Int) {
        var low = 0, high = pending.count
        while low < high {
            let mid = (low + high) / 2
            if pending[mid] < batch { low = mid + 1 } else { high = mid }
        }
        pending.insert(batch, at: low)
    }
}
