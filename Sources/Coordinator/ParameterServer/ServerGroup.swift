import Foundation
import Shared

/// The coordinator's side of the parameter-server layer (docs/parameter-servers.md): which server owns
/// which shards, the version each shard has published, the two rounds that apply a step across servers,
/// and the collection of every shard's state for a checkpoint.
///
/// Shards the coordinator keeps are served by `local`, inside this process; the others by shard servers
/// that said hello (`bfpo-coordinator serve`), each owning a contiguous run of shards. Applying a step:
///
/// 1. `beginStep` sends every server the pushes that make the step, in summing order (`StepReduce`);
///    each answers with its shards' Σ g² (`StepReduced`).
/// 2. Once all have answered, the global norm ‖g‖ = √(Σ over shards, in shard order, of Σ g²) gives the
///    clipping coefficient; `commit` sends the scale (`StepCommit`) and each server answers when its
///    shards have published the next version (`StepCommitted`).
///
/// Gradients never pass through the coordinator unless it serves their shards itself.
final class ServerGroup {
    /// A shard server in its own process.
    struct Remote {
        let id: UInt64
        let name: String
        let endpoint: String
        /// The CURVE public key it authenticated with when it said hello (nil without CURVE): workers
        /// are told it, and only messages over this key are taken for this server's.
        let key: String?
        var peer: PeerID
        /// The shard ids it owns.
        let shards: Range<Int>
        var lastHeard: Double
        /// It has shown it holds its shards: a step message came since they were handed to it, on the
        /// connection its hellos use (so no hello it sent before can arrive after it).
        var holdsShards = false
    }

    /// What a `ServerHello` from an endpoint that was handed shards says about the server there.
    enum Hello: Equatable {
        /// No server was handed shards at that endpoint.
        case unknown
        /// The server has not yet shown it holds its shards: a hello it sent while they were on their way
        /// (a large transfer on a slow link), a sign of life.
        case waiting
        /// The server had shown it holds its shards, or the hello comes over another connection than the
        /// server's: a process there saying hello again lost them (it was killed and started again before
        /// its silence was noticed).
        case restarted(name: String)
    }

    /// Where the step being applied stands.
    enum StepProgress: Equatable {
        case idle
        /// Waiting for servers' sums of squares, or (all in) for `commit`.
        case reducing
        /// Every shard's Σ g², in shard order: call `commit`.
        case reduced(step: UInt64, sumsOfSquares: [Double])
        case committing
        /// Every shard published the step.
        case committed(step: UInt64)
        case failed(String)
    }

    /// All shards of the run, in order.
    let ranges: [Range<Int>]
    /// Whether each shard is frozen (selective fine-tuning).
    let frozen: [Bool]
    let parameterCount: Int
    private(set) var local: ShardServer
    private(set) var remotes: [Remote] = []
    /// Each shard's published version, as its server last reported it.
    private(set) var versions: [UInt64]
    /// Messages for remote servers, sent by the loop (`takeOutbox`) after each call.
    private var outbox: [(peer: PeerID, body: WireBody, frames: [WireMessage.Payload])] = []
    private let modelConfigJSON: String
    private let optimizerJSON: String

    private var step: (number: UInt64, sums: [Double?], waiting: Set<UInt64>, committing: Bool)?
    private var failure: String?
    private var gathering: (waiting: Set<UInt64>, checkpoint: ShardCheckpoint)?

    /// - Parameter store: every shard, served locally until servers take some.
    init(store: ShardStore, modelConfigJSON: String) {
        ranges = store.ranges
        frozen = store.shards.map(\.frozen)
        parameterCount = ranges.last?.upperBound ?? 0
        local = ShardServer(store: store)
        versions = store.versions
        compression = store.compression
        self.modelConfigJSON = modelConfigJSON
        optimizerJSON = String(decoding: (try? JSONEncoder().encode(store.hyperparameters)) ?? Data(), as: UTF8.self)
    }

    /// What crosses the wire in this run.
    let compression: WireCompression

    /// Where workers pull and push each shard: empty for this process, else the server's endpoint.
    var endpoints: [String] {
        var result = [String](repeating: "", count: ranges.count)
        for remote in remotes { for shard in remote.shards { result[shard] = remote.endpoint } }
        return result
    }

