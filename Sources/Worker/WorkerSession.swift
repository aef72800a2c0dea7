import Foundation
import Shared

/// A worker's life in a run (docs/architecture.md): register, then repeatedly ask for a lease, pull the
/// shards whose versions changed, compute reference log-probs, a gradient or eval metrics, push, until
/// told to stop.
/// Policy shards that shard servers serve are pulled from and pushed to those servers directly
/// (docs/parameter-servers.md); the coordinator gets the push's metrics last. Transfers overlap compute:
/// the pull runs on a thread of its own while the model starts on the shards already stored
/// (`ShardPull`), and each shard's part of the push leaves as soon as the backward pass has finished it
/// (`LeaseSchedule`, `PushPipeline`).
///
/// It re-registers (with backoff) when the coordinator stops answering or forgets it, dropping cached
/// shards when the coordinator's incarnation changes. Runs on one thread, which owns `transport` except
/// while a pull it started is in flight.
final class WorkerSession {
    struct Options {
        var endpoint: String
        var name: String
        var threads: Int
        /// The OpenBLAS kernels this process runs, reported at registration.
        var blasCore: String
        /// Seconds to wait for any reply before treating the coordinator as gone.
        var replyTimeout: Double = 30
        /// Seconds without any coordinator after which the worker gives up.
        var giveUpAfter: Double = 600
    }

    /// The run as the last `Welcome` described it.
    private struct Membership {
        let worker: UInt64
        let run: String
        let incarnation: UInt64
        let engine: GradientEngine
        let policy: ParameterCache
        let reference: ParameterCache
        /// Two gradient buffers, used in turn: one is computed into while the other is being pushed.
        let gradients: [FloatBuffer]
        /// How each gradient buffer travels (the run's compression).
        let gradientFrames: [GradientFrames]
        /// The shard servers, each with the shards it serves; shards of none are the coordinator's.
        let servers: [ShardHost]
        /// Each trained shard's part of a push and where it goes: a frozen shard has no gradient.
        let pushParts: [LeaseSchedule.Part]
    }

    /// One shard server as a worker reaches it.
    private final class ShardHost {
        let endpoint: String
        /// The shards it serves, ascending.
        let shards: [UInt32]
        let transport: any WorkerTransport

        init(endpoint: String, shards: [UInt32], run: String, network: any Network) throws {
            self.endpoint = endpoint
            self.shards = shards
            transport = try network.connect(to: endpoint, options: ConnectOptions(runID: run))
        }
    }

    private let options: Options
    private let network: any Network
    private var transport: any WorkerTransport
    private let heartbeat: HeartbeatThread
    private let log: Logger
    private var membership: Membership?
    /// The run this worker last joined, which a late `Stop` must name.
    private var lastRun: String?
    /// Per gradient buffer: signalled once the transport no longer needs its last push's frames (see
    /// `SendGuard`).
    private var pushSent: [DispatchSemaphore?] = [nil, nil]
    /// The gradient buffer the next gradient lease computes into.
    private var nextGradient = 0
    /// Delivers pushes while the next lease is computed; one per membership.
    private var pipeline: PushPipeline?
    /// A work request sent while a gradient lease was computed, whose answer (and, under asynchronous
    /// training, whose shards) a thread of its own reads meanwhile.
    private var askedAhead: PullAhead?
    /// A gradient computed under a lease that holds its push, until that answer says whether the next
    /// lease carries it.
    private var held: HeldPush?
    private var leaseTime = LeaseTime()

    init(options: Options, network: any Network, log: Logger) throws {
        self.options = options
        self.network = network
        self.log = log
        transport = try network.connect(to: options.endpoint, options: ConnectOptions())
        heartbeat = HeartbeatThread(endpoint: options.endpoint, network: network)
    }

