import Foundation
import Shared

/// The coordinator's decisions, free of sockets and threads: who gets which batch, which results count,
/// when a step is complete, applied, logged and checkpointed (docs/architecture.md).
///
/// The service feeds it messages and the clock; every method runs on the service's one loop thread.
/// Steps are applied by the shard servers (`ServerGroup`), whose progress `tick` picks up.
final class CoordinatorCore {
    let configuration: Configuration
    let plan: BatchPlan
    /// The main data's `plan.pairCount` pairs, then the helpfulness buffer's pairs, if any.
    let pairs: [TokenizedPair]
    let buffer: BufferStream?
    let servers: ServerGroup
    let referenceSnapshots: [ShardSnapshot]
    private let sinks: Sinks
    private let log: Logger

    private(set) var phase: Phase
    private(set) var ledger: LeaseLedger
    private(set) var roster: WorkerRoster
    private var reference: ReferenceLogProbs
    private var leaseKinds: [UInt64: Wire.LeaseKind] = [:]
    /// Which gradient leases hold their push for another to carry (one push for two leases).
    private var carrying = CarriedPushes()
    /// Evaluation during training, if the run evaluates; its pairs' reference log-probs follow `pairs`'.
    private var evaluations: EvaluationSchedule?
    /// An evaluation to run before any training lease (a resumed run whose step's evaluation never
    /// reached `metrics.jsonl`).
    private var evaluateFirst: Bool

    /// The epoch being gathered and its data order.
    private var epochs: EpochOrder
    private(set) var applied: AppliedSteps
    /// The step of the newest checkpoint written or resumed from (0: none).
    private(set) var lastCheckpointStep: Int
    /// The step being gathered, the complete ones queued, the one the servers are applying.
    private var steps: StepPipeline
    /// The training state of a checkpoint whose shards the servers are sending.
    private var checkpointing: TrainingState?
    /// Why the run is stopping, once `shutDown` was called: no more work is handed out, and the run
    /// finishes once the steps already complete are applied and checkpointed; `checkpointStarted` once
    /// that last checkpoint has been asked for.
    private var stopping: (reason: String, checkpointStarted: Bool)?
    private(set) var refusals = 0
    /// Gradient leases counted whose gradient another lease's push carried (one push for two leases).
    private(set) var carriedPushes = 0
    /// The values of the last evaluation line written.
    private(set) var lastEvaluation: [String: Double] = [:]
    private(set) var progress: ProgressReporter

    init(
        configuration: Configuration, plan: BatchPlan, pairs: [TokenizedPair], buffer: BufferStream? = nil, servers: ServerGroup,
        referenceSnapshots: [ShardSnapshot], reference: [ResponseLogProbs]?, resume: TrainingState?,
        evaluation: EvaluationPlan? = nil, evaluateResumedStep: Bool = false,
        workerTimeout: Double, sinks: Sinks, log: Logger
    ) {
        self.configuration = configuration
        ledger = LeaseLedger(firstLeaseID: configuration.firstLeaseID)
        evaluations = evaluation.map { EvaluationSchedule(plan: $0, firstLeaseID: configuration.firstLeaseID &+ (1 << 31)) }
        let evalPairs = evaluation?.pairs.count ?? 0
        self.plan = plan
        precondition(pairs.count == plan.pairCount + (buffer?.count ?? 0), "the main pairs, then the buffer's")
        self.pairs = pairs
        self.buffer = buffer
        self.servers = servers
        self.referenceSnapshots = referenceSnapshots
        self.sinks = sinks
        self.log = log
        roster = WorkerRoster(timeout: workerTimeout)
        // The training pairs' reference log-probs, then the eval pairs'.
        self.reference = ReferenceLogProbs(count: pairs.count + evalPairs, batchSize: plan.batchSize, known: reference)
        progress = ProgressReporter(totalSteps: plan.totalSteps, everySteps: configuration.progressEverySteps, log: log)
        epochs = resume.map { EpochOrder(pairCount: plan.pairCount, epoch: $0.epoch, seed: $0.orderSeed, random: $0.random) }
            ?? EpochOrder(pairCount: plan.pairCount, seed: configuration.seed)
        applied = AppliedSteps(resume: resume)
        lastCheckpointStep = resume?.step ?? 0
        steps = StepPipeline(firstStep: applied.count)
        evaluateFirst = evaluateResumedStep && resume != nil && evaluation?.isDue(afterStep: applied.count) == true
        if applied.count >= plan.totalSteps && !evaluateFirst {
            phase = .finished("the run had already completed all \(plan.totalSteps) steps")
        } else if reference == nil {
            phase = .reference
            ledger.add(0..<self.reference.batchCount)
        } else {
            phase = .training
            startTraining(now: 0)
        }
    }

