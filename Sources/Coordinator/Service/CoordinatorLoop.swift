import Foundation
import Shared

/// The coordinator's one loop thread: it turns wire messages into `CoordinatorCore` calls and the core's
/// decisions into replies, ticks the core, watches for SIGINT/SIGTERM, and ends when the run is over
/// and every worker has been told to stop (or a grace period has passed).
///
/// Everything from the network is checked before the core sees it: unknown workers are asked to
/// register again, frames are validated (sizes, finite values) by `TensorFrame`, and a malformed
/// message is answered with a refusal and counted, never applied.
final class CoordinatorLoop {
    struct Settings {
        var runID: String
        var incarnation: UInt64
        var config: GPT2Config
        var objective: Objective
        var heartbeatSeconds: Double
        var leaseSeconds: Double
        var workersExpected: Int
        /// Shard servers (`bfpo-coordinator serve`) to wait for before handing out shards; workers are
        /// welcomed only once shards are handed out.
        var serversExpected: Int = 0
        /// Seconds to wait for `serversExpected` before starting with the servers that came (this process
        /// serves every shard when none did).
        var gatherServersFor: Double = 30
        /// Seconds without a message from a shard server after which it is lost.
        var serverTimeout: Double = 4
        /// Seconds to wait for `workersExpected` before starting with fewer. Only the start waits: a
        /// worker lost later does not hold the others back.
        var gatherWorkersFor: Double = 30
        /// Seconds the coordinator waits after the run ends for workers to learn it.
        var stopGrace: Double = 10
        /// Seconds the loop goes on serving after the last worker was told to stop. Closing the socket
        /// at once can lose that `Stop` even with linger (libzmq may drop a connection's unwritten
        /// output when the process exits), leaving the worker to retry until it gives up; a worker that
        /// re-registers meanwhile is welcomed and then told to stop.
        var drainSeconds: Double = 0.5
        /// Seconds a work request that found no lease is held before it is answered `Wait`: a lease that
        /// frees up meanwhile (a step applied, a lease expired) goes out at once, instead of after the
        /// worker's retry sleep. Below the workers' reply timeout.
        var parkSeconds: Double = 0.25
    }

    private let core: CoordinatorCore
    private let transport: CoordinatorTransport
    private let settings: Settings
    private let log: Logger
    private let signals = SignalWatcher()
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private let welcomeConfig: String
    /// Shard servers that said hello after shards were handed out, by endpoint: told to stop at the end.
    private var lateServers: [String: PeerID] = [:]
    /// Shard servers that said hello before shards were handed out.
    private var arrivedServers: [(id: UInt64, name: String, endpoint: String, peer: PeerID)] = []
    /// Whether shards are handed out (workers are welcomed only then).
    private var shardsAssigned = false
    /// Server ids come from a range worker ids never reach, so a `Heartbeat` names one or the other.
    private var nextServerID: UInt64 = 1 << 48
    /// Whether the start is over (`workersExpected` came, or `gatherWorkersFor` passed): from then on
    /// nobody waits for workers, even if some are lost.
    private var gathered = false
    private(set) var malformed = 0
    /// Work requests that found no lease: asked again after every message and tick, answered when a lease,
    /// a stop or `parkSeconds` comes.
    private var parked = ParkedRequests()

    init(core: CoordinatorCore, transport: CoordinatorTransport, settings: Settings, log: Logger) throws {
        self.core = core
        self.transport = transport
        self.settings = settings
        self.log = log
        started = clock.now
        welcomeConfig = String(decoding: try JSONEncoder().encode(settings.config), as: UTF8.self)
    }