    /// Works until the coordinator says stop (returns its reason) or cannot be reached for
    /// `giveUpAfter` seconds (throws).
    func run() throws -> String {
        defer {
            askedAhead?.abandon()
            closePipeline()
            heartbeat.stop()
            close(membership?.servers ?? [])
            transport.close()
            leaseTime.countPayload(of: transport)
            log.info(leaseTime.summary)
        }
        var unreachableSince: Date?
        var backoff = 0.25
        // The first request since the last lease: waiting to be given work counts from there.
        var askingSince: Date?
        while true {
            guard let member = membership else {
                // The answer to a request asked ahead goes with the membership; a lease it brings expires,
                // as does a lease whose push was held.
                askedAhead?.abandon()
                askedAhead = nil
                held = nil
                switch try register() {
                case .joined:
                    unreachableSince = nil
                    backoff = 0.25
                case .stopped(let reason):
                    return reason
                case .unanswered:
                    let since = unreachableSince ?? Date()
                    unreachableSince = since
                    if Date().timeIntervalSince(since) > options.giveUpAfter {
                        throw WorkerError.coordinatorUnreachable(endpoint: options.endpoint, seconds: options.giveUpAfter)
                    }
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, 5)
                }
                continue
            }
            if let reason = heartbeat.takeRegisterAgain() {
                log.info("coordinator asks to register again (answering a heartbeat): \(reason)")
                membership = nil
                continue
            }
            let asked = askingSince ?? Date()
            askingSince = asked
            let ahead = askedAhead
            askedAhead = nil
            var prefetched: [UInt32: WireMessage] = [:]
            let reply: WireMessage?
            if let ahead {
                let outcome = try ahead.finish()
                prefetched = outcome.prefetched
                leaseTime.shardsPulledAhead += prefetched.count
                reply = try interpret(outcome.reply)
            } else {
                reply = try exchangeMessage(.workRequest(Wire.WorkRequest(workerID: member.worker)), member: member)
            }
            releaseHeld(unlessCarriedBy: reply?.body)
            switch reply?.body {
            case .lease(let lease)?:
                let granted = Date()
                try work(on: lease, message: reply!, member: member, prefetched: prefetched)
                leaseTime.finished(askedAt: asked, grantedAt: granted)
                askingSince = nil
            case .wait(let wait)?:
                // Asked ahead, the wait was for a lease still being computed here: ask again at once.
                if ahead == nil { Thread.sleep(forTimeInterval: Double(wait.retryMilliseconds) / 1000) }
            case .stop(let stop)?:
                return stop.reason
            default:
                continue
            }
        }
    }

    // MARK: Registration

    private enum Registration {
        case joined
        /// No `Welcome` in time: the coordinator is away or busy.
        case unanswered
        /// The coordinator answered an earlier request with `Stop` while this worker was registering
        /// again (a reply that came after the worker stopped waiting for it): the run is over.
        case stopped(reason: String)
    }

    /// Sends `Register` and waits for `Welcome`.
    private func register() throws -> Registration {
        transport.expectedRunID = nil
        let hello = WireMessage(.register(Wire.Register(workerName: options.name, threads: UInt32(options.threads), blasCore: options.blasCore)), runID: "")
        do {
            try transport.send(hello)
        } catch let error as WireError {
            log.debug("register not sent: \(error)")
            return .unanswered
        }
        let deadline = Date().addingTimeInterval(min(options.replyTimeout, 5))
        while let message = try transport.receive(timeout: .milliseconds(Int(max(1, deadline.timeIntervalSinceNow * 1000)))) {
            switch message.body {
            case .welcome(let welcome):
                try join(welcome, run: message.envelope.runID)
                return .joined
            case .stop(let stop) where message.envelope.runID == lastRun:
                return .stopped(reason: stop.reason)
            case .refused(let refused):
                guard refused.registerAgain else { throw WorkerError.refused(refused.reason) }
                log.debug("not welcomed yet: \(refused.reason)")
                return .unanswered
            default:
                continue  // a late reply from before; keep waiting for the Welcome
            }
        }
        return .unanswered
    }

    private func join(_ welcome: Wire.Welcome, run: String) throws {
        let config: GPT2Config
        do {
            config = try JSONDecoder().decode(GPT2Config.self, from: Data(welcome.modelConfigJSON.utf8))
            try config.validate()
        } catch {
            throw WorkerError.protocolViolation("the model configuration in Welcome is unusable: \(error)")
        }
        // Checked before anything is allocated: the policy and reference copies, two gradient buffers and
        // their bfloat16 encodings must fit this machine's memory.
        let parameters = ParameterLayout.parameterCount(of: config) ?? Int.max
        let (bytes, overflow) = parameters.multipliedReportingOverflow(by: 4 * MemoryLayout<Float>.size + 2 * 2)
        let physical = ProcessInfo.processInfo.physicalMemory
        guard !overflow, UInt64(bytes) <= physical else {
            throw WorkerError.protocolViolation(String(format: "the run's model has %d parameters, whose buffers need %.1f GB; this machine has %.1f GB",
                                                       parameters, overflow ? Double.infinity : Double(bytes) / 1e9, Double(physical) / 1e9))
        }
        guard welcome.shardEndpoints.isEmpty || welcome.shardEndpoints.count == welcome.shards.count else {
            throw WorkerError.protocolViolation("Welcome names \(welcome.shardEndpoints.count) shard endpoints for \(welcome.shards.count) shards")
        }
        let model = GPT2(config: config)
        var cursor: UInt64 = 0
        for (index, shard) in welcome.shards.enumerated() {
            guard shard.shardID == UInt32(index), shard.offset == cursor, shard.count > 0 else {
                throw WorkerError.protocolViolation("shard \(index) of Welcome does not continue the previous one")
            }
            cursor += shard.count
        }
        guard cursor == UInt64(model.layout.count) else {
            throw WorkerError.protocolViolation("Welcome's shards cover \(cursor) parameters; the model has \(model.layout.count)")
        }
        // Shards cached under an earlier incarnation or run may not match this coordinator's versions.
        let keep = membership.map { $0.incarnation == welcome.incarnation && $0.run == run && $0.gradientFrames[0].compression == welcome.compression } ?? false
        let old = membership
        close(old?.servers ?? [])
        var served: [String: [UInt32]] = [:]
        for (index, endpoint) in welcome.shardEndpoints.enumerated() where !endpoint.isEmpty {
            served[endpoint, default: []].append(UInt32(index))
            // The coordinator, already authenticated, vouches for each server's key.
            if index < welcome.shardEndpointKeys.count, let key = CurveKey(z85: welcome.shardEndpointKeys[index]) {
                network.recognise(key, at: endpoint)
            }
        }
        let servers = try served.sorted { $0.value[0] < $1.value[0] }.map {
            try ShardHost(endpoint: $0.key, shards: $0.value, run: run, network: network)
        }
        membership = Membership(
            worker: welcome.workerID, run: run, incarnation: welcome.incarnation,
            engine: GradientEngine(model: model, objective: welcome.objective, threads: options.threads),
            policy: keep ? old!.policy : ParameterCache(shards: welcome.shards, parameterCount: model.layout.count),
            reference: keep ? old!.reference : ParameterCache(shards: welcome.shards, parameterCount: model.layout.count),
            gradients: keep ? old!.gradients : (0..<2).map { _ in FloatBuffer(count: model.layout.count) },
            gradientFrames: keep ? old!.gradientFrames
                : (0..<2).map { _ in GradientFrames(shards: welcome.shards, compression: welcome.compression) },
            servers: servers,
            pushParts: welcome.shards.filter { !$0.frozen }.map { shard in
                let host = servers.firstIndex { $0.shards.contains(shard.shardID) }
                return LeaseSchedule.Part(destination: host.map { .server($0) } ?? .coordinator, shard: shard.shardID,
                                          firstOffset: Int(shard.offset))
            })
        closePipeline()
        pipeline = try PushPipeline(run: run, coordinator: options.endpoint, servers: servers.map(\.endpoint), network: network,
                                    replyTimeout: options.replyTimeout, log: log)
        transport.expectedRunID = run
        lastRun = run
        heartbeat.beat(worker: welcome.workerID, run: run, every: Double(welcome.heartbeatMilliseconds) / 1000)
        log.info("joined run \(run) as worker \(welcome.workerID): \(config.layers) layers, \(model.layout.count) parameters in \(welcome.shards.count) shards"
                 + (servers.isEmpty ? "" : " on \(servers.count) shard servers") + ", objective \(welcome.objective.kind.rawValue)"
                 + (welcome.compression == .none ? "" : ", compression \(welcome.compression)"))
    }

    /// Delivers the push in flight, if any, and closes the pipeline, counting its traffic.
    private func closePipeline() {
        guard let pipeline else { return }
        let traffic = pipeline.close()
        leaseTime.countPayload(sent: traffic.sent, received: traffic.received)
        self.pipeline = nil
    }

    /// Closes shard-server connections, counting their traffic.
    private func close(_ hosts: [ShardHost]) {
        for host in hosts {
            host.transport.close()
            leaseTime.countPayload(of: host.transport)
        }
    }

    // MARK: Requests

    /// Sends `body` and returns the reply's body; nil (after forgetting the membership) when the
    /// coordinator did not answer in time or asked this worker to register again.
    private func exchange(_ body: WireBody, frames: [WireMessage.Payload] = [], member: Membership) throws -> WireBody? {
        try exchangeMessage(body, frames: frames, member: member)?.body
    }

    private func exchangeMessage(_ body: WireBody, frames: [WireMessage.Payload] = [], member: Membership) throws -> WireMessage? {
        do {
            try transport.send(WireMessage(body, runID: member.run, frames: frames))
        } catch let error as WireError {
            log.warning("coordinator unreachable (\(error)); registering again")
            membership = nil
            return nil
        }
        return try awaitReply(to: body)
    }

    /// The coordinator's answer to `body`, sent before; nil (after forgetting the membership) when it did
    /// not answer in time or asked this worker to register again.
    private func awaitReply(to body: WireBody) throws -> WireMessage? {
        try interpret(try answer(to: body, from: transport))
    }

    /// `reply`, the coordinator's answer to a request; nil (after forgetting the membership) when there was
    /// none or it asks this worker to register again.
    private func interpret(_ reply: WireMessage?) throws -> WireMessage? {
        guard let reply else {
            log.warning("no reply from the coordinator in \(Int(options.replyTimeout)) s; registering again")
            membership = nil
            return nil
        }
        if case .refused(let refused) = reply.body {
            guard refused.registerAgain else { throw WorkerError.refused(refused.reason) }
            log.info("coordinator asks to register again: \(refused.reason)")
            membership = nil
            return nil
        }
        return reply
    }

    /// `transport`'s reply to `request` within the reply time-out (`WorkerTransport.reply(to:within:)`).
    private func answer(to request: WireBody, from transport: any WorkerTransport) throws -> WireMessage? {
        try transport.reply(to: request, within: options.replyTimeout) { [log] late in
            log.debug("skipped a late \(late.body.name) while waiting for the answer to \(request.name)")
        }
    }

    // MARK: Work

    /// - Parameter prefetched: shards of the lease's versions pulled ahead (`PullAhead`).
    private func work(on lease: Wire.Lease, message: WireMessage, member: Membership, prefetched: [UInt32: WireMessage] = [:]) throws {
        let payload: LeasePayload
        let batch: LeaseBatch
        do {
            payload = try LeasePayload(validating: message, lease: lease, vocabularySize: member.engine.model.config.vocabulary)
            batch = try LeaseBatch(lease: lease, payload: payload)
        } catch {
            log.error("lease \(lease.leaseID) is malformed and is dropped: \(error)")
            return
        }
        let cache = lease.parameterSet == .reference ? member.reference : member.policy
        guard lease.shardVersions.count == cache.shards.count else {
            log.error("lease \(lease.leaseID) names \(lease.shardVersions.count) shard versions for \(cache.shards.count) shards; dropped")
            return
        }
        if lease.kind == .gradient, let failure = pipeline?.takeFailure() {
            log.warning("\(failure); registering again")
            membership = nil
            return
        }
        let pull = ShardPull(cache.stale(comparedTo: lease.shardVersions), into: cache, fetch: shardFetch(of: lease.parameterSet, member: member),
                             prefetched: lease.parameterSet == .policy ? prefetched : [:], source: sources(of: lease.parameterSet, member: member))
        // A shard may have moved on between the lease and the pull; the push reports the versions used
        // and the coordinator judges their staleness.
        // A batch the model cannot take (a sequence beyond n_positions, activations beyond this machine's
        // memory) is refused before anything is allocated for it; like a malformed lease it is dropped, and
        // the worker lives on for the leases it can compute.
        do {
            switch lease.kind {
            case .reference: try computeReference(lease, batch: batch, pull: pull, member: member)
            case .gradient: try computeGradient(lease, batch: batch, pull: pull, member: member)
            case .eval: try computeEval(lease, batch: batch, pull: pull, member: member)
            }
        } catch let error as ModelError {
            log.error("lease \(lease.leaseID) cannot be computed here and is dropped: \(error)")
        } catch let error as DatasetError {
            log.error("lease \(lease.leaseID) does not fit the model and is dropped: \(error)")
        }
    }

    /// Forward passes under the policy at the lease's versions, pushing the batch's metric sums only.
    private func computeEval(_ lease: Wire.Lease, batch: LeaseBatch, pull: ShardPull, member: Membership) throws {
        let schedule = LeaseSchedule(pull: pull)
        guard let (result, _) = try computing(with: pull, {
            try member.engine.evaluate(parameters: member.policy.values.pointer, pairs: batch.pairs, reference: batch.reference,
                                       schedule: schedule)
        }) else { return }
        let push = Wire.EvalPush(workerID: member.worker, leaseID: lease.leaseID, batchID: lease.batchID,
                                 shardVersions: member.policy.versions.map { $0 ?? 0 }, metrics: result.metrics)
        report(try exchange(.evalPush(push), member: member), lease: lease)
    }

    private func computeReference(_ lease: Wire.Lease, batch: LeaseBatch, pull: ShardPull, member: Membership) throws {
        let schedule = LeaseSchedule(pull: pull)
        guard let (logProbs, _) = try computing(with: pull, {
            try member.engine.logProbs(parameters: member.reference.values.pointer, pairs: batch.pairs, schedule: schedule)
        }) else { return }
        let values = logProbs.flatMap { [$0.chosen, $0.rejected] }
        let push = Wire.ReferencePush(workerID: member.worker, leaseID: lease.leaseID, batchID: lease.batchID)
        report(try exchange(.referencePush(push), frames: [.copying(values)], member: member), lease: lease)
    }

    /// Computes into the gradient buffer not in flight and hands the push to the pipeline, each trained
    /// shard's part during the backward pass (`LeaseSchedule`), the closing push with the metrics at the end.
    /// A lease that holds its push keeps it (`held`); a lease that carries the held one adds its gradient
    /// into each part before it leaves, and names it in the closing push (docs/parameter-servers.md, "One
    /// push for two leases").
    private func computeGradient(_ lease: Wire.Lease, batch: LeaseBatch, pull: ShardPull, member: Membership) throws {
        let carried = held.flatMap { lease.carriesLeaseID == $0.lease.leaseID ? $0 : nil }
        held = nil
        let index = nextGradient
        nextGradient = 1 - index
        if let previous = pushSent[index], previous.wait(timeout: .now() + 30) == .timedOut {
            log.warning("the gradient before last is still being sent after 30 s; overwriting it anyway")
        }
        pushSent[index] = nil
        let gradient = member.gradients[index]
        gradient.zero()
        let sent = DispatchSemaphore(value: 0)
        let owner = SendGuard(signalling: sent, keeping: [gradient, member.gradientFrames[index]])
        let policy = member.policy
        func push(_ result: GradientEngine.BatchResult?, seconds: Double) -> Wire.GradientPush {
            Wire.GradientPush(workerID: member.worker, leaseID: lease.leaseID, batchID: lease.batchID,
                              shardVersions: policy.versions.map { $0 ?? 0 }, metrics: result?.metrics ?? PreferenceMetrics(),
                              tokens: UInt64(result?.tokens ?? 0), computeSeconds: seconds)
        }
        let schedule = pipeline.map { pipeline in
            LeaseSchedule(pull: pull, push: LeaseSchedule.Push(
                pipeline: pipeline, header: { push(nil, seconds: 0) }, parts: member.pushParts,
                frames: { ids in
                    let shards = ids.map { policy.shards[Int($0)] }
                    carried?.add(shards, into: gradient)
                    return member.gradientFrames[index].frames(shards, of: gradient, step: lease.step, batch: lease.batchID, owner: owner)
                }),
                pulled: { [self] in askAhead(member) })
        } ?? LeaseSchedule(pull: pull)
        schedule.holding = lease.holdPush
        guard let (result, seconds) = try computing(with: pull, {
            try member.engine.accumulateGradient(
                parameters: policy.values.pointer, pairs: batch.pairs, reference: batch.reference,
                normalizer: lease.normalizer, bufferPairs: Int(lease.bufferPairs), bufferWeight: lease.bufferWeight,
                into: gradient.pointer, schedule: schedule)
        }) else { return }
        var closing = push(result, seconds: seconds)
        closing.carried = carried?.carried
        pushSent[index] = sent
        if lease.holdPush {
            held = HeldPush(lease: lease, schedule: schedule, closing: closing, gradient: gradient)
            return
        }
        // Delivered while the next lease is asked for, pulled and computed.
        schedule.finishPush(closing)
    }

    /// Pushes the held gradient alone, unless `reply` is the lease that carries it.
    private func releaseHeld(unlessCarriedBy reply: WireBody?) {
        guard let held else { return }
        if case .lease(let lease)? = reply, lease.carriesLeaseID == held.lease.leaseID { return }
        self.held = nil
        held.schedule.finishPush(held.closing)
    }

    /// Asks for the next lease while this one is computed (docs/architecture.md, "Asking ahead"): its
    /// answer is read on a thread of its own, which under asynchronous training also fetches the shards the
    /// next lease needs (`PullAhead`), so the round trip, the pull, and under a synchronous run the wait
    /// for the step to be applied, overlap the backward pass. A request that cannot be sent now is sent
    /// later.
    private func askAhead(_ member: Membership) {
        let request = Wire.WorkRequest(workerID: member.worker, ahead: true)
        guard (try? transport.send(WireMessage(.workRequest(request), runID: member.run))) != nil else { return }
        askedAhead = PullAhead(request: request, coordinator: transport, cache: member.policy, fetch: shardFetch(of: .policy, member: member),
                               source: sources(of: .policy, member: member))
    }

    private func shardFetch(of set: Wire.ParameterSet, member: Membership) -> ShardFetch {
        ShardFetch(worker: member.worker, run: member.run, set: set, compression: member.gradientFrames[0].compression,
                   replyTimeout: options.replyTimeout, log: log)
    }

    /// Who serves each shard of `set`: policy shards of shard servers come from those servers, all others
    /// from the coordinator.
    private func sources(of set: Wire.ParameterSet, member: Membership) -> (UInt32) -> ShardPull.Source {
        { [transport] id in
            let host = set == .policy ? member.servers.first { $0.shards.contains(id) } : nil
            return ShardPull.Source(transport: host?.transport ?? transport, server: host?.endpoint)
        }
    }

    /// Runs one engine call while `pull` is in flight; returns its result and its duration less the time
    /// spent waiting for shards, which is added to the lease time spent computing. Nil (after forgetting
    /// the membership) when the pull failed: what the call computed is dropped.
    private func computing<Result>(with pull: ShardPull, _ call: () throws -> Result) throws -> (Result, seconds: TimeInterval)? {
        let start = Date()
        let result = Swift.Result { try call() }
        let seconds = Date().timeIntervalSince(start) - pull.waited
        leaseTime.compute += seconds
        leaseTime.pulling += pull.waited
        do {
            try pull.finish()
        } catch {
            switch error {
            case .registerAgain(let reason):
                log.warning("\(reason); registering again")
                membership = nil
                return nil
            case .fatal(let error):
                throw error
            }
        }
        return (try result.get(), seconds)
    }

    private func report(_ reply: WireBody?, lease: Wire.Lease) {
        guard case .pushReply(let outcome)? = reply else { return }
        if outcome.accepted {
            log.debug("lease \(lease.leaseID) (batch \(lease.batchID)) accepted")
        } else {
            log.info("lease \(lease.leaseID) (batch \(lease.batchID)) refused: \(outcome.reason)")
        }
    }
}