    // MARK: Workers

    func register(name: String, threads: Int, blasCore: String = "", key: String? = nil, now: Double) -> UInt64 {
        let id = roster.register(name: name, threads: threads, blasCore: blasCore, key: key, now: now)
        let kernels = blasCore.isEmpty ? "BLAS core not reported" : "BLAS core \(blasCore)"
        log.info("\(roster.name(of: id)) joined with \(threads) threads, \(kernels); \(roster.count) workers")
        return id
    }

    /// Records a sign of life, if `key` is the worker's (see `WorkerRoster.Sender`).
    func heard(from worker: UInt64, key: String? = nil, now: Double) -> WorkerRoster.Sender {
        roster.touch(worker, key: key, now: now)
    }

    /// The next thing `worker` should do.
    func requestWork(worker: UInt64, now: Double) -> Assignment {
        if let stopping, phase == .training {
            roster.markStopped(worker)
            return .stop(reason: stopping.reason)
        }
        switch phase {
        case .finished(let reason):
            roster.markStopped(worker)
            return .stop(reason: reason)
        case .reference:
            guard let lease = ledger.lease(to: worker, now: now, duration: configuration.leaseSeconds) else {
                return .wait(seconds: configuration.waitSeconds)
            }
            leaseKinds[lease.id] = .reference
            let range = reference.range(ofBatch: lease.batch)
            return .lease(LeaseGrant(
                leaseID: lease.id, batch: lease.batch, epoch: 0, step: 0, kind: .reference, parameterSet: .reference,
                versions: referenceSnapshots.map(\.version), pairs: range.map(referencePair), reference: [],
                bufferPairs: 0, bufferWeight: 0, seconds: configuration.leaseSeconds))
        case .training:
            if evaluationRound != nil { return leaseEval(to: worker, now: now) }
            let versions = servers.versions
            let synchronous = configuration.maxStaleness == 0
            if synchronous, zip(versions, servers.frozen).contains(where: { !$0.1 && $0.0 != UInt64(steps.gatheringStep) }) {
                return .wait(seconds: configuration.waitSeconds)
            }
            let stepBatches = plan.batches(ofStep: steps.gatheringStep)
            let eligible: (Int) -> Bool = synchronous ? { stepBatches.contains($0) } : { _ in true }
            guard let lease = ledger.lease(to: worker, now: now, duration: configuration.leaseSeconds, eligible: eligible,
                                           carried: carrying.carried) else {
                return .wait(seconds: configuration.waitSeconds)
            }
            leaseKinds[lease.id] = .gradient
            applied.startClock(now: now)
            log.debug("lease \(lease.id): batch \(lease.batch) to \(roster.name(of: worker))")
            let main = pairIndices(batch: lease.batch)
            let epoch = epochs.epoch
            let local = lease.batch - plan.batches(ofEpoch: epoch).lowerBound
            let extra = buffer.map { stream in stream.indices(epoch: epoch, batch: local).map { plan.pairCount + $0 } } ?? []
            let indices = main + extra
            // The reference's loss with a buffer is mean(main) + mean(buffer); pushes are sums over the
            // main pairs, so each buffer pair weighs |main| / |buffer|.
            var grant = LeaseGrant(
                leaseID: lease.id, batch: lease.batch, epoch: epoch, step: synchronous ? steps.gatheringStep : plan.step(ofBatch: lease.batch),
                kind: .gradient, parameterSet: .policy, versions: versions, pairs: indices.map { pairs[$0] },
                reference: indices.map { reference[$0] }, bufferPairs: extra.count,
                bufferWeight: extra.isEmpty ? 0 : Double(main.count) / Double(extra.count), seconds: configuration.leaseSeconds)
            if synchronous, servers.compression.gradients == .fp32 {
                switch carrying.role(of: lease.id, batch: lease.batch, worker: worker, stepBatches: stepBatches, alone: roster.count == 1) {
                case .own: break
                case .hold: grant.holdPush = true
                case .carry(let held):
                    grant.carriesLeaseID = held
                    // The held lease is pushed with this one: it has as long.
                    ledger.extend(lease: held, now: now, duration: configuration.leaseSeconds)
                }
            }
            return .lease(grant)
        }
    }

