import Shared

/// Evaluation during training (docs/evaluation.md, "During training"): the eval pairs, how they form eval
/// batches, and after which optimizer steps the coordinator evaluates the policy on them.
///
/// Eval batch b holds eval pairs [b·B, (b+1)·B) in the order they were loaded; the last may be smaller.
struct EvaluationPlan: Equatable {
    let pairs: [TokenizedPair]
    let batchSize: Int
    let strategy: EvalStrategy
    /// Optimizer steps between evaluations under `.steps`.
    let everySteps: Int?
    let stepsPerEpoch: Int
    let totalSteps: Int

    init(pairs: [TokenizedPair], batchSize: Int, strategy: EvalStrategy, everySteps: Int?, stepsPerEpoch: Int, totalSteps: Int) {
        precondition(!pairs.isEmpty && batchSize > 0 && stepsPerEpoch > 0, "an evaluation needs pairs and batches")
        precondition(strategy != .steps || (everySteps ?? 0) > 0, "eval_steps is positive under the steps strategy")
        self.pairs = pairs
        self.batchSize = batchSize
        self.strategy = strategy
        self.everySteps = everySteps
        self.stepsPerEpoch = stepsPerEpoch
        self.totalSteps = totalSteps
    }

    var batchCount: Int { (pairs.count + batchSize - 1) / batchSize }

    /// Positions in `pairs` of eval batch `batch`.
    func range(ofBatch batch: Int) -> Range<Int> {
        (batch * batchSize)..<min((batch + 1) * batchSize, pairs.count)
    }

    /// Whether the policy is evaluated once `step` steps are applied: at the strategy's steps, and after
    /// the last step whatever the strategy (except `no`), so a run always ends with an evaluation.
    func isDue(afterStep step: Int) -> Bool {
        guard step > 0 else { return false }
        switch strategy {
        case .no: return false
        case .steps: return step == totalSteps || step % everySteps! == 0
        case .epoch: return step == totalSteps || step % stepsPerEpoch == 0
        }
    }
}
