import Foundation
import Shared

/// One shard server's work, free of sockets and threads of its own (docs/parameter-servers.md): it owns
/// a contiguous run of shards (a `ShardStore`), holds the gradients workers push to it, shard by shard
/// (`HeldGradient`), until the coordinator names the pushes that make a step, sums them in the order
/// given, reports each shard's Σ g² for global-norm clipping, and applies the step when told the scale.
///
/// The same type serves inside the coordinator process and in `bfpo-coordinator serve`. Pushes arrive on
/// one thread and steps are driven from another, so the held pushes are guarded by a lock; pulls read
/// the store's snapshots, which have locks of their own.
final class ShardServer: @unchecked Sendable {
    let store: ShardStore
    /// (Σ over the step's pushes) of each owned trained shard, in the order of `store.trainedShards`.
    private let sums: [FloatBuffer]
    private let lock = NSLock()
    private var held: [Wire.LeaseRef: HeldGradient] = [:]
    /// Pushes already reduced or dropped, newest last, so that a late duplicate is refused instead of
    /// held forever. Bounded: the oldest are forgotten first.
    private var released: [Wire.LeaseRef] = []
    private var releasedSet: Set<Wire.LeaseRef> = []
    private static let rememberedReleases = 4096
    /// Leases whose gradients are held at once per key. An honest worker holds at most a few leases
    /// (`LeaseLedger`), each pushed once; a peer pushing for leases it was never granted (they are never
    /// named by a step) would otherwise pin a gradient's memory per lease.
    static let heldPerKey = 16
    /// The step whose sums are ready to commit.
    private(set) var reducedStep: UInt64?

    init(store: ShardStore) {
        self.store = store
        sums = store.trainedShards.map { FloatBuffer(count: $0.range.count) }
    }

    var ranges: [Range<Int>] { store.ranges }
    /// The shards a lease's gradient covers here, in order: the owned trained shards.
    var trainedShardIDs: [UInt32] { store.trainedShards.map { UInt32($0.index) } }
    var heldCount: Int { lock.withLock { held.count } }

    /// Keeps the part of a worker's push that carries `shards`, until the coordinator says whether the
    /// lease counts, under the key it came over (`push.key`): a push in another worker's name is held
    /// apart and never summed for it. `gradient` reads the part from the ranges of `shards`, in order (a
    /// `ReceivedGradient` checks its frames); it is called only once the shards are known to be trained here.
    /// - Throws: `ShardServerError.emptyPart` for a part that names no shard, `.notServed` for a shard this
    ///   server does not train or one named twice, `.duplicatePush` if one of the shards already has its
    ///   part or the lease was already released, `.tooManyHeld` if the key already has `heldPerKey` leases
    ///   waiting; what `gradient` throws for a malformed part.
    func hold(_ push: Wire.LeaseRef, shards: [UInt32], gradient: ([Range<Int>]) throws -> GradientContribution) throws {
        guard !shards.isEmpty else { throw ShardServerError.emptyPart(push) }
        let positions = try trainedPositions(of: shards)
        let trained = store.trainedShards
        let contribution = try gradient(positions.map { trained[$0].range })
        lock.lock()
        defer { lock.unlock() }
        guard !releasedSet.contains(push) else { throw ShardServerError.duplicatePush(push) }
        let existing = held[push]
        if existing == nil {
            guard held.keys.lazy.filter({ $0.key == push.key }).count < Self.heldPerKey else { throw ShardServerError.tooManyHeld(push) }
        }
        var gradients = existing ?? HeldGradient(shards: sums.count)
        guard !gradients.holdsAny(of: positions) else { throw ShardServerError.duplicatePush(push) }
        gradients.take(contribution, carrying: positions)
        held[push] = gradients
    }

    /// Whether every trained shard here holds its part of `push`.
    func holdsWhole(_ push: Wire.LeaseRef) -> Bool {
        lock.withLock { held[push]?.isWhole ?? sums.isEmpty }
    }

    /// Each of `shards`' place among the owned trained shards; each named once.
    private func trainedPositions(of shards: [UInt32]) throws(ShardServerError) -> [Int] {
        let trained = store.trainedShards
        var positions: [Int] = []
        for id in shards {
            guard let position = trained.firstIndex(where: { $0.index == Int(id) }), !positions.contains(position) else {
                throw .notServed(shard: id, trained: trainedShardIDs)
            }
            positions.append(position)
        }
        return positions
    }

    /// Sums the held pushes `leases`, in that order, into the step's gradient, forgets them and `dropped`,
    /// and returns each owned shard's Σ g² (0 for a frozen one). Summing in the coordinator's order is what makes a synchronous run
    /// bit-identical whatever the number of workers; shards are summed in parallel, which changes no bits.
    func reduce(step: UInt64, leases: [Wire.LeaseRef], dropped: [Wire.LeaseRef]) throws(ShardServerError) -> [Double] {
        precondition(store.isIdle, "reduce only between updates")
        let gradients = try take(leases, dropping: dropped, step: step)
        let sums = self.sums
        var trainedSquares = [Double](repeating: 0, count: sums.count)
        trainedSquares.withUnsafeMutableBufferPointer { squares in
            let results = squares.baseAddress!
            DispatchQueue.concurrentPerform(iterations: sums.count) { s in
                let target = sums[s]
                target.zero()
                for gradient in gradients { gradient.add(shard: s, into: target.buffer) }
                results[s] = GradientClipping.sumOfSquares(target.pointer, count: target.count)
            }
        }
        reducedStep = step
        var next = trainedSquares.makeIterator()
        return store.shards.map { $0.frozen ? 0 : next.next()! }
    }

