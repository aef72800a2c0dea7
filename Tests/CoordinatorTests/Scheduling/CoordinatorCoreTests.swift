import Foundation
import Testing
@testable import Shared
@testable import Coordinator

/// The coordinator's decisions without sockets: phases, sync and async leasing, refusals, lost workers,
/// steps applied through the in-process shard server, metrics and checkpoints.
final class CoordinatorCoreTests {
    let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 16, vocabulary: 13)
    var metricsLines: [(Int, [String: Double])] = []
    var checkpoints: [TrainingState] = []
    var savedReference: [ResponseLogProbs]?

    /// Five pairs; batches of 2 → batches (2, 2, 1); 2 batches a step → steps of 4 and 1 pairs.
    func pairs() throws -> [TokenizedPair] {
        try (0..<5).map { i in
            try TokenizedPair(chosenIDs: [1, 2 + i, 3], chosenMask: [false, true, true], rejectedIDs: [1, 7],
                              rejectedMask: [false, true], chosenSafe: i % 2 == 0, rejectedSafe: true,
                              source: RowLocation(file: "pairs", line: i + 1))
        }
    }

    func makeCore(maxStaleness: Int = 0, reference: [ResponseLogProbs]? = nil, saveSteps: Int = 100,
                  buffer: [TokenizedPair] = [], accumulation: Int = 2) throws -> CoordinatorCore {
        let layout = ParameterLayout(config: config)
        let parameters = ModelInitializer.parameters(for: config, seed: 1)
        let store = ShardStore(parameters: parameters, layout: layout, count: 2, hyperparameters: AdamW.Hyperparameters())
        let plan = BatchPlan(pairCount: 5, batchSize: 2, accumulation: accumulation, epochs: 1)
        let configuration = CoordinatorCore.Configuration(
            runID: "test", leaseSeconds: 30, maxStaleness: maxStaleness, saveSteps: saveSteps, seed: 3,
            schedule: LearningRateSchedule(kind: .constant, learningRate: 1e-3, totalSteps: plan.totalSteps, warmupSteps: 0),
            maxGradNorm: 1e9)
        let sinks = CoordinatorCore.Sinks(
            referenceComplete: { [unowned self] in self.savedReference = $0 },
            metrics: { [unowned self] step, values in self.metricsLines.append((step, values)) },
            checkpoint: { [unowned self] state, _ in self.checkpoints.append(state) })
        let stream = buffer.isEmpty ? nil : try BufferStream(count: buffer.count, pairsPerBatch: 2, seed: 9)
        return CoordinatorCore(
            configuration: configuration, plan: plan, pairs: try pairs() + buffer, buffer: stream,
            servers: ServerGroup(store: store, modelConfigJSON: "{}"),
            referenceSnapshots: store.snapshots,
            reference: reference, resume: nil, workerTimeout: 10, sinks: sinks, log: Logger(component: "test", threshold: .error))
    }

    func lease(_ assignment: Assignment) throws -> LeaseGrant {
        guard case .lease(let grant) = assignment else { throw TestFailure("expected a lease, got \(assignment)") }
        return grant
    }

    struct TestFailure: Error { let message: String; init(_ message: String) { self.message = message } }

    /// Every state the core wrote passes the checks a resume makes (`TrainingState.checkConsistency`).
    func expectConsistentCheckpoints(_ core: CoordinatorCore, sourceLocation: SourceLocation = #_sourceLocation) {
        for state in checkpoints {
            #expect(throws: Never.self, sourceLocation: sourceLocation) {
                try state.checkConsistency(plan: core.plan, frozen: [false, false])
            }
        }
    }

    let zeroReference = [ResponseLogProbs](repeating: ResponseLogProbs(chosen: -2, rejected: -3), count: 5)

    func metrics(pairs: Int) throws -> PreferenceMetrics {
        try PreferenceMetrics(pairs: pairs, lossSum: Double(pairs), chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: pairs,
                              accuratePairs: 0, safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0,
                              policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0)
    }

    func gradient(_ core: CoordinatorCore, value: Float) -> BufferGradient {
        BufferGradient([Float](repeating: value, count: core.servers.ranges.last!.upperBound), shards: core.servers.ranges)
    }

    func waitForApply(_ core: CoordinatorCore, now: Double) throws {
        let start = Date()
        while core.isApplying {
            try core.tick(now: now)
            #expect(Date().timeIntervalSince(start) < 5)
        }
    }

    @Test func theRosterKeepsEachWorkersBLASCore() throws {
        let core = try makeCore()
        let fast = core.register(name: "fast", threads: 2, blasCore: "Cooperlake", now: 0)
        let silent = core.register(name: "old", threads: 2, now: 0)
        #expect(core.roster.workers[fast]?.blasCore == "Cooperlake")
        #expect(core.roster.workers[silent]?.blasCore == "")
    }

    @Test func referencePhaseLeasesEveryPairThenTrainingStarts() throws {
        let core = try makeCore()
        let worker = core.register(name: "w", threads: 1, now: 0), other = core.register(name: "v", threads: 1, now: 0)
        // A worker holds at most two leases at once.
        let holders = [worker, worker, other]
        let grants = try holders.map { try lease(core.requestWork(worker: $0, now: 0)) }
        #expect(grants.map(\.batch) == [0, 1, 2])
        #expect(grants.allSatisfy { $0.kind == .reference && $0.parameterSet == .reference })
        #expect(grants.map(\.pairs.count) == [2, 2, 1])
        #expect(core.pushReference(worker: worker, lease: grants[0].leaseID, batch: 0, logProbs: [-1, -2, -3], now: 1)
                == .refused("reference push for batch 0 has 3 log-probs, expected 4"))
        #expect(core.pushReference(worker: worker, lease: grants[0].leaseID, batch: 0, logProbs: [-1, -2, -.infinity, -4], now: 1)
                != .accepted)
        for ((grant, holder), base) in zip(zip(grants, holders), [0.0, 10, 20]) {
            let values = (0..<(2 * grant.pairs.count)).map { -base - Double($0) }
            #expect(core.pushReference(worker: holder, lease: grant.leaseID, batch: grant.batch, logProbs: values, now: 1) == .accepted)
        }
        #expect(core.phase == .training)
        #expect(savedReference?.map(\.chosen) == [0, -2, -10, -12, -20])
        #expect(savedReference?.map(\.rejected) == [-1, -3, -11, -13, -21])
        let training = try lease(core.requestWork(worker: worker, now: 2))
        #expect(training.kind == .gradient && training.reference.count == training.pairs.count)
    }

    @Test func synchronousStepLeasesOnlyItsBatchesAndAppliesWhenAllAreIn() throws {
        let core = try makeCore(reference: zeroReference)
        let (a, b, c) = (core.register(name: "a", threads: 1, now: 0), core.register(name: "b", threads: 1, now: 0),
                         core.register(name: "c", threads: 1, now: 0))
        let first = try lease(core.requestWork(worker: a, now: 0))
        let second = try lease(core.requestWork(worker: b, now: 0))
        #expect([first.batch, second.batch] == [0, 1] && first.step == 0 && first.versions == [0, 0])
        guard case .wait = core.requestWork(worker: c, now: 0) else { throw TestFailure("step 1's batch must wait for step 0") }
        let before = core.servers.local.store.snapshots[0].values[0]
        #expect(core.pushGradient(worker: b, lease: second.leaseID, batch: 1, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 10, gradient: gradient(core, value: 0.5), now: 1) == .accepted)
        #expect(core.pushGradient(worker: b, lease: second.leaseID, batch: 1, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 10, gradient: gradient(core, value: 0.5), now: 1) != .accepted)
        #expect(core.pushGradient(worker: a, lease: first.leaseID, batch: 0, versions: [0, 0], metrics: try metrics(pairs: 3),
                                  tokens: 10, gradient: gradient(core, value: 0.5), now: 1)
                == .refused("gradient for batch 0 reports 3 pairs, the batch has 2"))
        // Its part is held already: a closing push alone counts the lease.
        #expect(core.pushGradient(worker: a, lease: first.leaseID, batch: 0, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 10, gradient: nil, now: 1) == .accepted)
        try waitForApply(core, now: 2)
        #expect(core.servers.local.store.versions == [1, 1])
        // AdamW's first step moves each parameter by lr·g/(|g| + ε) = 1e-3 against the gradient's sign
        // (wte takes no decay here: weight_decay is 0).
        #expect(abs(core.servers.local.store.snapshots[0].values[0] - (before - 1e-3)) < 1e-6)
        #expect(metricsLines.map(\.0) == [1])
        #expect(metricsLines[0].1["loss"] == 1)
        #expect(metricsLines[0].1["workers"] == 3)
        #expect(core.refusals == 2)
        let third = try lease(core.requestWork(worker: c, now: 2))
        #expect(third.batch == 2 && third.versions == [1, 1] && third.step == 1)
    }

    /// A worker alone gets the step's first batch with its push held and the second to carry it; one push
    /// of the summed gradient counts both, and the step is applied from it (docs/parameter-servers.md,
    /// "One push for two leases").
    @Test func aLoneWorkersSecondLeaseCarriesTheFirstsGradient() throws {
        let core = try makeCore(reference: zeroReference)
        let worker = core.register(name: "w", threads: 1, now: 0)
        let first = try lease(core.requestWork(worker: worker, now: 0))
        let second = try lease(core.requestWork(worker: worker, now: 0))
        #expect(first.batch == 0 && first.holdPush && first.carriesLeaseID == nil)
        #expect(second.batch == 1 && !second.holdPush && second.carriesLeaseID == first.leaseID)
        let before = core.servers.local.store.snapshots[0].values[0]
        let carried = Wire.CarriedLease(leaseID: first.leaseID, batchID: 0, metrics: try metrics(pairs: 2), tokens: 7, computeSeconds: 1)
        #expect(core.pushGradient(worker: worker, lease: second.leaseID, batch: 1, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 10, gradient: gradient(core, value: 0.5), carried: carried, now: 1) == .accepted)
        try waitForApply(core, now: 2)
        #expect(core.servers.local.store.versions == [1, 1] && core.carriedPushes == 1)
        #expect(abs(core.servers.local.store.snapshots[0].values[0] - (before - 1e-3)) < 1e-6)
        #expect(metricsLines.map(\.0) == [1])
        #expect(metricsLines[0].1["loss"] == 1)
        // The step of one batch (batch 2) has nothing to carry.
        let last = try lease(core.requestWork(worker: worker, now: 2))
        #expect(last.batch == 2 && !last.holdPush && last.carriesLeaseID == nil)
    }

    /// A carrier must name the lease it carries, and only that one; refused, both batches are leased again.
    @Test func aCarrierThatDoesNotNameItsHeldLeaseIsRefusedWithIt() throws {
        let core = try makeCore(reference: zeroReference)
        let worker = core.register(name: "w", threads: 1, now: 0)
        var first = try lease(core.requestWork(worker: worker, now: 0))
        var second = try lease(core.requestWork(worker: worker, now: 0))
        #expect(core.pushGradient(worker: worker, lease: second.leaseID, batch: 1, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 10, gradient: gradient(core, value: 0.5), now: 1)
                == .refused("gradient for batch 1: it was granted to carry lease \(first.leaseID) and does not name it; both batches are leased again"))
        #expect(core.ledger.leases.isEmpty && core.ledger.pending == [0, 1, 2])
        first = try lease(core.requestWork(worker: worker, now: 1))
        second = try lease(core.requestWork(worker: worker, now: 1))
        #expect(first.holdPush && second.carriesLeaseID == first.leaseID)
        let wrong = Wire.CarriedLease(leaseID: first.leaseID + 100, batchID: 0, metrics: try metrics(pairs: 2), tokens: 7, computeSeconds: 1)
        #expect(core.pushGradient(worker: worker, lease: second.leaseID, batch: 1, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 10, gradient: gradient(core, value: 0.5), carried: wrong, now: 1)
                == .refused("gradient for batch 1: it was not granted to carry lease \(first.leaseID + 100); both batches are leased again"))
        #expect(core.ledger.leases.isEmpty && core.ledger.pending == [0, 1, 2] && core.carriedPushes == 0)
    }

    /// A held lease and its carrier are one push in flight: the worker alone may ask ahead for the step's
    /// third batch while both are live.
    @Test func aHeldLeaseDoesNotCountAgainstTheWorkersLeases() throws {
        let core = try makeCore(reference: zeroReference, accumulation: 3)
        let worker = core.register(name: "w", threads: 1, now: 0)
        let grants = try (0..<3).map { _ in try lease(core.requestWork(worker: worker, now: 0)) }
        #expect(grants.map(\.batch) == [0, 1, 2])
        #expect(grants[0].holdPush && grants[1].carriesLeaseID == grants[0].leaseID)
        #expect(!grants[2].holdPush && grants[2].carriesLeaseID == nil)
        guard case .wait = core.requestWork(worker: worker, now: 0) else { throw TestFailure("a fourth lease is one too many") }
    }

    /// With another worker in the run nothing is held: the step's second batch may go to either.
    @Test func workersNotAloneHoldNothing() throws {
        let core = try makeCore(reference: zeroReference)
        let (a, b) = (core.register(name: "a", threads: 1, now: 0), core.register(name: "b", threads: 1, now: 0))
        let grants = try [a, a, b].prefix(2).map { try lease(core.requestWork(worker: $0, now: 0)) }
        #expect(grants.allSatisfy { !$0.holdPush && $0.carriesLeaseID == nil })
    }

    /// A hello from a server's endpoint is a sign of life while its shards are on their way (over its own
    /// connection, before any step message); once it has sent a step message, or over another connection,
    /// it means the process there was started again and lost its shards.
    @Test func aHelloAgainFromAServerThatHeldItsShardsMeansItRestarted() throws {
        let core = try makeCore(reference: zeroReference)
        let id: UInt64 = 1 << 48, endpoint = "tcp://127.0.0.1:9", control = PeerID(bytes: [9])
        core.servers.assign([(id: id, name: "server", endpoint: endpoint, peer: control)], now: 0)
        #expect(core.servers.hello(from: "tcp://127.0.0.1:10", peer: control, now: 1) == .unknown)
        #expect(core.servers.hello(from: endpoint, peer: control, now: 1) == .waiting)
        #expect(core.servers.silent(now: 4, timeout: 3.5).isEmpty)  // heard at 1, not at 0
        #expect(core.servers.hello(from: endpoint, peer: PeerID(bytes: [10]), now: 2) == .restarted(name: "server"))
        _ = core.servers.heard(from: id, peer: nil, key: nil, now: 3)  // a heartbeat: says nothing of the control connection
        #expect(core.servers.hello(from: endpoint, peer: control, now: 3) == .waiting)
        _ = core.servers.heard(from: id, peer: control, key: nil, now: 4)  // a step message
        #expect(core.servers.hello(from: endpoint, peer: control, now: 5) == .restarted(name: "server"))
    }

    /// A server refuses a `StepReduce` that names a push twice or both counts and drops it, and the step
    /// would never finish: duplicates refused, expired leases and late pushes are dropped once each.
    @Test func aStepDropsEachPushOnceAndNeverOneItCounts() throws {
        let core = try makeCore(reference: zeroReference)
        core.servers.assign([(id: 1 << 48, name: "server", endpoint: "tcp://127.0.0.1:9", peer: PeerID(bytes: [9]))], now: 0)
        _ = core.servers.takeOutbox()
        let worker = core.register(name: "w", threads: 1, now: 0)
        let first = try lease(core.requestWork(worker: worker, now: 0))
        let second = try lease(core.requestWork(worker: worker, now: 0))
        func push(_ grant: LeaseGrant, now: Double) throws -> PushOutcome {
            core.pushGradient(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [0, 0], metrics: try metrics(pairs: 2),
                              tokens: 1, gradient: nil, now: now)
        }
        #expect(try push(first, now: 1) == .accepted)
        #expect(try push(first, now: 2) != .accepted)
        #expect(try push(first, now: 3) != .accepted)
        _ = core.heard(from: worker, now: 25)
        try core.tick(now: 31)  // the second lease expires
        #expect(try push(second, now: 31) != .accepted)
        #expect(try push(second, now: 31) != .accepted)
        let third = try lease(core.requestWork(worker: worker, now: 31))
        #expect(third.batch == second.batch)
        #expect(try push(third, now: 32) == .accepted)
        let reduces = core.servers.takeOutbox().compactMap { message -> Wire.StepReduce? in
            if case .stepReduce(let reduce) = message.body { return reduce }
            return nil
        }
        let ref = { (grant: LeaseGrant) in Wire.LeaseRef(leaseID: grant.leaseID, workerID: worker) }
        #expect(reduces.map(\.leases) == [[ref(first), ref(third)]])
        #expect(reduces.map(\.dropped) == [[ref(second)]])
    }

    /// A shutdown while a server is still sending its shards for a checkpoint waits for that checkpoint
    /// instead of asking for the states a second time.
    @Test func shutdownDuringACheckpointGatheredFromAServerWaitsForIt() throws {
        let core = try makeCore(reference: zeroReference, saveSteps: 1)
        let server: UInt64 = 1 << 48
        core.servers.assign([(id: server, name: "server", endpoint: "tcp://127.0.0.1:9", peer: PeerID(bytes: [9]))], now: 0)
        _ = core.servers.takeOutbox()
        let worker = core.register(name: "w", threads: 1, now: 0)
        for _ in 0..<2 {
            let grant = try lease(core.requestWork(worker: worker, now: 0))
            _ = core.pushGradient(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 1, gradient: nil, now: 0)
        }
        #expect(core.servers.received(Wire.StepReduced(serverID: server, step: 0, sumsOfSquares: [1, 1])) == nil)
        try core.tick(now: 1)
        #expect(core.servers.received(Wire.StepCommitted(serverID: server, step: 0, shards: [
            Wire.ShardVersion(shardID: 0, version: 1), Wire.ShardVersion(shardID: 1, version: 1)])) == nil)
        try core.tick(now: 1)
        let requests = core.servers.takeOutbox().filter { if case .stateRequest = $0.body { true } else { false } }
        #expect(requests.count == 1)
        try core.shutDown(reason: "SIGTERM", now: 2)
        try core.tick(now: 2)
        #expect(core.isApplying && core.servers.takeOutbox().isEmpty)
    }

    @Test func staleGradientIsRefusedAndBatchReleased() throws {
        let core = try makeCore(maxStaleness: 1, reference: zeroReference)
        let worker = core.register(name: "w", threads: 1, now: 0), other = core.register(name: "v", threads: 1, now: 0)
        let grants = try [worker, worker, other].map { try lease(core.requestWork(worker: $0, now: 0)) }
        #expect(grants.map(\.batch) == [0, 1, 2])
        for grant in grants.prefix(2) {
            #expect(core.pushGradient(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [0, 0],
                                      metrics: try metrics(pairs: 2), tokens: 5, gradient: gradient(core, value: 1), now: 1) == .accepted)
        }
        try waitForApply(core, now: 1)
        // One version old: within the bound of 1.
        #expect(core.pushGradient(worker: other, lease: grants[2].leaseID, batch: 2, versions: [0, 0],
                                  metrics: try metrics(pairs: 1), tokens: 5, gradient: gradient(core, value: 1), now: 2) == .accepted)
        try waitForApply(core, now: 2)
        #expect(metricsLines.map { $0.1["staleness_max"] } == [0, 1])
        #expect(core.phase == .finished("training finished after 2 steps"))
        #expect(checkpoints.map(\.step) == [2])
        expectConsistentCheckpoints(core)
        guard case .stop = core.requestWork(worker: worker, now: 3) else { throw TestFailure("a finished run stops workers") }
    }

    @Test func gradientBeyondTheStalenessBoundIsLeasedAgain() throws {
        let core = try makeCore(maxStaleness: 0, reference: zeroReference)
        let worker = core.register(name: "w", threads: 1, now: 0)
        let grant = try lease(core.requestWork(worker: worker, now: 0))
        let outcome = core.pushGradient(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [1, 0],
                                        metrics: try metrics(pairs: 2), tokens: 5, gradient: gradient(core, value: 1), now: 1)
        #expect(outcome == .refused("gradient for batch 0 claims parameter versions [1, 0] the coordinator never published"))
        #expect(core.ledger.leases.count == 1)
        let again = try lease(core.requestWork(worker: worker, now: 1))
        #expect(again.batch == 1)
    }

    @Test func silentWorkerLosesItsLeases() throws {
        let core = try makeCore(reference: zeroReference)
        let lost = core.register(name: "lost", threads: 1, now: 0)
        let grant = try lease(core.requestWork(worker: lost, now: 0))
        let alive = core.register(name: "alive", threads: 1, now: 5)
        try core.tick(now: 11)
        #expect(core.workers.count == 1)
        #expect(core.heard(from: lost, now: 11) == .unknown)
        let again = try lease(core.requestWork(worker: alive, now: 11))
        #expect(again.batch == grant.batch)
        #expect(core.pushGradient(worker: lost, lease: grant.leaseID, batch: grant.batch, versions: [0, 0],
                                  metrics: try metrics(pairs: 2), tokens: 1, gradient: gradient(core, value: 1), now: 12) != .accepted)
    }

    @Test func checkpointsFollowSaveStepsAndShutdownWritesOne() throws {
        let core = try makeCore(reference: zeroReference, saveSteps: 1)
        let worker = core.register(name: "w", threads: 1, now: 0)
        for _ in 0..<2 {
            let grant = try lease(core.requestWork(worker: worker, now: 0))
            _ = core.pushGradient(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [0, 0],
                                  metrics: try metrics(pairs: 2), tokens: 1, gradient: gradient(core, value: 1), now: 0)
        }
        try waitForApply(core, now: 1)
        #expect(checkpoints.map(\.step) == [1])
        let state = try #require(checkpoints.last)
        #expect(state.completedBatches == [0, 1] && state.position == 4 && state.epoch == 0)
        #expect(state.shards.map(\.version) == [1, 1] && state.shards.map(\.optimizerSteps) == [1, 1])
        _ = try lease(core.requestWork(worker: worker, now: 1))
        try core.shutDown(reason: "SIGTERM", now: 2)
        #expect(checkpoints.map(\.step) == [1, 1])
        expectConsistentCheckpoints(core)
        guard case .stop(let reason) = core.requestWork(worker: worker, now: 3) else { throw TestFailure("stop after shutdown") }
        #expect(reason == "SIGTERM")
    }

    @Test func bufferPairsJoinEveryGradientLeaseWithTheirWeight() throws {
        let buffer = try (0..<3).map { i in
            try TokenizedPair(chosenIDs: [4, 9, 10 + i], chosenMask: [false, true, true], rejectedIDs: [4, 11], rejectedMask: [false, true],
                              chosenSafe: true, rejectedSafe: true, source: RowLocation(file: "buffer", line: i + 1))
        }
        let core = try makeCore(buffer: buffer)
        let worker = core.register(name: "w", threads: 1, now: 0)
        // The reference phase covers the buffer too: 8 pairs in batches of 2.
        var references: [LeaseGrant] = []
        for _ in 0..<4 {
            let grant = try lease(core.requestWork(worker: worker, now: 0))
            references.append(grant)
            let values = [Double](repeating: -1, count: 2 * grant.pairs.count)
            #expect(core.pushReference(worker: worker, lease: grant.leaseID, batch: grant.batch, logProbs: values, now: 0) == .accepted)
        }
        #expect(references.map(\.pairs.count) == [2, 2, 2, 2])
        #expect(savedReference?.count == 8)
        let first = try lease(core.requestWork(worker: worker, now: 1))
        let second = try lease(core.requestWork(worker: worker, now: 1))
        let stream = try BufferStream(count: 3, pairsPerBatch: 2, seed: 9)
        #expect(first.pairs.count == 4 && first.bufferPairs == 2 && first.bufferWeight == 1)
        #expect(Array(first.pairs.suffix(2)) == stream.indices(epoch: 0, batch: 0).map { buffer[$0] })
        #expect(Array(second.pairs.suffix(2)) == stream.indices(epoch: 0, batch: 1).map { buffer[$0] })
        // Alone, the worker pushes both leases as one (`CarriedPushes`).
        let carried = Wire.CarriedLease(leaseID: first.leaseID, batchID: UInt64(first.batch), metrics: try metrics(pairs: 2), tokens: 1,
                                        computeSeconds: 0)
        #expect(core.pushGradient(worker: worker, lease: second.leaseID, batch: second.batch, versions: [0, 0], metrics: try metrics(pairs: 2),
                                  tokens: 1, gradient: gradient(core, value: 1), carried: carried, now: 1) == .accepted)
        try waitForApply(core, now: 1)
        // The last batch holds one main pair and two buffer pairs: each buffer pair weighs 1/2.
        let last = try lease(core.requestWork(worker: worker, now: 2))
        #expect(last.pairs.count == 3 && last.bufferPairs == 2 && last.bufferWeight == 0.5)
    }
}