    // MARK: Results

    /// A reference lease's sequence log-probs, chosen then rejected for each pair.
    func pushReference(worker: UInt64, lease id: UInt64, batch: Int, logProbs: [Double], now: Double) -> PushOutcome {
        guard phase == .reference, leaseKinds[id] == .reference else { return refuse("lease \(id) is not a live reference lease") }
        do {
            _ = try ledger.check(lease: id, batch: batch, worker: worker)
        } catch {
            return refuse(error.description)
        }
        if let refusal = reference.record(batch: batch, logProbs: logProbs) { return refuse(refusal) }
        try! ledger.complete(lease: id, batch: batch, worker: worker)
        leaseKinds[id] = nil
        if ledger.isDrained { finishReferencePhase() }
        return .accepted
    }

    /// A part of a gradient lease's result (docs/parameter-servers.md, "Overlap"): the gradient of `shards`,
    /// shards this process serves, read by `gradient` (as `ShardServer.hold`), held by the local server
    /// until the lease's closing push (`pushGradient`) says whether it counts. A part for a lease that is
    /// not live, or one the local server will not take (malformed, a shard twice, a shard served
    /// elsewhere), is refused, and whatever the lease left held is forgotten at the next step.
    func pushGradientPart(worker: UInt64, lease id: UInt64, batch: Int, shards: [UInt32],
                          gradient: ([Range<Int>]) throws -> GradientContribution) -> PushOutcome {
        let push = Wire.LeaseRef(leaseID: id, workerID: worker, key: roster.workers[worker]?.key ?? "")
        if let refusal = refusalOfGradient(push, batch: batch) { return refusal }
        do {
            try servers.local.hold(push, shards: shards, gradient: gradient)
        } catch {
            return refuse(push, "gradient part for batch \(batch) not taken: \(error)")
        }
        return .accepted
    }

    /// A gradient lease's closing push: its metrics here, once the gradient of Σ pair loss over its batch
    /// is held, in parts, by the servers of its shards (this process's among them; the worker sends the
    /// closing push only after every part is accepted). A lease granted to carry a held one names it in
    /// `carried`; both count, and the servers sum this lease's parts only (`CarriedPushes`).
    func pushGradient(
        worker: UInt64, lease id: UInt64, batch: Int, versions: [UInt64], metrics: PreferenceMetrics, tokens: Int,
        carried: Wire.CarriedLease? = nil, now: Double
    ) -> PushOutcome {
        // Under the key the worker registered with: a server uses the push that came over that key only.
        let push = Wire.LeaseRef(leaseID: id, workerID: worker, key: roster.workers[worker]?.key ?? "")
        if let refusal = refusalOfGradient(push, batch: batch) { return refusal }
        let expectedPairs = plan.positions(ofBatch: batch).positions.count
        guard metrics.pairs == expectedPairs else {
            return refuse(push, "gradient for batch \(batch) reports \(metrics.pairs) pairs, the batch has \(expectedPairs)")
        }
        guard versions.count == servers.ranges.count else {
            return refuse(push, "gradient for batch \(batch) names \(versions.count) shard versions, the run has \(servers.ranges.count) shards")
        }
        guard zip(versions, servers.versions).allSatisfy({ $0 <= $1 }) else {
            return refuse(push, "gradient for batch \(batch) claims parameter versions \(versions) the coordinator never published")
        }
        // Frozen shards stay at version 0: only trained shards' versions say how old a gradient is.
        let trained = zip(versions, servers.frozen).filter { !$0.1 }.map(\.0)
        let staleness = max(0, applied.count - Int(trained.min() ?? UInt64(applied.count)))
        let current = configuration.maxStaleness > 0 || trained.allSatisfy { $0 == UInt64(steps.gatheringStep) }
        guard current, staleness <= configuration.maxStaleness, steps.gathering.accepts(batch: batch) else {
            releaseGradientLease(id)
            return refuse(push, "gradient for batch \(batch) is \(staleness) versions old (bound \(configuration.maxStaleness)); the batch is leased again")
        }
        guard servers.local.holdsWhole(push) else {
            return refuse(push, "gradient for batch \(batch) lacks the part of a shard this process serves")
        }
        if let problem = problem(carrying: carried, by: push, batch: batch) {
            releaseGradientLease(id)
            return refuse(push, "gradient for batch \(batch): \(problem); both batches are leased again")
        }
        if let carried {
            try! ledger.complete(lease: carried.leaseID, batch: Int(carried.batchID), worker: worker)
            leaseKinds[carried.leaseID] = nil
            steps.gathering.add(batch: Int(carried.batchID), push: nil, metrics: carried.metrics, tokens: Int(carried.tokens), staleness: staleness)
            carriedPushes += 1
        }
        try! ledger.complete(lease: id, batch: batch, worker: worker)
        leaseKinds[id] = nil
        _ = carrying.forget(id)
        steps.gathering.add(batch: batch, push: push, metrics: metrics, tokens: tokens, staleness: staleness)
        if steps.gathering.isComplete { closeGatheringStep() }
        return .accepted
    }

