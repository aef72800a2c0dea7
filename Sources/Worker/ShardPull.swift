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
    private let fetch: ShardFetch
    /// Replies already received by pulling ahead (`PullAhead`), stored instead of asked for.
    private let prefetched: [UInt32: WireMessage]
    private let condition = NSCondition()
    /// Per shard of the cache: stored (or not needed) yet.
    private var stored: [Bool]
    private var outcome: Result<Void, Failure>?
    /// Seconds the model spent in `willRead` waiting for shards: network time, not compute.
    private(set) var waited: TimeInterval = 0

    /// Starts pulling `shards` (ascending) of `fetch.set` into `cache`, each from `source(id)`, or from
    /// `prefetched` where it holds the shard's reply.
    init(_ shards: [UInt32], into cache: ParameterCache, fetch: ShardFetch, prefetched: [UInt32: WireMessage] = [:],
         source: (UInt32) -> Source) {
        self.cache = cache
        self.fetch = fetch
        self.prefetched = prefetched
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

    /// Asks for shard `id` (or takes the reply pulled ahead) and stores it. `updates`: whether the version
    /// held may be named, so that the server answers with the updates since then (XOR deltas, sparse
    /// updates); an exact delta that does not lead to the version it names (the copy held was not the one
    /// before) is asked for again whole.
    private func pull(_ id: UInt32, from source: Source, updates: Bool = true) throws(Failure) {
        let reply: WireMessage
        if updates, let early = prefetched[id] {
            reply = early
        } else {
            reply = try fetch.fetch(id, held: cache.versions[Int(id)], from: source, updates: updates)
        }
        do {
            try store(reply)
        } catch WireError.deltaBaseMismatch(let frame) where fetch.namesHeldVersion(updates: updates) {
            fetch.log.warning("\(frame): the delta does not fit the copy held; pulling shard \(id) whole")
            return try pull(id, from: source, updates: false)
        } catch {
            throw .fatal(error)
        }
        condition.lock()
        stored[Int(id)] = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stores a reply's shard: whole (fp32, or bfloat16 under `bf16` unless the shard is frozen) or as the
    /// updates since the version held (XOR deltas under `none`, sparse updates under `topk`).
    private func store(_ reply: WireMessage) throws {
        guard case .shardReply(let shardReply) = reply.body, shardReply.parameterSet == fetch.set else {
            throw WorkerError.protocolViolation("expected a ShardReply, got \(reply.body.name)")
        }
        try reply.requireFrameCount(shardReply.frameCount)
        var next = 0
        for (index, entry) in shardReply.shards.enumerated() {
            let updates = shardReply.updateCounts.isEmpty ? 0 : Int(shardReply.updateCounts[index])
            if updates == 0 {
                let frozen = Int(entry.shardID) < cache.shards.count && cache.shards[Int(entry.shardID)].frozen
                let bfloat16 = fetch.set == .policy && fetch.compression.parameters == .bf16 && !frozen
                try cache.store(shard: entry.shardID, version: entry.version, frame: reply.frames[next], bfloat16: bfloat16)
                next += 1
            } else {
                try cache.apply(shard: entry.shardID, version: entry.version, updates: reply.frames[next..<(next + updates)],
                                compression: fetch.compression)
                next += updates
            }
        }
    }
}
