import Foundation
import Testing
@testable import Shared
@testable import Worker

/// Pulling ahead (`PullAhead`) with the test as the coordinator, on `InProcessNetwork`: the shards of a
/// lease at versions the worker does not hold are fetched and held while the lease before is computed, and
/// the next lease's pull stores them without asking again.
struct PullAheadTests {
    let network = InProcessNetwork()
    let log = Logger(component: "pull-ahead", threshold: .error)
    let shards = [Wire.ShardRange(shardID: 0, offset: 0, count: 3), Wire.ShardRange(shardID: 1, offset: 3, count: 2)]

    func lease(versions: [UInt64]) -> Wire.Lease {
        Wire.Lease(leaseID: 5, batchID: 2, epoch: 0, step: 1, leaseMilliseconds: 5000, kind: .gradient, parameterSet: .policy,
                   shardVersions: versions, pairs: 1, normalizer: 1, sequenceLengths: [2, 2])
    }

    /// The next message the coordinator side receives within 10 s.
    func next(_ listener: any CoordinatorTransport) throws -> (peer: PeerID, message: WireMessage) {
        try #require(try listener.receive(timeout: .seconds(10)))
    }

    func reply(_ listener: any CoordinatorTransport, to peer: PeerID, shard: UInt32, version: UInt64, values: [Float]) throws {
        let body = WireBody.shardReply(Wire.ShardReply(parameterSet: .policy, shards: [Wire.ShardVersion(shardID: shard, version: version)]))
        try listener.send(WireMessage(body, runID: "run", frames: [.copying(values)]), to: peer)
    }

    /// A worker that asked ahead, with an empty cache of `shards`, and the coordinator's side of its link.
    func askedAhead() throws -> (listener: any CoordinatorTransport, cache: ParameterCache, fetch: ShardFetch,
                                 source: (UInt32) -> ShardPull.Source, ahead: PullAhead) {
        let listener = try network.listen(at: "inproc://coordinator", runID: "run", checksRunID: true)
        let worker = try network.connect(to: "inproc://coordinator", options: ConnectOptions(runID: "run"))
        let cache = ParameterCache(shards: shards, parameterCount: 5)
        let fetch = ShardFetch(worker: 1, run: "run", set: .policy, compression: try WireCompression(recipeValue: "none"),
                               replyTimeout: 5, log: log)
        let source = { (_: UInt32) in ShardPull.Source(transport: worker, server: nil) }
        let request = Wire.WorkRequest(workerID: 1, ahead: true)
        try worker.send(WireMessage(.workRequest(request), runID: "run"))
        return (listener, cache, fetch, source, PullAhead(request: request, coordinator: worker, cache: cache, fetch: fetch, source: source))
    }

    @Test func theNextLeasesShardsAreHeldUntilItsPullStoresThem() throws {
        let (listener, cache, fetch, source, ahead) = try askedAhead()

        let (peer, asked) = try next(listener)
        #expect(asked.body == .workRequest(Wire.WorkRequest(workerID: 1, ahead: true)))
        try listener.send(WireMessage(.lease(lease(versions: [4, 7])), runID: "run"), to: peer)
        for (shard, version, values) in [(UInt32(0), UInt64(4), [Float(1), 2, 3]), (1, 7, [4, 5])] {
            guard case .shardRequest(let shardRequest) = try next(listener).message.body else { throw PullAheadTestFailure() }
            #expect(shardRequest.shardIDs == [shard] && shardRequest.heldVersions == [nil])
            try reply(listener, to: peer, shard: shard, version: version, values: values)
        }
        let outcome = try ahead.finish()
        #expect(outcome.reply?.body == .lease(lease(versions: [4, 7])))
        #expect(outcome.prefetched.keys.sorted() == [0, 1])
        // Held, not stored: the lease before still reads the cache.
        #expect(cache.versions == [nil, nil])

        let pull = ShardPull(cache.stale(comparedTo: [4, 7]), into: cache, fetch: fetch, prefetched: outcome.prefetched, source: source)
        try pull.finish()
        #expect(cache.versions == [4, 7] && cache.values.array == [1, 2, 3, 4, 5])
        #expect(try listener.receive(timeout: .milliseconds(100)) == nil, "the pull asked again for a shard it held")
    }

    /// A lease answered after the lease before is done has its shards pulled by its own pull, which
    /// overlaps its forward pass; nothing is fetched ahead.
    @Test func aLeaseAnsweredAfterTheLeaseBeforeIsDoneFetchesNothingAhead() throws {
        let (listener, _, _, _, ahead) = try askedAhead()
        let (peer, _) = try next(listener)
        ahead.stopFetching()
        try listener.send(WireMessage(.lease(lease(versions: [4, 7])), runID: "run"), to: peer)
        let outcome = try ahead.finish()
        #expect(outcome.reply?.body == .lease(lease(versions: [4, 7])) && outcome.prefetched.isEmpty)
        #expect(try listener.receive(timeout: .milliseconds(100)) == nil)
    }
}

struct PullAheadTestFailure: Error {}