    /// The CURVE public key of each `endpoints` entry's server; all empty without CURVE.
    var endpointKeys: [String] {
        var result = [String](repeating: "", count: ranges.count)
        for remote in remotes { for shard in remote.shards { result[shard] = remote.key ?? "" } }
        return result
    }

    /// The shard ids this process serves, in order.
    var localShards: [Int] { local.store.shards.map(\.index) }

    // MARK: Servers

    /// Hands the shards out, once, before the first step: the first min(servers, shards) of `servers` each
    /// take a contiguous run of shards with their parameters, moments, versions and optimizer steps, and
    /// this process keeps none. With no servers it keeps them all.
    func assign(_ servers: [(id: UInt64, name: String, endpoint: String, peer: PeerID)], now: Double) {
        precondition(remotes.isEmpty && step == nil, "shards are handed out once, before the first step")
        guard !servers.isEmpty else { return }
        let all = local.store.shards
        let blocks = ShardLayout.ranges(parameterCount: all.count, shards: min(servers.count, all.count))
        for (server, block) in zip(servers, blocks) {
            let shards = block.map { all[$0] }
            let states = shards.map(\.state)
            outbox.append((server.peer, .serverAssignment(Wire.ServerAssignment(
                serverID: server.id, modelConfigJSON: modelConfigJSON, optimizerJSON: optimizerJSON, shards: states,
                compression: compression)), ShardStateFrames.frames(shards)))
            remotes.append(Remote(id: server.id, name: server.name, endpoint: server.endpoint, key: server.peer.key, peer: server.peer,
                                  shards: block, lastHeard: now))
        }
        let kept = all.indices.filter { index in !remotes.contains { $0.shards.contains(index) } }
        local = ShardServer(store: ShardStore(shards: kept.map { all[$0] }, hyperparameters: local.store.hyperparameters,
                                              compression: compression))
    }

    /// Records a sign of life from server `id`; false if no such server. `peer`: where its step messages
    /// come from, which it sends only once it holds its shards (nil for a heartbeat, which comes over a
    /// connection of its own). False too when the message came over another key than the server's.
    func heard(from id: UInt64, peer: PeerID?, key: String?, now: Double) -> Bool {
        guard let index = remotes.firstIndex(where: { $0.id == id }), remotes[index].key == key else { return false }
        remotes[index].lastHeard = now
        if let peer {
            remotes[index].peer = peer
            remotes[index].holdsShards = true
        }
        return true
    }

    /// A `ServerHello` from `endpoint` over `peer` (see `Hello`); a hello while the shards are on their
    /// way counts as a sign of life.
    func hello(from endpoint: String, peer: PeerID, now: Double) -> Hello {
        guard let index = remotes.firstIndex(where: { $0.endpoint == endpoint }) else { return .unknown }
        guard !remotes[index].holdsShards, remotes[index].peer == peer else { return .restarted(name: remotes[index].name) }
        remotes[index].lastHeard = now
        return .waiting
    }

    /// Moves every server's last sign of life `seconds` later: time the coordinator spent away from its
    /// socket (a checkpoint) must not count as their silence.
    func postpone(by seconds: Double) {
        for index in remotes.indices { remotes[index].lastHeard += seconds }
    }

    /// A server refused a message of the step protocol (it could not decode it): the step cannot go on.
    func refused(by peer: PeerID, reason: String) -> Bool {
        guard let remote = remotes.first(where: { $0.peer == peer }) else { return false }
        failure = "\(remote.name) refused a message: \(reason)"
        return true
    }

    /// Servers not heard from for `timeout` seconds.
    func silent(now: Double, timeout: Double) -> [Remote] {
        remotes.filter { now - $0.lastHeard > timeout }
    }

    func isServer(_ id: UInt64) -> Bool { remotes.contains { $0.id == id } }

    /// The messages to send since the last call, in order.
    func takeOutbox() -> [(peer: PeerID, body: WireBody, frames: [WireMessage.Payload])] {
        defer { outbox.removeAll() }
        return outbox
    }

    // MARK: Steps

