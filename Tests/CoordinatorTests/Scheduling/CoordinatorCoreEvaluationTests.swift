import Foundation
import Testing
@testable import Shared
@testable import Coordinator

/// Evaluation rounds in the core: after the due steps, only eval batches are leased (each once, forward
/// only, at the evaluated step's versions), no step is applied until the round closes, and its one line
/// equals the metrics `GradientEngine.evaluate` computes directly on the same pairs.
final class CoordinatorCoreEvaluationTests {
    let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 16, vocabulary: 13)
    var metricsLines: [(Int, [String: Double])] = []
    var evalLines: [(Int, [String: Double])] = []
    var checkpoints: [TrainingState] = []

    struct TestFailure: Error { let message: String; init(_ message: String) { self.message = message } }

    /// Five training pairs (batches of 2, 2 batches a step: 2 steps) and five eval pairs (batches of 2: 3 batches).
    func pairs(offset: Int) throws -> [TokenizedPair] {
        try (0..<5).map { i in
            try TokenizedPair(chosenIDs: [1, (offset + 2 + i) % 13, 3, 4], chosenMask: [false, true, true, true],
                              rejectedIDs: [1, (offset + 7 + i) % 13, 9], rejectedMask: [false, true, true],
                              chosenSafe: i % 2 == 0, rejectedSafe: i % 3 == 0, source: RowLocation(file: "pairs", line: i + 1))
        }
    }

    /// Reference log-probs of the training pairs, then of the eval pairs.
    let reference = (0..<10).map { ResponseLogProbs(chosen: -2 - Double($0) / 8, rejected: -3 + Double($0) / 16) }

    func makeCore(evaluation strategy: EvalStrategy = .steps, everySteps: Int? = 1, maxStaleness: Int = 0) throws -> CoordinatorCore {
        let layout = ParameterLayout(config: config)
        let store = ShardStore(parameters: ModelInitializer.parameters(for: config, seed: 1), layout: layout, count: 2,
                               hyperparameters: AdamW.Hyperparameters())
        let plan = BatchPlan(pairCount: 5, batchSize: 2, accumulation: 2, epochs: 1)
        let configuration = CoordinatorCore.Configuration(
            runID: "test", leaseSeconds: 30, maxStaleness: maxStaleness, saveSteps: 1, seed: 3,
            schedule: LearningRateSchedule(kind: .constant, learningRate: 1e-3, totalSteps: plan.totalSteps, warmupSteps: 0),
            maxGradNorm: 1e9)
        let sinks = CoordinatorCore.Sinks(
            referenceComplete: { _ in },
            metrics: { [unowned self] step, values in self.metricsLines.append((step, values)) },
            checkpoint: { [unowned self] state, _ in self.checkpoints.append(state) },
            evaluation: { [unowned self] step, values in self.evalLines.append((step, values)) })
        let evaluation = EvaluationPlan(pairs: try pairs(offset: 5), batchSize: 2, strategy: strategy, everySteps: everySteps,
                                        stepsPerEpoch: plan.stepsPerEpoch, totalSteps: plan.totalSteps)
        return CoordinatorCore(
            configuration: configuration, plan: plan, pairs: try pairs(offset: 0), servers: ServerGroup(store: store, modelConfigJSON: "{}"),
            referenceSnapshots: store.snapshots, reference: reference, resume: nil, evaluation: evaluation,
            workerTimeout: 10, sinks: sinks, log: Logger(component: "test", threshold: .error))
    }

    func lease(_ assignment: Assignment) throws -> LeaseGrant {
        guard case .lease(let grant) = assignment else { throw TestFailure("expected a lease, got \(assignment)") }
        return grant
    }

    func isWait(_ assignment: Assignment) -> Bool {
        if case .wait = assignment { return true }
        return false
    }

    let engine = GradientEngine(model: GPT2(config: GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 16, vocabulary: 13)),
                                objective: try! Objective(kind: .bfpo))

    /// The published policy, shard after shard.
    func parameters(_ core: CoordinatorCore) -> [Float] {
        core.servers.local.store.snapshots.flatMap(\.values.array)
    }

    func evaluate(_ core: CoordinatorCore, _ pairs: [TokenizedPair], _ reference: [ResponseLogProbs]) throws -> PreferenceMetrics {
        try parameters(core).withUnsafeBufferPointer { try engine.evaluate(parameters: $0.baseAddress!, pairs: pairs, reference: reference).metrics }
    }

    /// Applies training step `step` (batches leased to `worker`, gradients of 0.5) and ticks until it is published.
    func trainStep(_ core: CoordinatorCore, worker: UInt64, now: Double) throws {
        let start = core.applied.count
        var grants: [LeaseGrant] = []
        while case .lease(let grant) = core.requestWork(worker: worker, now: now) { grants.append(grant) }
        #expect(!grants.isEmpty && grants.allSatisfy { $0.kind == .gradient })
        let gradient = BufferGradient([Float](repeating: 0.5, count: core.servers.ranges.last!.upperBound), shards: core.servers.ranges)
        let outcomes = try core.pushGradients(worker: worker, grants: grants, metrics: {
            try PreferenceMetrics(
                pairs: $0.pairs.count, lossSum: 1, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0,
                safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0)
        }, tokens: 10, gradient: gradient, now: now)
        #expect(!outcomes.isEmpty && outcomes.allSatisfy { $0 == .accepted })
        let begun = Date()
        while core.applied.count == start && Date().timeIntervalSince(begun) < 5 { try core.tick(now: now) }
        #expect(core.applied.count == start + 1)
    }

    @Test func anEvalRoundLeasesEveryEvalBatchOnceAndWritesTheDirectMetrics() throws {
        let core = try makeCore()
        let a = core.register(name: "a", threads: 1, now: 0), b = core.register(name: "b", threads: 1, now: 0)
        try trainStep(core, worker: a, now: 1)
        // Step 1 is due: the round is open at versions [1, 1], and only eval batches go out.
        #expect(core.evaluationRound?.step == 1 && core.evaluationRound?.versions == [1, 1])
        let grants = try [a, a, b].map { try lease(core.requestWork(worker: $0, now: 2)) }
        #expect(grants.map(\.batch) == [0, 1, 2] && grants.map(\.pairs.count) == [2, 2, 1])
        #expect(grants.allSatisfy { $0.kind == .eval && $0.parameterSet == .policy && $0.versions == [1, 1] && $0.step == 1 })
        #expect(grants.allSatisfy { $0.bufferPairs == 0 })
        let evalPairs = try pairs(offset: 5), evalReference = Array(reference[5...])
        #expect(grants.flatMap(\.pairs) == evalPairs && grants.flatMap(\.reference) == evalReference)
        // Every eval batch is out: training waits, though step 2's batch is pending.
        #expect(isWait(core.requestWork(worker: b, now: 2)))

        let direct = try grants.map { try evaluate(core, $0.pairs, $0.reference) }
        // Refused: another worker's lease, other versions (the batch is leased again), a wrong pair count.
        #expect(try core.pushEval(worker: b, lease: grants[0].leaseID, batch: 0, versions: [1, 1], metrics: direct[0], now: 3)
                == .refused("lease \(grants[0].leaseID) belongs to worker \(a), not worker \(b)"))
        #expect(try core.pushEval(worker: a, lease: grants[0].leaseID, batch: 0, versions: [2, 1], metrics: direct[0], now: 3)
                == .refused("eval push for batch 0 was computed on versions [2, 1], not the evaluated [1, 1]; the batch is leased again"))
        #expect(try core.pushEval(worker: b, lease: grants[2].leaseID, batch: 2, versions: [1, 1], metrics: direct[0], now: 3)
                == .refused("eval push for batch 2 reports 2 pairs, the batch has 1"))
        #expect(try core.pushEval(worker: a, lease: grants[1].leaseID, batch: 1, versions: [1, 1], metrics: direct[1], now: 3) == .accepted)
        // Once only.
        #expect(try core.pushEval(worker: a, lease: grants[1].leaseID, batch: 1, versions: [1, 1], metrics: direct[1], now: 3) != .accepted)
        // A gradient push for an eval lease is refused.
        #expect(core.pushGradient(worker: b, lease: grants[2].leaseID, batch: 2, versions: [1, 1], metrics: direct[2], tokens: 1,
                                  gradient: nil, now: 3) == .refused("lease \(grants[2].leaseID) is not a live gradient lease"))
        let again = try lease(core.requestWork(worker: b, now: 3))
        #expect(again.kind == .eval && again.batch == 0 && again.versions == [1, 1])
        #expect(try core.pushEval(worker: b, lease: again.leaseID, batch: 0, versions: [1, 1], metrics: direct[0], now: 4) == .accepted)
        #expect(evalLines.isEmpty && core.evaluationRound != nil)
        #expect(try core.pushEval(worker: b, lease: grants[2].leaseID, batch: 2, versions: [1, 1], metrics: direct[2], now: 5) == .accepted)

        // One line for the round, equal to the metrics of all eval pairs computed at once (to 1e-5
        // relative: batches of 2 and one batch of 5 round the fp32 forward pass differently).
        #expect(core.evaluationRound == nil && evalLines.count == 1 && evalLines[0].0 == 1)
        let expected = try evaluate(core, evalPairs, evalReference).means(prefix: "eval_")
        let line = evalLines[0].1
        #expect(Set(line.keys) == Set(expected.keys).union(["eval_pairs", "epoch"]))
        var worst = 0.0
        for (key, value) in expected {
            let error = abs(line[key]! - value) / max(1, abs(value))
            worst = max(worst, error)
            #expect(error < 1e-5, "\(key): \(line[key]!) vs \(value)")
        }
        print("eval line vs direct evaluation: \(expected.count) metrics, worst relative error \(worst)")
        #expect(line["eval_pairs"] == 5 && line["epoch"] == 0.5)
        #expect(line["eval_loss"]! > 0 && line.keys.allSatisfy { $0 == "epoch" || $0.hasPrefix("eval_") })

        // Training goes on from the evaluated parameters, and the last step is evaluated before the run ends.
        let next = try lease(core.requestWork(worker: a, now: 6))
        #expect(next.kind == .gradient && next.batch == 2 && next.versions == [1, 1])
        #expect(core.pushGradient(worker: a, lease: next.leaseID, batch: 2, versions: [1, 1], metrics: try PreferenceMetrics(
            pairs: 1, lossSum: 1, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0, safeChosenPairs: 0,
            safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0),
            tokens: 1, gradient: BufferGradient([Float](repeating: 0.5, count: core.servers.ranges.last!.upperBound), shards: core.servers.ranges),
            now: 6) == .accepted)
        let begun = Date()
        while core.applied.count < 2 && Date().timeIntervalSince(begun) < 5 { try core.tick(now: 7) }
        #expect(core.phase == .training && core.evaluationRound?.step == 2 && checkpoints.map(\.step) == [1, 2])
        var final: [(worker: UInt64, grant: LeaseGrant)] = []
        for worker in [a, b] {
            while case .lease(let grant) = core.requestWork(worker: worker, now: 8) { final.append((worker, grant)) }
        }
        #expect(final.map(\.grant.batch).sorted() == [0, 1, 2] && final.allSatisfy { $0.grant.versions == [2, 2] })
        for (worker, grant) in final {
            #expect(try core.pushEval(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [2, 2],
                                      metrics: try evaluate(core, grant.pairs, grant.reference), now: 9) == .accepted)
        }
        #expect(evalLines.map(\.0) == [1, 2] && evalLines[1].1["epoch"] == 1)
        #expect(metricsLines.map(\.0) == [1, 2])
        #expect(core.phase == .finished("training finished after 2 steps"))
    }

    /// Under `epoch`, only the end of the epoch (here also the end of the run) is evaluated; a stop during
    /// a round abandons it, and the run can still stop cleanly.
    @Test func epochStrategyEvaluatesAtEpochEndsAndAStopAbandonsTheRound() throws {
        let core = try makeCore(evaluation: .epoch, everySteps: nil)
        let a = core.register(name: "a", threads: 1, now: 0)
        try trainStep(core, worker: a, now: 1)
        #expect(core.evaluationRound == nil)
        try trainStep(core, worker: a, now: 2)
        #expect(core.evaluationRound?.step == 2)
        let grant = try lease(core.requestWork(worker: a, now: 3))
        #expect(grant.kind == .eval)
        try core.shutDown(reason: "SIGTERM", now: 4)
        #expect(core.evaluationRound == nil)
        #expect(try core.pushEval(worker: a, lease: grant.leaseID, batch: 0, versions: [2, 2],
                                  metrics: try evaluate(core, grant.pairs, grant.reference), now: 5)
                == .refused("lease \(grant.leaseID) is not a live eval lease"))
        let begun = Date()
        while core.phase == .training && Date().timeIntervalSince(begun) < 5 { try core.tick(now: 6) }
        #expect(core.phase == .finished("SIGTERM") && evalLines.isEmpty)
    }

    /// A step published after a stop was asked for opens no round: the workers are being stopped, and the
    /// run finishes with its checkpoint.
    @Test func aStepPublishedWhileStoppingIsNotEvaluated() throws {
        let core = try makeCore()
        let a = core.register(name: "a", threads: 1, now: 0)
        var grants: [LeaseGrant] = []
        while case .lease(let grant) = core.requestWork(worker: a, now: 0) { grants.append(grant) }
        let outcomes = try core.pushGradients(worker: a, grants: grants, metrics: { _ in
            try PreferenceMetrics(
                pairs: 2, lossSum: 1, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0, safeChosenPairs: 0,
                safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0)
        }, tokens: 1, gradient: BufferGradient([Float](repeating: 0.5, count: core.servers.ranges.last!.upperBound), shards: core.servers.ranges),
           now: 1)
        #expect(!outcomes.isEmpty && outcomes.allSatisfy { $0 == .accepted })
        // Step 1 is complete and being applied when the stop comes.
        try core.shutDown(reason: "SIGTERM", now: 2)
        let begun = Date()
        while core.phase == .training && Date().timeIntervalSince(begun) < 5 { try core.tick(now: 3) }
        #expect(core.applied.count == 1 && core.evaluationRound == nil && evalLines.isEmpty)
        #expect(core.phase == .finished("SIGTERM") && checkpoints.last?.step == 1)
    }

    /// An asynchronous run may have gathered the next step while the round is open: it is applied only
    /// after the round closes, so every eval batch sees the same parameters.
    @Test func anAsynchronousRunAppliesNoStepDuringARound() throws {
        let core = try makeCore(maxStaleness: 1)
        let a = core.register(name: "a", threads: 1, now: 0), b = core.register(name: "b", threads: 1, now: 0)
        // Step 1's batches to a; b takes batch 2 (step 2) before step 1 is applied.
        let first = try [a, a].map { try lease(core.requestWork(worker: $0, now: 0)) }
        let early = try lease(core.requestWork(worker: b, now: 0))
        #expect(first.map(\.batch) == [0, 1] && early.batch == 2)
        func sums(_ pairs: Int) throws -> PreferenceMetrics {
            try PreferenceMetrics(pairs: pairs, lossSum: 1, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0,
                                  safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: 0,
                                  policyRejectedLogProbSum: 0)
        }
        let gradient = BufferGradient([Float](repeating: 0.5, count: core.servers.ranges.last!.upperBound), shards: core.servers.ranges)
        for grant in first {
            #expect(core.pushGradient(worker: a, lease: grant.leaseID, batch: grant.batch, versions: [0, 0], metrics: try sums(2), tokens: 1,
                                      gradient: gradient, now: 1) == .accepted)
        }
        let begun = Date()
        while core.applied.count == 0 && Date().timeIntervalSince(begun) < 5 { try core.tick(now: 1) }
        #expect(core.evaluationRound?.step == 1)
        // Step 2 completes during the round: it waits.
        #expect(core.pushGradient(worker: b, lease: early.leaseID, batch: 2, versions: [0, 0], metrics: try sums(1), tokens: 1,
                                  gradient: gradient, now: 2) == .accepted)
        for _ in 0..<20 { try core.tick(now: 2) }
        #expect(core.applied.count == 1 && core.servers.versions == [1, 1] && core.isApplying)
        var grants: [(UInt64, LeaseGrant)] = []
        for worker in [a, a, b] { grants.append((worker, try lease(core.requestWork(worker: worker, now: 3)))) }
        for (worker, grant) in grants {
            #expect(try core.pushEval(worker: worker, lease: grant.leaseID, batch: grant.batch, versions: [1, 1],
                                      metrics: try evaluate(core, grant.pairs, grant.reference), now: 4) == .accepted)
        }
        #expect(evalLines.map(\.0) == [1])
        let resumed = Date()
        while core.applied.count < 2 && Date().timeIntervalSince(resumed) < 5 { try core.tick(now: 5) }
        #expect(core.applied.count == 2 && core.evaluationRound?.step == 2)
    }
}