    /// Why `carried` cannot count with the closing push of `push` on `batch`, or nil: a lease granted to
    /// carry a held one names that one, still live and the pusher's, with a whole batch's metrics; a lease
    /// granted to carry none names none.
    private func problem(carrying carried: Wire.CarriedLease?, by push: Wire.LeaseRef, batch: Int) -> String? {
        let granted = carrying.carried(by: push.leaseID)
        guard let carried else { return granted.map { "it was granted to carry lease \($0) and does not name it" } }
        guard carried.leaseID == granted else { return "it was not granted to carry lease \(carried.leaseID)" }
        if let problem = gradientLeaseProblem(carried.leaseID, batch: Int(carried.batchID), worker: push.workerID) {
            return "the lease it carries: \(problem)"
        }
        let pairs = plan.positions(ofBatch: Int(carried.batchID)).positions.count
        guard carried.metrics.pairs == pairs else { return "the batch it carries reports \(carried.metrics.pairs) pairs, not \(pairs)" }
        guard steps.gathering.accepts(carried: Int(carried.batchID), by: batch) else {
            return "batch \(carried.batchID) cannot be carried by it in this step"
        }
        return nil
    }

    /// Puts a live gradient lease's batch back in pending and forgets its push, with the held lease it
    /// carries (`forget`).
    private func releaseGradientLease(_ id: UInt64) {
        guard let lease = ledger.leases[id] else { return }
        ledger.release(lease: id)
        forget(lease)
    }

    // MARK: Time

    /// Expires leases and lost workers, and moves steps through the servers: a reduced step is
    /// clipped and committed, a committed one logged and checkpointed.
    /// - Throws: `RunError.serverFailed` when a server could not apply a step; sink errors.
    func tick(now: Double) throws {
        for worker in roster.removeLost(now: now) {
            let revoked = ledger.revoke(worker: worker.id) + (evaluations?.revoke(worker: worker.id) ?? [])
            revoked.forEach { forget($0) }
            log.warning("\(worker.name) (worker \(worker.id)) went silent; \(revoked.count) leased batches go back to the queue")
        }
        for lease in ledger.expire(now: now) + (evaluations?.expire(now: now) ?? []) {
            forget(lease)
            log.warning("lease \(lease.id) of batch \(lease.batch) expired; the batch is leased again")
        }
        while let current = steps.applying {
            switch servers.progress {
            case .reduced(_, let sumsOfSquares):
                // Workers push gradients of Σ pair loss; the step's gradient is their mean over its pairs.
                let divisor = Double(current.accumulator.metrics.pairs)
                let norm = GradientClipping.globalNorm(sumsOfSquares: sumsOfSquares) / divisor
                let clip = GradientClipping.coefficient(totalNorm: norm, maxNorm: configuration.maxGradNorm)
                steps.reduced(norm: norm)
                servers.commit(scale: Float(clip / divisor), learningRate: current.learningRate)
            case .committed:
                servers.finishStep()
                try publish(now: now)
            case .failed(let reason):
                throw RunError.serverFailed(reason)
            case .idle, .reducing, .committing:
                return try finishCheckpoint()
            }
        }
        try finishCheckpoint()
        // A checkpoint being gathered (the servers are sending their shards) finishes first.
        guard let reason = stopping?.reason, phase == .training, !steps.isBusy, checkpointing == nil else { return }
        if stopping?.checkpointStarted == false {
            stopping?.checkpointStarted = true
            startCheckpoint()
            try finishCheckpoint()
        }
        if checkpointing == nil { phase = .finished(reason) }
    }