    /// Starts applying step `number`: the gradient is the sum of `pushes` in this order; `dropped` will
    /// never count.
    func beginStep(_ number: UInt64, pushes: [Wire.LeaseRef], dropped: [Wire.LeaseRef]) {
        precondition(step == nil, "one step at a time")
        var sums = [Double?](repeating: nil, count: ranges.count)
        if !localShards.isEmpty {
            do {
                let local = try self.local.reduce(step: number, leases: pushes, dropped: dropped)
                for (shard, value) in zip(localShards, local) { sums[shard] = value }
            } catch {
                failure = "this process could not reduce step \(number): \(error)"
            }
        }
        step = (number, sums, Set(remotes.map(\.id)), false)
        for remote in remotes {
            outbox.append((remote.peer, .stepReduce(Wire.StepReduce(serverID: remote.id, step: number, leases: pushes, dropped: dropped)), []))
        }
    }

    /// Applies the reduced step with the gradient times `scale` at `learningRate`.
    func commit(scale: Float, learningRate: Double) {
        guard var current = step, !current.committing else { preconditionFailure("commit follows a reduced step") }
        if !localShards.isEmpty {
            do {
                try local.commit(step: current.number, scale: scale, learningRate: learningRate)
            } catch {
                failure = "this process could not apply step \(current.number): \(error)"
            }
        }
        current.committing = true
        current.waiting = Set(remotes.map(\.id))
        step = current
        for remote in remotes {
            outbox.append((remote.peer, .stepCommit(Wire.StepCommit(serverID: remote.id, step: current.number, scale: scale,
                                                                    learningRate: learningRate)), []))
        }
    }

    var progress: StepProgress {
        if let failure { return .failed(failure) }
        guard let current = step else { return .idle }
        guard current.waiting.isEmpty else { return current.committing ? .committing : .reducing }
        if !current.committing { return .reduced(step: current.number, sumsOfSquares: current.sums.map { $0 ?? 0 }) }
        guard local.store.isIdle else { return .committing }
        for (shard, version) in zip(localShards, local.store.versions) { versions[shard] = version }
        return .committed(step: current.number)
    }

    /// Forgets the committed step (after `progress` said `.committed`).
    func finishStep() { step = nil }

    /// A server's `StepReduced`. - Returns: why it is not acceptable, or nil.
    func received(_ reduced: Wire.StepReduced) -> String? {
        guard var current = step, !current.committing, current.number == reduced.step,
              let remote = remotes.first(where: { $0.id == reduced.serverID }), current.waiting.contains(remote.id)
        else { return "unexpected StepReduced for step \(reduced.step) from server \(reduced.serverID)" }
        guard reduced.failure.isEmpty else {
            failure = "\(remote.name) could not reduce step \(reduced.step): \(reduced.failure)"
            return nil
        }
        guard reduced.sumsOfSquares.count == remote.shards.count else {
            return "StepReduced from \(remote.name) has \(reduced.sumsOfSquares.count) sums for \(remote.shards.count) shards"
        }
        for (shard, value) in zip(remote.shards, reduced.sumsOfSquares) { current.sums[shard] = value }
        current.waiting.remove(remote.id)
        step = current
        return nil
    }

    /// A server's `StepCommitted`. - Returns: why it is not acceptable, or nil.
    func received(_ committed: Wire.StepCommitted) -> String? {
        guard var current = step, current.committing, current.number == committed.step,
              let remote = remotes.first(where: { $0.id == committed.serverID }), current.waiting.contains(remote.id)
        else { return "unexpected StepCommitted for step \(committed.step) from server \(committed.serverID)" }
        guard committed.shards.map({ Int($0.shardID) }) == Array(remote.shards),
              committed.shards.allSatisfy({ $0.version == versions[Int($0.shardID)] + (frozen[Int($0.shardID)] ? 0 : 1) })
        else { return "StepCommitted from \(remote.name) does not publish the next version of shards \(remote.shards)" }
        for shard in committed.shards { versions[Int(shard.shardID)] = shard.version }
        current.waiting.remove(remote.id)
        step = current
        return nil
    }

    // MARK: Checkpoints

    /// Starts collecting every shard's state (between steps): local shards at once, remote ones by
    /// `StateRequest`.
    func requestStates() {
        precondition(step == nil && gathering == nil, "states are collected between steps")
        let checkpoint = ShardCheckpoint(parameterCount: parameterCount, shards: ranges.count, compression: compression)
        local.restingShards().forEach(checkpoint.take)
        gathering = (Set(remotes.map(\.id)), checkpoint)
        for remote in remotes { outbox.append((remote.peer, .stateRequest(Wire.StateRequest(serverID: remote.id)), [])) }
    }

