import Foundation
import Shared

/// A lease's pull, run on a thread of its own while the model computes (docs/parameter-servers.md,
/// "Overlap"): shards are asked for one at a time in the order the forward pass reads them (ascending:
/// the flat vector is laid out in that order), each from whoever serves it, and the model starts on a
/// layer as soon as the shards under it are stored (`willRead`). One request in flight keeps the shards
/// arriving in order instead of sharing the link; the cost is a round trip per shard.
///
/// The pull owns the transports it is given and the cache's stale shards until `finish` returns; the
/// model reads a shard only after `willRead` saw it stored, under `condition`, so no value is read while
/// it is written. `@unchecked Sendable` for that reason.
final class ShardPull: @unchecked Sendable {
    /// Who serves a shard: the coordinator, or a shard server.
    struct Source {
        let transport: any WorkerTransport
        /// The server's endpoint; nil for the coordinator.
        let server: String?
    }

    /// Why a pull ended early.
    enum Failure: Error {
        /// A peer is unreachable, silent or asks this worker to register again: the worker does so and
        /// learns where shards are now.
        case registerAgain(String)
        /// Something re-registering cannot cure (a refusal for good, a reply this worker cannot use).
        case fatal(any Error)
    }

    private let cache: ParameterCache
    private let set: Wire.ParameterSet
    private let worker: UInt64
    private let run: String
    private let compression: WireCompression
    private let replyTimeout: Double
    private let log: Logger
    private let condition = NSCondition()
    /// Per shard of the cache: stored (or not needed) yet.
    private var stored: [Bool]
    private var outcome: Result<Void, Failure>?
    /// Seconds the model spent in `willRead` waiting for shards: network time, not compute.
    private(set) var waited: TimeInterval = 0

    /// Starts pulling `shards` (ascending) of `set` into `cache`, each from `source(id)`.
    init(_ shards: [UInt32], of set: Wire.ParameterSet, into cache: ParameterCache, worker: UInt64, run: String,
         compression: WireCompression, replyTimeout: Double, log: Logger, source: (UInt32) -> Source) {
        self.cache = cache
        self.set = set
        self.worker = worker
        self.run = run
        self.compression = compression
        self.replyTimeout = replyTimeout
        self.log = log
        stored = cache.shards.map { !shards.contains($0.shardID) }
        let plan = shards.map { ($0, source($0)) }
        let thread = Thread { [self] in
            let result = Result<Void, Failure> { () throws(Failure) in
                for (id, source) in plan { try pull(id, from: source) }
            }
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "bfpo-pull"
        thread.start()
    }

    /// Blocks until every shard overlapping `range` is stored, or the pull has ended (a failed pull lets
    /// the model run on to the end on what it has; `finish` then reports the failure and the result is
    /// dropped).
    func willRead(_ range: Range<Int>) {
        condition.lock()
        defer { condition.unlock() }
        guard outcome == nil && !covered(range) else { return }
        let start = Date()
        while outcome == nil && !covered(range) { condition.wait() }
        waited += Date().timeIntervalSince(start)
    }

    /// Waits for the pull to end; throws its failure.
    func finish() throws(Failure) {
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        try outcome!.get()
    }

    private func covered(_ range: Range<Int>) -> Bool {
        cache.shards.indices.allSatisfy { index in
            let shard = cache.shards[index]
            return stored[index] || Int(shard.offset) >= range.upperBound || Int(shard.offset + shard.count) <= range.lowerBound
        }
    }

    /// Asks for shard `id` and stores it. `updates`: whether the version held may be named, so that the
    /// server answers with the updates since then (XOR deltas, sparse updates); an exact delta that does
    /// not lead to the version it names (the copy held was not the one before) is asked for again whole.
    private func pull(_ id: UInt32, from source: Source, updates: Bool = true) throws(Failure) {
        let updatable = updates && set == .policy && compression.parameters != .bf16
        let request = Wire.ShardRequest(workerID: worker, parameterSet: set, shardIDs: [id],
                                        heldVersions: updatable ? [cache.versions[Int(id)]] : [])
        let peer = source.server.map { "shard server \($0)" } ?? "the coordinator"
        do {
            try source.transport.send(WireMessage(.shardRequest(request), runID: run))
        } catch {
            throw .registerAgain("\(peer) unreachable (\(error))")
        }
        let reply = try answer(to: request, from: source, peer: peer)
        do {
            try store(reply)
        } catch WireError.deltaBaseMismatch(let frame) where updatable {
            log.warning("\(frame): the delta does not fit the copy held; pulling shard \(id) whole")
            return try pull(id, from: source, updates: false)
        } catch {
            throw .fatal(error)
        }
        condition.lock()
        stored[Int(id)] = true
        condition.broadcast()
        condition.unlock()
    }

    /// The reply that names the one shard asked for; replies to requests of an earlier, abandoned pull
    /// are skipped.
    private func answer(to request: Wire.ShardRequest, from source: Source, peer: String) throws(Failure) -> WireMessage {
        let deadline = Date().addingTimeInterval(replyTimeout)
        while true {
            let reply: WireMessage?
            do {
                reply = try source.transport.reply(to: .shardRequest(request), within: max(0.001, deadline.timeIntervalSinceNow)) { [log] late in
                    log.debug("skipped a late \(late.body.name) while pulling shard \(request.shardIDs[0])")
                }
            } catch {
                throw .registerAgain("\(peer) failed (\(error))")
            }
            switch reply?.body {
            case nil:
                throw .registerAgain("no reply from \(peer) in \(Int(replyTimeout)) s")
            case .refused(let refused)?:
                guard source.server != nil || refused.registerAgain else { throw .fatal(WorkerError.refused(refused.reason)) }
                throw .registerAgain("\(peer) refused: \(refused.reason)")
            case .shardReply(let shardReply)? where shardReply.shards.map(\.shardID) != request.shardIDs:
                log.debug("skipped a late ShardReply for shards \(shardReply.shards.map(\.shardID)) while pulling shard \(request.shardIDs[0])")
            default:
                return reply!
            }
        }
    }

    /// Stores a reply's shard: whole (fp32, or bfloat16 under `bf16` unless the shard is frozen) or as the
    /// updates since the version held (XOR deltas under `none`, sparse updates under `topk`).
    private func store(_ reply: WireMessage) throws {
        guard case .shardReply(let shardReply) = reply.body, shardReply.parameterSet == set else {
            throw WorkerError.protocolViolation("expected a ShardReply, got \(reply.body.name)")
        }
        try reply.requireFrameCount(shardReply.frameCount)
        var next = 0
        for (index, entry) in shardReply.shards.enumerated() {
            let updates = shardReply.updateCounts.isEmpty ? 0 : Int(shardReply.updateCounts[index])
            if updates == 0 {
                let frozen = Int(entry.shardID) < cache.shards.count && cache.shards[Int(entry.shardID)].frozen
                let bfloat16 = set == .policy && compression.parameters == .bf16 && !frozen
                try cache.store(shard: entry.shardID, version: entry.version, frame: reply.frames[next], bfloat16: bfloat16)
                next += 1
            } else {
                try cache.apply(shard: entry.shardID, version: entry.version, updates: reply.frames[next..<(next + updates)],
                                compression: compression)
                next += updates
            }
        }
    }
}
