/// Errors of a training run's own bookkeeping (run directory, reference cache, resume), as sentences.
enum RunError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    /// Another coordinator holds the run directory's lock (`RunLock`).
    case runDirectoryBusy(path: String, owner: Int32?)
    case invalidReferenceCache(path: String, reason: String)
    case incompatibleResume(String)
    case noWork(String)
    /// `selected_layers` names nothing in the model, or something it cannot train alone.
    case invalidSelection(String)
    /// A shard server could not apply a step, or went silent: the run must go on from its last checkpoint.
    case serverFailed(String)

    var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "\(path): cannot be written: \(reason)"
        case .runDirectoryBusy(let path, let owner):
            return "\(path) belongs to a coordinator that is still running (\(owner.map { "pid \($0)" } ?? "pid unknown")); "
                + "stop it first, or give this run another directory (--run-dir); nothing was touched"
        case .invalidReferenceCache(let path, let reason): return "\(path): reference log-prob cache is unusable: \(reason)"
        case .incompatibleResume(let reason): return "cannot resume: \(reason)"
        case .noWork(let reason): return "nothing to train on: \(reason)"
        case .invalidSelection(let reason): return "selected_layers: \(reason)"
        case .serverFailed(let reason): return "a shard server failed: \(reason)"
        }
    }
}