    /// Whether steps are being applied or checkpointed, or are queued (a clean shutdown waits for these).
    var isApplying: Bool { steps.isBusy || checkpointing != nil }

    /// Stops handing out work: in-flight leases and the partially gathered step are abandoned (their
    /// batches will be redone after a resume), workers are told to stop on their next request, and once
    /// the steps already complete are applied, a checkpoint is written and the run is finished.
    func shutDown(reason: String, now: Double) throws {
        guard case .training = phase else {
            phase = .finished(reason)
            return
        }
        stopping = (reason, false)
        abandonEvaluation()
        dispatchNextApply()
        try tick(now: now)
    }

    /// Postpones lease deadlines and last-seen times after the loop was busy for `seconds`.
    func postpone(by seconds: Double) {
        ledger.postpone(by: seconds)
        evaluations?.postpone(by: seconds)
        roster.postpone(by: seconds)
        servers.postpone(by: seconds)
    }

    var workers: WorkerRoster { roster }

    // MARK: Steps

    /// A lease whose push will never count: its servers may forget it.
    private func forget(_ lease: LeaseLedger.Lease) {
        if leaseKinds.removeValue(forKey: lease.id) == .gradient {
            steps.drop(Wire.LeaseRef(leaseID: lease.id, workerID: lease.worker))
            // A held lease's gradient is lost with the lease that was to carry it.
            if let carried = carrying.forget(lease.id) { releaseGradientLease(carried) }
        }
    }

    private func beginGathering() {
        let synchronous = configuration.maxStaleness == 0
        let batches = plan.batches(ofStep: steps.gatheringStep)
        steps.beginGathering(batches: synchronous ? Array(batches) : nil, count: batches.count)
    }

    private func closeGatheringStep() {
        steps.closeGathering()
        let next = steps.gatheringStep
        if next < plan.totalSteps {
            let (nextEpoch, _) = plan.locate(step: next)
            if nextEpoch != plan.locate(step: next - 1).epoch { startNextEpoch(nextEpoch) }
            beginGathering()
        }
        dispatchNextApply()
    }

    private func dispatchNextApply() {
        // An open evaluation round must see the parameters of its step: no step is applied until it closes.
        guard checkpointing == nil, evaluationRound == nil,
              let next = steps.startApplying(learningRate: configuration.schedule.learningRate(atStep:)) else { return }
        servers.beginStep(UInt64(next.step), pushes: next.pushes, dropped: next.dropped)
    }

    private func publish(now: Double) throws {
        let step = steps.finishApplying()
        let values = applied.record(step, plan: plan, objective: configuration.objective, workers: roster.count, now: now)
        let appliedSteps = applied.count
        log.debug("step \(appliedSteps) applied: batches \(step.accumulator.batches.sorted()), staleness \(step.accumulator.staleness)")
        try sinks.metrics(appliedSteps, values)
        progress.stepApplied(appliedSteps, metrics: values, now: now)
        if appliedSteps % configuration.saveSteps == 0 || appliedSteps == plan.totalSteps {
            startCheckpoint()
        }
        if evaluations?.plan.isDue(afterStep: appliedSteps) == true { startEvaluation(now: now) }
        try finishCheckpoint()
        dispatchNextApply()
    }