    private var now: Double {
        let elapsed = clock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Runs until the run is over; returns the reason.
    func run() throws -> String {
        var finishedAt: Double?
        var settledAt: Double?
        var shutdownRequested = false
        while true {
            if !shutdownRequested, let signal = signals.receivedSignal {
                shutdownRequested = true
                let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
                log.info("\(name) received: writing a checkpoint and stopping the workers")
                try timed { try core.shutDown(reason: "the coordinator received \(name)", now: now) }
            }
            if case .finished(let reason) = core.phase {
                let end = finishedAt ?? now
                finishedAt = end
                if core.workers.allStopped || now - end > settings.stopGrace {
                    if settledAt == nil {
                        // Servers go last (workers may still push to them until told to stop), and get
                        // the same drain time as the workers' last Stop.
                        settledAt = now
                        stopServers(reason: reason)
                    }
                    if now - settledAt! >= settings.drainSeconds {
                        if !core.workers.allStopped {
                            log.warning("\(core.workers.workers.values.filter { !$0.stopped }.count) workers did not ask for work within \(Int(settings.stopGrace)) s of the end")
                        }
                        return reason
                    }
                } else {
                    settledAt = nil
                }
            }
            // While a worker waits for a lease and this process applies a step on its own shards, nothing
            // but the clock says when it is done: look often, so the next lease waits for the update, not for
            // the loop.
            let busy = !parked.isEmpty && core.isApplying
            if let (peer, message) = try transport.receive(timeout: .milliseconds(busy ? 1 : 20)) {
                try handle(message, from: peer)
            }
            assignShardsWhenReady()
            if let lost = core.servers.silent(now: now, timeout: settings.serverTimeout).first {
                throw RunError.serverFailed("\(lost.name) at \(lost.endpoint) sent nothing for \(Int(settings.serverTimeout)) s")
            }
            try timed { try core.tick(now: now) }
            sendServerMessages()
            answerParked()
        }
    }

    /// Tells every shard server the run is over (they exit), those that came too late to be used included.
    private func stopServers(reason: String) {
        for peer in core.servers.remotes.map(\.peer) + lateServers.values { reply(.stop(Wire.Stop(reason: reason)), to: peer) }
    }

    /// Hands shards out once `serversExpected` servers said hello, or the wait for them is over.
    private func assignShardsWhenReady() {
        guard !shardsAssigned, arrivedServers.count >= settings.serversExpected || now >= settings.gatherServersFor else { return }
        shardsAssigned = true
        if arrivedServers.count < settings.serversExpected {
            log.warning("\(arrivedServers.count) of \(settings.serversExpected) shard servers came within \(Int(settings.gatherServersFor)) s; starting with them")
        }
        let used = Array(arrivedServers.prefix(core.servers.ranges.count))
        for extra in arrivedServers.dropFirst(used.count) {
            reply(.stop(Wire.Stop(reason: "the run has only \(core.servers.ranges.count) shards, all taken")), to: extra.peer)
        }
        core.servers.assign(used, now: now)
        for remote in core.servers.remotes {
            log.info("\(remote.name) serves shards \(remote.shards.lowerBound)..<\(remote.shards.upperBound) at \(remote.endpoint)")
        }
        if core.servers.remotes.isEmpty { log.info("this process serves all \(core.servers.ranges.count) shards") }
        sendServerMessages()
    }

    private func sendServerMessages() {
        for (peer, body, frames) in core.servers.takeOutbox() { reply(body, frames: frames, to: peer) }
    }

    /// Runs `work`; if it kept the loop away for more than a second (a checkpoint), that time is not
    /// counted against leases and heartbeats, since nobody could have been heard meanwhile.
    private func timed(_ work: () throws -> Void) rethrows {
        let before = now
        try work()
        let spent = now - before
        if spent > 1 { core.postpone(by: spent) }
    }

    // MARK: Messages

    private func handle(_ message: WireMessage, from peer: PeerID) throws {
        let now = self.now
        switch message.body {
        case .register(let register):
            guard shardsAssigned else {
                reply(.refused(Wire.Refused(reason: "waiting for shard servers (\(arrivedServers.count) of \(settings.serversExpected))",
                                            registerAgain: true)), to: peer)
                return
            }
            let id = core.register(
                name: register.workerName, threads: Int(register.threads), blasCore: register.blasCore, key: peer.key, now: now)
            let shards = zip(core.servers.ranges, core.servers.frozen).enumerated().map { index, shard in
                Wire.ShardRange(shardID: UInt32(index), offset: UInt64(shard.0.lowerBound), count: UInt64(shard.0.count), frozen: shard.1)
            }
            let endpoints = core.servers.endpoints
            reply(.welcome(Wire.Welcome(
                workerID: id, incarnation: settings.incarnation, modelConfigJSON: welcomeConfig, objective: settings.objective,
                shards: shards, heartbeatMilliseconds: UInt32(settings.heartbeatSeconds * 1000),
                leaseMilliseconds: UInt32(settings.leaseSeconds * 1000),
                shardEndpoints: endpoints.allSatisfy(\.isEmpty) ? [] : endpoints,
                shardEndpointKeys: endpoints.allSatisfy(\.isEmpty) ? [] : core.servers.endpointKeys,
                compression: core.servers.compression)), to: peer)
        case .heartbeat(let heartbeat):
            if core.servers.isServer(heartbeat.workerID) {
                _ = core.servers.heard(from: heartbeat.workerID, peer: nil, key: peer.key, now: now)
            } else {
                _ = member(heartbeat.workerID, peer: peer, now: now)
            }
        case .serverHello(let hello):
            if shardsAssigned {
                switch core.servers.hello(from: hello.endpoint, peer: peer, now: now) {
                case .waiting:
                    return
                case .restarted(let name):
                    throw RunError.serverFailed("\(name) at \(hello.endpoint) said hello again: it lost its shards")
                case .unknown:
                    break
                }
            }
            guard !shardsAssigned else {
                lateServers[hello.endpoint] = peer
                reply(.refused(Wire.Refused(reason: "the run's shards are already handed out; this server is not needed now",
                                            registerAgain: true)), to: peer)
                return
            }
            arrivedServers.removeAll { $0.endpoint == hello.endpoint }
            arrivedServers.append((nextServerID, "\(hello.serverName) (server \(nextServerID))", hello.endpoint, peer))
            log.info("shard server \(hello.serverName) at \(hello.endpoint) said hello; \(arrivedServers.count) of \(settings.serversExpected)")
            nextServerID += 1
        case .stepReduced(let reduced):
            fromServer(reduced.serverID, peer: peer) { core.servers.received(reduced) }
        case .stepCommitted(let committed):
            fromServer(committed.serverID, peer: peer) { core.servers.received(committed) }
        case .stateReply(let state):
            fromServer(state.serverID, peer: peer) { core.servers.received(state, message: message) }
        case .workRequest(let request):
            guard member(request.workerID, peer: peer, now: now) else { return }
            assign(ParkedRequests.Request(worker: request.workerID, peer: peer, since: now, ahead: request.ahead), now: now)
        case .shardRequest(let request):
            guard member(request.workerID, peer: peer, now: now) else { return }
            sendShards(request, to: peer)
        case .gradientPush(let push):
            guard member(push.workerID, peer: peer, now: now) else { return }
            let outcome: PushOutcome
            if !push.shardIDs.isEmpty {
                outcome = core.pushGradientPart(worker: push.workerID, lease: push.leaseID, batch: Int(push.batchID), shards: push.shardIDs) {
                    try ReceivedGradient(message, shards: $0, compression: core.servers.compression)
                }
            } else if message.frames.isEmpty {
                outcome = core.pushGradient(
                    worker: push.workerID, lease: push.leaseID, batch: Int(push.batchID), versions: push.shardVersions,
                    metrics: push.metrics, tokens: Int(push.tokens), carried: push.carried, now: now)
            } else {
                malformed += 1
                outcome = .refused("malformed gradient push: it names no shards but carries \(message.frames.count) frames (a part names its shards; the closing push carries none)")
            }
            answer(push.leaseID, outcome, to: peer)
        case .referencePush(let push):
            guard member(push.workerID, peer: peer, now: now) else { return }
            let outcome: PushOutcome
            do {
                try message.requireFrameCount(1)
                let frame = message.frames[0]
                let view = try TensorFrame.doubles(frame, expectedCount: frame.byteCount / MemoryLayout<Double>.size,
                                                   frame: "reference log-probs")
                outcome = core.pushReference(worker: push.workerID, lease: push.leaseID, batch: Int(push.batchID),
                                             logProbs: view.withUnsafeBufferPointer { Array($0) }, now: now)
            } catch {
                malformed += 1
                outcome = .refused("malformed reference push: \(error)")
            }
            answer(push.leaseID, outcome, to: peer)
        case .evalPush(let push):
            guard member(push.workerID, peer: peer, now: now) else { return }
            let outcome: PushOutcome
            if message.frames.isEmpty {
                outcome = try core.pushEval(worker: push.workerID, lease: push.leaseID, batch: Int(push.batchID),
                                            versions: push.shardVersions, metrics: push.metrics, now: now)
            } else {
                malformed += 1
                outcome = .refused("malformed eval push: it carries \(message.frames.count) frames, an eval push has none")
            }
            answer(push.leaseID, outcome, to: peer)
        case .refused(let refused):
            if !core.servers.refused(by: peer, reason: refused.reason) {
                log.warning("a worker refused a message: \(refused.reason)")
            }
        case .welcome, .lease, .wait, .shardReply, .pushReply, .stop, .serverAssignment, .stepReduce, .stepCommit, .stateRequest:
            malformed += 1
            reply(.refused(Wire.Refused(reason: "\(message.body.name) is sent by coordinators, not to them")), to: peer)
        }
    }

    /// Passes a server's message on (`accept` says why it is unacceptable, or nil), counting what is not.
    private func fromServer(_ id: UInt64, peer: PeerID, _ accept: () -> String?) {
        guard core.servers.heard(from: id, peer: peer, key: peer.key, now: now) else {
            malformed += 1
            reply(.refused(Wire.Refused(reason: "server \(id) is not a server of run \(settings.runID)", registerAgain: true)), to: peer)
            return
        }
        if let problem = accept() {
            malformed += 1
            log.warning(problem)
        }
    }

    /// Whether `worker` is a member speaking over its own key. An unknown one is asked to register again;
    /// a message naming a member over another key is refused and counted (under CURVE the key is the
    /// identity, so this is someone else using the member's id).
    private func member(_ worker: UInt64, peer: PeerID, now: Double) -> Bool {
        switch core.heard(from: worker, key: peer.key, now: now) {
        case .member:
            return true
        case .unknown:
            askToRegister(peer, worker: worker)
            return false
        case .impostor:
            malformed += 1
            reply(.refused(Wire.Refused(reason: "worker \(worker) registered with another key; this connection may not speak for it")),
                  to: peer)
            return false
        }
    }

    private func askToRegister(_ peer: PeerID, worker: UInt64) {
        reply(.refused(Wire.Refused(reason: "worker \(worker) is not a member of run \(settings.runID) (the coordinator may have restarted)",
                                    registerAgain: true)), to: peer)
    }

    /// Asks the core again for every parked request, idle workers' first (`ParkedRequests`); a worker no
    /// longer a member is forgotten (it registers again, or was lost).
    private func answerParked() {
        guard !parked.isEmpty else { return }
        let now = now
        for request in parked.takeAll() where core.workers.workers[request.worker] != nil {
            assign(request, now: now)
        }
    }

    /// Answers a work request with a lease or a stop, or parks it (`parked`) until one comes or it has
    /// waited `parkSeconds` since it was asked. A request asked `ahead` waits while an idle worker's is
    /// parked.
    private func assign(_ request: ParkedRequests.Request, now: Double) {
        gathered = gathered || core.workers.count >= settings.workersExpected || now >= settings.gatherWorkersFor
        let behindIdle = request.ahead && parked.holdsIdleWorker
        switch gathered && !behindIdle ? core.requestWork(worker: request.worker, now: now) : .wait(seconds: core.configuration.waitSeconds) {
        case .wait(let seconds):
            if now - request.since < settings.parkSeconds {
                parked.park(request)
            } else {
                reply(.wait(Wire.Wait(retryMilliseconds: UInt32(seconds * 1000))), to: request.peer)
            }
        case .stop(let reason):
            reply(.stop(Wire.Stop(reason: reason)), to: request.peer)
        case .lease(let grant):
            let (lease, frames) = grant.wireMessage
            reply(.lease(lease), frames: frames, to: request.peer)
        }
    }

    /// Sends the requested shards' published snapshots in place; each frame keeps its snapshot alive until
    /// libzmq has sent it, so a concurrent update cannot touch the bytes. Policy shards are sent only by
    /// the process that serves them; every reference shard is here.
    private func sendShards(_ request: Wire.ShardRequest, to peer: PeerID) {
        let answer: (reply: Wire.ShardReply, frames: [WireMessage.Payload])?
        switch request.parameterSet {
        case .policy:
            answer = core.servers.local.reply(to: request)
        case .reference:
            // Reference parameters travel once per worker, always as exact fp32.
            let snapshots = Dictionary(uniqueKeysWithValues: core.referenceSnapshots.map { ($0.shard, $0) })
            let chosen = request.shardIDs.compactMap { snapshots[Int($0)] }
            answer = chosen.count == request.shardIDs.count && !chosen.isEmpty
                ? (Wire.ShardReply(parameterSet: .reference, shards: chosen.map { Wire.ShardVersion(shardID: UInt32($0.shard), version: $0.version) }),
                   chosen.map(\.wholeFrame))
                : nil
        }
        guard let answer else {
            malformed += 1
            reply(.refused(Wire.Refused(reason: "shard request names shards this process does not serve")), to: peer)
            return
        }
        reply(.shardReply(answer.reply), frames: answer.frames, to: peer)
    }

    private func answer(_ lease: UInt64, _ outcome: PushOutcome, to peer: PeerID) {
        switch outcome {
        case .accepted:
            reply(.pushReply(Wire.PushReply(leaseID: lease, accepted: true)), to: peer)
        case .refused(let reason):
            log.debug("push for lease \(lease) refused: \(reason)")
            reply(.pushReply(Wire.PushReply(leaseID: lease, accepted: false, reason: reason)), to: peer)
        }
    }

    private func reply(_ body: WireBody, frames: [WireMessage.Payload] = [], to peer: PeerID) {
        do {
            try transport.send(WireMessage(body, runID: settings.runID, frames: frames), to: peer)
        } catch {
            log.warning("could not send \(body.name) to \(peer): \(error)")
        }
    }
}
