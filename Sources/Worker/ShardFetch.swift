import Foundation
import Shared

/// Asking one peer for one shard and reading the reply that names it: what a lease's pull (`ShardPull`)
/// does for each shard it stores, and what pulling ahead (`PullAhead`) does for each shard it holds.
struct ShardFetch {
    let worker: UInt64
    let run: String
    let set: Wire.ParameterSet
    let compression: WireCompression
    let replyTimeout: Double
    let log: Logger

    /// Whether a request may name the version held, so that the server answers with the updates since
    /// then (XOR deltas, sparse updates): policy shards, unless they travel as bfloat16.
    func namesHeldVersion(updates: Bool) -> Bool {
        updates && set == .policy && compression.parameters != .bf16
    }

    /// Asks `source` for shard `id`, naming `held` when `namesHeldVersion(updates:)`, and returns the reply
    /// that names it; replies to requests of an earlier, abandoned pull are skipped.
    func fetch(_ id: UInt32, held: UInt64?, from source: ShardPull.Source, updates: Bool) throws(ShardPull.Failure) -> WireMessage {
        let request = Wire.ShardRequest(workerID: worker, parameterSet: set, shardIDs: [id],
                                        heldVersions: namesHeldVersion(updates: updates) ? [held] : [])
        let peer = source.server.map { "shard server \($0)" } ?? "the coordinator"
        do {
            try source.transport.send(WireMessage(.shardRequest(request), runID: run))
        } catch {
            throw .registerAgain("\(peer) unreachable (\(error))")
        }
        let deadline = Date().addingTimeInterval(replyTimeout)
        while true {
            let reply: WireMessage?
            do {
                reply = try source.transport.reply(to: .shardRequest(request), within: max(0.001, deadline.timeIntervalSinceNow)) { [log] late in
                    log.debug("skipped a late \(late.body.name) while pulling shard \(id)")
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
            case .shardReply(let shardReply)? where shardReply.shards.map(\.shardID) != [id]:
                log.debug("skipped a late ShardReply for shards \(shardReply.shards.map(\.shardID)) while pulling shard \(id)")
            default:
                return reply!
            }
        }
    }
}
