import Foundation
import Shared

/// A shard server's life as a process of its own (`bfpo-coordinator serve`, docs/parameter-servers.md):
/// it says hello to the coordinator until given shards, then serves workers' pulls and takes their
/// pushes on `bind`, and reduces, commits and reports state when the coordinator says so, until told to
/// stop.
///
/// Two threads, each owning one socket: the control thread talks to the coordinator (a DEALER), the data
/// thread to workers (a ROUTER), so a large pull never delays a step's reduction and a reduction never
/// delays a pull. They share only `assignment`, under a lock; the `ShardServer` inside guards its own
/// held pushes, and pulls read snapshots that an update never changes.
final class ServerSession: @unchecked Sendable {
    struct Options {
        var coordinator: String
        var bind: String
        var name: String
        /// Seconds between hellos (before shards are handed out) and heartbeats (after).
        var heartbeatSeconds: Double = 1
        /// Seconds without any message from the coordinator after which the server gives up.
        var giveUpAfter: Double = 600
    }

    /// The shards this server owns in one run.
    private struct Assignment {
        let run: String
        let serverID: UInt64
        let server: ShardServer
    }

    private let options: Options
    private let log: Logger
    private let control: any WorkerTransport
    private let data: any CoordinatorTransport
    /// Heartbeats over a connection of their own, so that they do not queue behind a large state transfer.
    private let heartbeat: HeartbeatThread
    private let lock = NSLock()
    private var assignment: Assignment?
    private var stopped = false

    init(options: Options, network: any Network, log: Logger) throws {
        self.options = options
        self.log = log
        control = try network.connect(to: options.coordinator, options: ConnectOptions())
        data = try network.listen(at: options.bind, runID: "", checksRunID: false)
        heartbeat = HeartbeatThread(endpoint: options.coordinator, network: network)
    }

    /// The endpoint workers reach this server at.
    var endpoint: String { data.endpoint }