    /// A server's `StateReply` with its frames. - Returns: why it is not acceptable, or nil.
    func received(_ reply: Wire.StateReply, message: WireMessage) -> String? {
        guard let (waiting, checkpoint) = gathering, waiting.contains(reply.serverID),
              let remote = remotes.first(where: { $0.id == reply.serverID })
        else { return "unexpected StateReply from server \(reply.serverID)" }
        guard reply.shards.map({ Int($0.shardID) }) == Array(remote.shards),
              zip(reply.shards, remote.shards).allSatisfy({
                  Int($0.offset) == ranges[$1].lowerBound && Int($0.count) == ranges[$1].count && $0.frozen == frozen[$1]
              })
        else { return "StateReply from \(remote.name) does not describe its shards \(remote.shards)" }
        do {
            for (state, parts) in zip(reply.shards, try ShardStateFrames.parts(of: reply.shards, in: message, compression: compression)) {
                checkpoint.take(state, parts)
            }
        } catch {
            return "StateReply from \(remote.name) is malformed: \(error)"
        }
        gathering?.waiting.remove(reply.serverID)
        return nil
    }

    /// Every shard's state, once all servers answered; collecting ends.
    func takeStates() -> ShardCheckpoint? {
        guard let (waiting, checkpoint) = gathering, waiting.isEmpty else { return nil }
        gathering = nil
        return checkpoint
    }
}

/// Every shard's parameters, AdamW moments, version and optimizer steps, and under `topk` the public copy,
/// assembled into whole vectors for a checkpoint.
final class ShardCheckpoint {
    let parameters: FloatBuffer
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    /// Under `topk`: the values workers compute on, the public copy of each trained shard and the
    /// parameters of each frozen one (docs/compression.md); nil otherwise.
    let publicCopy: FloatBuffer?
    private(set) var states: [Wire.ShardState?]

    init(parameterCount: Int, shards: Int, compression: WireCompression) {
        parameters = FloatBuffer(count: parameterCount)
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
        publicCopy = compression.keepsPublicCopy ? FloatBuffer(count: parameterCount) : nil
        states = [Wire.ShardState?](repeating: nil, count: shards)
    }

    /// Copies in a shard of this process, at rest. A frozen shard's moments stay 0 in the checkpoint, and a
    /// shard without a public copy saves its parameters as the values workers compute on.
    func take(_ shard: ShardStore.Shard) {
        let sources = [shard.parameters, shard.firstMoment, shard.secondMoment, shard.publicValues ?? shard.parameters]
        for (source, target) in zip(sources, targets) { copy(UnsafeBufferPointer(source.buffer), into: target, at: shard.range.lowerBound) }
        states[shard.index] = shard.state
    }

    /// Copies in a shard a server sent (`ShardStateFrames.parts`, which checked every size), as `take(_:)`.
    func take(_ state: Wire.ShardState, _ parts: ShardStateFrames.Parts) {
        let sources = [parts.values, parts.firstMoment, parts.secondMoment, parts.publicCopy ?? parts.values]
        for (source, target) in zip(sources, targets) { source.withUnsafeBufferPointer { copy($0, into: target, at: Int(state.offset)) } }
        states[Int(state.shardID)] = state
    }

    /// Where each part of a shard's state goes, in `ShardStateFrames` order; no public copy without `topk`.
    private var targets: [FloatBuffer?] { [parameters, firstMoment, secondMoment, publicCopy] }

    private func copy(_ source: UnsafeBufferPointer<Float>, into target: FloatBuffer?, at offset: Int) {
        guard let target, let base = source.baseAddress else { return }
        precondition(offset + source.count <= target.count, "a shard inside the vector")
        (target.pointer + offset).update(from: base, count: source.count)
    }

    /// The shards as `state.json` records them.
    var trainingStates: [TrainingState.ShardState] {
        states.map { state in
            let state = state!
            return TrainingState.ShardState(offset: Int(state.offset), count: Int(state.count), version: state.version,
                                            optimizerSteps: Int(state.optimizerSteps))
        }
    }
}
