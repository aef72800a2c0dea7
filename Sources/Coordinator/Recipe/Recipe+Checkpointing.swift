/// When a run writes checkpoints (recipe `save_strategy`, HF's names).
enum SaveStrategy: String, CaseIterable, Equatable, Sendable {
    /// Every `save_steps` optimizer steps.
    case steps
    /// After the last step of every epoch.
    case epoch
    /// Only after the last step, so that the run's result is kept (HF's `no` keeps only the final
    /// `save_model`); a stopped run then resumes from the start.
    case no
}

extension Recipe {
    /// Optimizer steps between checkpoints under `save_strategy`; the last step is always checkpointed
    /// as well. Epoch boundaries fall on multiples of `stepsPerEpoch` because every epoch has as many steps.
    func checkpointInterval(stepsPerEpoch: Int, totalSteps: Int) -> Int {
        switch saveStrategy {
        case .steps: return saveSteps
        case .epoch: return max(1, stepsPerEpoch)
        case .no: return max(1, totalSteps)
        }
    }
}