    /// Serves until the coordinator says stop (returns its reason) or is silent for `giveUpAfter` (throws).
    func run() throws -> String {
        let dataDone = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            serveWorkers()
            dataDone.signal()
        }
        thread.name = "bfpo-server-data"
        thread.start()
        defer {
            heartbeat.stop()
            lock.withLock { stopped = true }
            dataDone.wait()
            data.close(flushing: .seconds(1))
            control.close()
        }
        return try serveCoordinator()
    }

    private var current: Assignment? { lock.withLock { assignment } }

    // MARK: Control

    private func serveCoordinator() throws -> String {
        var lastHeard = Date()
        var lastSent = Date.distantPast
        while true {
            if Date().timeIntervalSince(lastSent) >= options.heartbeatSeconds {
                lastSent = Date()
                let body: WireBody = current.map { .heartbeat(Wire.Heartbeat(workerID: $0.serverID)) }
                    ?? .serverHello(Wire.ServerHello(serverName: options.name, endpoint: endpoint))
                do {
                    try control.send(WireMessage(body, runID: current?.run ?? ""))
                    // Taken only by a connected coordinator: between steps (a long reference phase, no
                    // workers) it sends nothing, but it is there.
                    lastHeard = Date()
                } catch {
                    log.debug("coordinator unreachable: \(error)")
                }
            }
            guard let message = try control.receive(timeout: .milliseconds(Int(options.heartbeatSeconds * 1000))) else {
                if Date().timeIntervalSince(lastHeard) > options.giveUpAfter {
                    throw ServerSessionError.coordinatorSilent(endpoint: options.coordinator, seconds: options.giveUpAfter)
                }
                continue
            }
            lastHeard = Date()
            switch message.body {
            case .serverAssignment(let given):
                do {
                    try take(given, message: message)
                } catch {
                    log.error("the assignment is unusable: \(error)")
                    throw error
                }
            case .stepReduce(let reduce):
                guard let current = check(reduce.serverID, message) else { continue }
                let reply: Wire.StepReduced
                do {
                    let sums = try current.server.reduce(step: reduce.step, leases: reduce.leases, dropped: reduce.dropped)
                    reply = Wire.StepReduced(serverID: current.serverID, step: reduce.step, sumsOfSquares: sums)
                } catch {
                    log.error("step \(reduce.step) cannot be reduced: \(error)")
                    reply = Wire.StepReduced(serverID: current.serverID, step: reduce.step, sumsOfSquares: [], failure: error.description)
                }
                send(.stepReduced(reply), run: current.run)
            case .stepCommit(let commit):
                guard let current = check(commit.serverID, message) else { continue }
                do {
                    try current.server.commit(step: commit.step, scale: commit.scale, learningRate: commit.learningRate)
                } catch {
                    log.error("\(error)")
                    continue
                }
                current.server.store.waitUntilIdle()
                let versions = current.server.store.shards.map { Wire.ShardVersion(shardID: UInt32($0.index), version: $0.snapshot.version) }
                send(.stepCommitted(Wire.StepCommitted(serverID: current.serverID, step: commit.step, shards: versions)), run: current.run)
                log.debug("step \(commit.step) applied")
            case .stateRequest(let request):
                guard let current = check(request.serverID, message) else { continue }
                let shards = current.server.restingShards()
                send(.stateReply(Wire.StateReply(serverID: current.serverID, shards: shards.map(\.state))), frames: ShardStateFrames.frames(shards),
                     run: current.run)
            case .stop(let stop):
                return stop.reason
            case .refused(let refused):
                if refused.registerAgain, current != nil {
                    log.info("the coordinator forgot this server (\(refused.reason)); saying hello again")
                    lock.withLock { assignment = nil }
                    heartbeat.pause()
                    control.expectedRunID = nil
                    lastSent = .distantPast
                } else {
                    log.debug("the coordinator refused a message: \(refused.reason)")
                }
            default:
                log.warning("\(message.body.name) is not for shard servers; ignored")
            }
        }
    }

    /// Replaces whatever this server held with the shards of `given`, read from its frames.
    private func take(_ given: Wire.ServerAssignment, message: WireMessage) throws {
        let config = try JSONDecoder().decode(GPT2Config.self, from: Data(given.modelConfigJSON.utf8))
        let hyperparameters = try JSONDecoder().decode(AdamW.Hyperparameters.self, from: Data(given.optimizerJSON.utf8))
        let layout = ParameterLayout(config: config)
        for state in given.shards where state.offset.addingReportingOverflow(state.count).partialValue > UInt64(layout.count) {
            throw ServerSessionError.assignmentOutsideModel(shard: state.shardID, parameters: layout.count)
        }
        let parts = try ShardStateFrames.parts(of: given.shards, in: message, compression: given.compression)
        let shards = zip(given.shards, parts).map { state, part -> ShardStore.Shard in
            func buffer(_ view: TensorView<Float>) -> FloatBuffer {
                let buffer = FloatBuffer(count: view.count)
                view.withUnsafeBufferPointer { if let base = $0.baseAddress { buffer.pointer.update(from: base, count: $0.count) } }
                return buffer
            }
            let start = Int(state.offset)
            return ShardStore.Shard(
                index: Int(state.shardID), range: start..<(start + Int(state.count)), values: buffer(part.values), version: state.version,
                optimizerSteps: Int(clamping: state.optimizerSteps), firstMoment: buffer(part.firstMoment),
                secondMoment: buffer(part.secondMoment), layout: layout, compression: given.compression, frozen: state.frozen,
                publicCopy: part.publicCopy.map(buffer))
        }
        let server = ShardServer(store: ShardStore(shards: shards, hyperparameters: hyperparameters, compression: given.compression))
        lock.withLock { assignment = Assignment(run: message.envelope.runID, serverID: given.serverID, server: server) }
        control.expectedRunID = message.envelope.runID
        heartbeat.beat(worker: given.serverID, run: message.envelope.runID, every: options.heartbeatSeconds)
        let first = given.shards.first.map { Int($0.shardID) } ?? 0
        log.info("serving shards \(first)..<\(first + given.shards.count) of run \(message.envelope.runID) at \(endpoint) (\(shards.reduce(0) { $0 + $1.range.count }) parameters)")
    }

    /// The current assignment when `serverID` names it; otherwise nil, after refusing the message (the
    /// coordinator then takes the step as failed and starts again from its checkpoint, rather than wait).
    private func check(_ serverID: UInt64, _ message: WireMessage) -> Assignment? {
        guard let current, current.serverID == serverID else {
            log.warning("\(message.body.name) for server \(serverID), which this process is not; refused")
            send(.refused(Wire.Refused(reason: "this process is not server \(serverID) (it holds \(self.current.map { "server \($0.serverID)'s shards" } ?? "no shards"))")),
                 run: message.envelope.runID)
            return nil
        }
        return current
    }

    private func send(_ body: WireBody, frames: [WireMessage.Payload] = [], run: String) {
        do {
            try control.send(WireMessage(body, runID: run, frames: frames))
        } catch {
            log.warning("could not send \(body.name) to the coordinator: \(error)")
        }
    }

    // MARK: Data

    private func serveWorkers() {
        while !lock.withLock({ stopped }) {
            let received: (peer: PeerID, message: WireMessage)?
            do {
                received = try data.receive(timeout: .milliseconds(100))
            } catch {
                log.warning("receive failed: \(error)")
                continue
            }
            guard let (peer, message) = received else { continue }
            guard let current, message.envelope.runID == current.run else {
                answer(.refused(Wire.Refused(reason: "this shard server serves no run \(message.envelope.runID) (yet)")), to: peer, run: message.envelope.runID)
                continue
            }
            switch message.body {
            case .shardRequest(let request):
                pull(request, server: current, to: peer)
            case .gradientPush(let push):
                let reply: Wire.PushReply
                do {
                    try current.server.hold(Wire.LeaseRef(leaseID: push.leaseID, workerID: push.workerID, key: peer.key ?? ""),
                                           shards: push.shardIDs) {
                        try ReceivedGradient(message, shards: $0, compression: current.server.store.compression)
                    }
                    reply = Wire.PushReply(leaseID: push.leaseID, accepted: true)
                } catch {
                    reply = Wire.PushReply(leaseID: push.leaseID, accepted: false, reason: "\(error)")
                }
                answer(.pushReply(reply), to: peer, run: current.run)
            default:
                answer(.refused(Wire.Refused(reason: "a shard server takes only ShardRequest and GradientPush, not \(message.body.name)")),
                       to: peer, run: current.run)
            }
        }
    }

    /// Answers a pull from the published snapshots (`ShardServer.reply(to:)`).
    private func pull(_ request: Wire.ShardRequest, server current: Assignment, to peer: PeerID) {
        guard let (reply, frames) = current.server.reply(to: request) else {
            let owned = current.server.store.shards.map(\.index)
            answer(.refused(Wire.Refused(reason: "this server serves only the policy shards \(owned)")), to: peer, run: current.run)
            return
        }
        answer(.shardReply(reply), frames: frames, to: peer, run: current.run)
    }

    private func answer(_ body: WireBody, frames: [WireMessage.Payload] = [], to peer: PeerID, run: String) {
        do {
            try data.send(WireMessage(body, runID: run, frames: frames), to: peer)
        } catch {
            log.debug("could not answer \(peer): \(error)")
        }
    }
}

/// Why a shard server stopped.
enum ServerSessionError: Error, CustomStringConvertible {
    case coordinatorSilent(endpoint: String, seconds: Double)
    case assignmentOutsideModel(shard: UInt32, parameters: Int)

    var description: String {
        switch self {
        case .coordinatorSilent(let endpoint, let seconds):
            return "no message from the coordinator at \(endpoint) for \(Int(seconds)) s; giving up"
        case .assignmentOutsideModel(let shard, let parameters):
            return "the assignment's shard \(shard) lies outside the model's \(parameters) parameters"
        }
    }
}