    /// Asks the servers for every shard's state; the checkpoint is written once all have sent theirs.
    private func startCheckpoint() {
        checkpointing = state(shards: [])
        servers.requestStates()
    }

    /// Writes the checkpoint being gathered once every shard is in, and finishes the run after its last
    /// step's checkpoint.
    private func finishCheckpoint() throws {
        guard var pending = checkpointing, let shards = servers.takeStates() else { return }
        checkpointing = nil
        pending.shards = shards.trainingStates
        try sinks.checkpoint(pending, shards)
        lastCheckpointStep = pending.step
        finishIfDone()
        dispatchNextApply()
    }

    /// Ends the run once the last step is applied, checkpointed and evaluated.
    func finishIfDone() {
        guard applied.count == plan.totalSteps, checkpointing == nil, evaluationRound == nil, case .training = phase else { return }
        phase = .finished("training finished after \(plan.totalSteps) steps")
    }

    /// The state a checkpoint of the published parameters records: the next step to apply, its epoch's
    /// order seed and generator state, that epoch's batches already in applied steps, and `shards`.
    func state(shards: [TrainingState.ShardState]) -> TrainingState {
        let nextEpoch = plan.locate(step: min(applied.count, plan.totalSteps - 1)).epoch
        let (seed, generator) = epochs.seed(of: nextEpoch)
        let completed = applied.batches.sorted()
        let position = completed.reduce(0) { $0 + plan.positions(ofBatch: $1).positions.count }
        return TrainingState(
            runID: configuration.runID, step: applied.count, totalSteps: plan.totalSteps, epoch: nextEpoch,
            orderSeed: seed, position: position, completedBatches: completed, random: generator,
            shards: shards, pairs: plan.pairCount, batchSize: plan.batchSize,
            accumulation: plan.accumulation, epochs: plan.epochs, tokensSeen: applied.tokensSeen)
    }

    // MARK: Epochs and phases

    private func startEpochLedger() {
        ledger.reset()
        carrying.reset()
        let batches = plan.batches(ofEpoch: epochs.epoch)
        let done = applied.batches.filter { batches.contains($0) }
        ledger.add(batches.filter { !done.contains($0) })
        ledger.markDone(done)
    }

    private func startNextEpoch(_ next: Int) {
        epochs.start(next, oldestNeeded: plan.locate(step: min(applied.count, plan.totalSteps - 1)).epoch)
        startEpochLedger()
    }

    private func finishReferencePhase() {
        let complete = reference.all!
        do {
            try sinks.referenceComplete(complete)
        } catch {
            phase = .finished("the reference log-probs could not be saved: \(error)")
            return
        }
        log.info("reference log-probs of \(complete.count) pairs computed; training starts")
        ledger.reset()
        phase = .training
        startTraining(now: 0)
    }

    /// Opens the epoch's ledger and the first step to gather, after a pending evaluation of the resumed step.
    private func startTraining(now: Double) {
        if applied.count < plan.totalSteps {
            startEpochLedger()
            beginGathering()
        }
        if evaluateFirst {
            evaluateFirst = false
            startEvaluation(now: now)
        }
    }

    /// Pair `index` of the reference phase: a training pair, or an eval pair after them.
    private func referencePair(_ index: Int) -> TokenizedPair {
        index < pairs.count ? pairs[index] : evaluations!.plan.pairs[index - pairs.count]
    }

    // MARK: Evaluation

    /// The open evaluation round, if any: while it is open no step is applied and only eval batches are leased.
    var evaluationRound: EvaluationRound? { evaluations?.round }

    /// Opens an evaluation round of the policy as published now (`applied.count` steps); none while the run
    /// is stopping (workers are told to stop, so the round could never close and would hold back the steps
    /// still to apply).
    private func startEvaluation(now: Double) {
        guard let plan = evaluations?.plan, stopping == nil else { return }
        evaluations!.open(step: applied.count, versions: servers.versions)
        log.info("evaluating step \(applied.count) on \(plan.pairs.count) pairs in \(plan.batchCount) batches")
    }