    /// Starts the AdamW step on the reduced sums times `scale`; done when `store.isIdle`.
    func commit(step: UInt64, scale: Float, learningRate: Double) throws(ShardServerError) {
        guard reducedStep == step else { throw .notReduced(step: step, reduced: reducedStep) }
        reducedStep = nil
        store.apply(gradients: sums, scale: scale, learningRate: learningRate)
    }

    /// The answer to a worker's pull of policy shards: per shard, the update frames since the version it
    /// holds when kept (sparse updates under `topk`, exact XOR deltas under `none`), else the whole shard
    /// (bfloat16 under `bf16`, fp32 otherwise), each frame read in place from a published snapshot. Nil when the request names a shard this server does not
    /// own or asks for reference parameters.
    func reply(to request: Wire.ShardRequest) -> (reply: Wire.ShardReply, frames: [WireMessage.Payload])? {
        guard request.parameterSet == .policy, !request.shardIDs.isEmpty else { return nil }
        var entries: [Wire.ShardVersion] = [], counts: [UInt32] = [], frames: [WireMessage.Payload] = []
        for (position, id) in request.shardIDs.enumerated() {
            // A server owns a few shards: a search allocates nothing, where a lookup table per pull would.
            guard let shard = store.shards.first(where: { $0.index == Int(id) }) else { return nil }
            let held = position < request.heldVersions.count ? request.heldVersions[position] : nil
            if let held, let (version, updates) = shard.updates(since: held) {
                entries.append(Wire.ShardVersion(shardID: id, version: version))
                counts.append(UInt32(updates.count))
                frames += updates
            } else {
                let snapshot = shard.snapshot
                entries.append(Wire.ShardVersion(shardID: id, version: snapshot.version))
                counts.append(0)
                frames.append(snapshot.wholeFrame)
            }
        }
        return (Wire.ShardReply(parameterSet: .policy, shards: entries, updateCounts: counts.allSatisfy { $0 == 0 } ? [] : counts), frames)
    }

    /// The owned shards, between updates: only then are their parameters, moments and public copy at
    /// rest, to be saved or handed over.
    func restingShards() -> [ShardStore.Shard] {
        precondition(store.isIdle, "shards are at rest only between updates")
        return store.shards
    }

    /// Removes the step's pushes (all must be held) and the dropped ones, remembering both as released.
    private func take(_ leases: [Wire.LeaseRef], dropping dropped: [Wire.LeaseRef], step: UInt64) throws(ShardServerError) -> [HeldGradient] {
        lock.lock()
        defer { lock.unlock() }
        // A server that trains no shard is sent no parts: every push is whole here.
        if let missing = leases.first(where: { !(held[$0]?.isWhole ?? sums.isEmpty) }) { throw .missingPush(missing, step: step) }
        let gradients = leases.map { held.removeValue(forKey: $0) ?? HeldGradient(shards: 0) }
        // A dropped lease is forgotten whoever pushed for it: its pushes will never count.
        let droppedLeases = Set(dropped.map { [$0.leaseID, $0.workerID] })
        let forgotten = held.keys.filter { droppedLeases.contains([$0.leaseID, $0.workerID]) }
        for push in forgotten { held.removeValue(forKey: push) }
        remember(leases + dropped + forgotten)
        return gradients
    }

    private func remember(_ pushes: [Wire.LeaseRef]) {
        for push in pushes where releasedSet.insert(push).inserted { released.append(push) }
        let excess = released.count - Self.rememberedReleases
        if excess > 0 {
            released.prefix(excess).forEach { releasedSet.remove($0) }
            released.removeFirst(excess)
        }
    }
}

/// Why a shard server turned down a push or a step.
enum ShardServerError: Error, Equatable, CustomStringConvertible {
    case duplicatePush(Wire.LeaseRef)
    case missingPush(Wire.LeaseRef, step: UInt64)
    case notReduced(step: UInt64, reduced: UInt64?)
    case tooManyHeld(Wire.LeaseRef)
    case notServed(shard: UInt32, trained: [UInt32])
    case emptyPart(Wire.LeaseRef)

    var description: String {
        switch self {
        case .duplicatePush(let push):
            return "lease \(push.leaseID) of worker \(push.workerID) was already pushed here"
        case .missingPush(let push, let step):
            return "step \(step) names the push of lease \(push.leaseID) by worker \(push.workerID), which did not arrive here for every shard"
        case .tooManyHeld(let push):
            return "lease \(push.leaseID) of worker \(push.workerID) is refused: \(ShardServer.heldPerKey) pushes over its key already wait for their step"
        case .notServed(let shard, let trained):
            return "a push part names shard \(shard) twice or a shard not trained here (this server trains \(trained))"
        case .emptyPart(let push):
            return "the push of lease \(push.leaseID) by worker \(push.workerID) names no shards: a shard server takes parts of a gradient, the coordinator the closing push"
        case .notReduced(let step, let reduced):
            return "step \(step) cannot be committed: the reduced step is \(reduced.map { String($0) } ?? "none")"
        }
    }
}