    /// The next eval batch for `worker`, at the round's versions, with its pairs' reference log-probs.
    private func leaseEval(to worker: UInt64, now: Double) -> Assignment {
        guard let (lease, round, range) = evaluations?.lease(to: worker, now: now, duration: configuration.leaseSeconds) else {
            return .wait(seconds: configuration.waitSeconds)
        }
        leaseKinds[lease.id] = .eval
        return .lease(LeaseGrant(
            leaseID: lease.id, batch: lease.batch, epoch: plan.locate(step: max(0, round.step - 1)).epoch, step: round.step,
            kind: .eval, parameterSet: .policy, versions: round.versions, pairs: Array(evaluations!.plan.pairs[range]),
            reference: range.map { reference[pairs.count + $0] }, bufferPairs: 0, bufferWeight: 0,
            seconds: configuration.leaseSeconds))
    }

    /// An eval lease's metric sums, computed on `versions` (`EvaluationSchedule.record`); the round's line
    /// is written when its last batch is in.
    /// - Throws: sink errors.
    func pushEval(worker: UInt64, lease id: UInt64, batch: Int, versions: [UInt64], metrics: PreferenceMetrics, now: Double) throws -> PushOutcome {
        guard leaseKinds[id] == .eval, evaluations != nil else { return refuse("lease \(id) is not a live eval lease") }
        switch evaluations!.record(lease: id, batch: batch, worker: worker, versions: versions, metrics: metrics) {
        case .refused(let reason):
            return refuse(reason)
        case .leasedAgain(let reason):
            leaseKinds[id] = nil
            return refuse(reason)
        case .recorded:
            leaseKinds[id] = nil
        case .completed(let round):
            leaseKinds[id] = nil
            try finishEvaluation(round, now: now)
        }
        return .accepted
    }

    /// Writes the closed `round`'s line (means of the sums over every eval batch), reports it, and lets
    /// training go on.
    private func finishEvaluation(_ round: EvaluationRound, now: Double) throws {
        guard let values = round.line(objective: configuration.objective, stepsPerEpoch: plan.stepsPerEpoch) else { return }
        lastEvaluation = values
        try sinks.evaluation(round.step, values)
        progress.evaluated(round.step, metrics: values, seconds: round.startedAt.map { now - $0 } ?? 0)
        finishIfDone()
        dispatchNextApply()
    }

    /// Gives up the open round (the run is stopping): its leases' pushes will be refused, and a run
    /// resumed at its step evaluates it again.
    private func abandonEvaluation() {
        guard let (round, leases) = evaluations?.abandon() else { return }
        for id in leases { leaseKinds[id] = nil }
        log.warning("the evaluation of step \(round.step) is abandoned; a run resumed at step \(round.step) does it again")
    }

    private func pairIndices(batch: Int) -> [Int] {
        plan.positions(ofBatch: batch).positions.map { epochs.order[$0] }
    }

    private func refuse(_ reason: String) -> PushOutcome {
        refusals += 1
        return .refused(reason)
    }

    /// Why a gradient push (a part or the closing push) for `push` on `batch` is refused, or nil when its
    /// lease is live, a gradient lease and the pusher's.
    private func refusalOfGradient(_ push: Wire.LeaseRef, batch: Int) -> PushOutcome? {
        guard stopping == nil else { return refuse(push, "the coordinator is shutting down") }
        guard phase == .training else { return refuse(push, "lease \(push.leaseID) is not a live gradient lease") }
        return gradientLeaseProblem(push.leaseID, batch: batch, worker: push.workerID).map { refuse(push, $0) }
    }

    /// Why lease `id` is not a live gradient lease of `worker` for `batch`, or nil.
    private func gradientLeaseProblem(_ id: UInt64, batch: Int, worker: UInt64) -> String? {
        guard leaseKinds[id] == .gradient else { return "lease \(id) is not a live gradient lease" }
        do {
            _ = try ledger.check(lease: id, batch: batch, worker: worker)
        } catch {
            return error.description
        }
        return nil
    }

    /// Refuses a gradient push; its servers may forget it.
    private func refuse(_ push: Wire.LeaseRef, _ reason: String) -> PushOutcome {
        steps.drop(push)
        return refuse(reason)
    }
}
