import Foundation

/// Where a recipe's `model` or `reference_model` (or a command's `--model`) points, resolved to a model
/// directory. Users chain runs (SFT, then BFPO from the SFT model), so besides a plain model directory the
/// path may name another run's directory, its `checkpoints` directory, or its `checkpoints/latest`
/// pointer: each resolves to that run's newest checkpoint that verifies (every file's SHA-256, as a
/// resume checks it), never to a half-written or corrupt one.
public struct ModelReference: Sendable, Equatable {
    /// The model directory to load.
    public let directory: String
    /// Why `directory` was chosen when the path was not a model directory itself, for the log.
    public let note: String?

    /// - Throws: `ModelError.missingFile` naming what was looked for when `path` is none of the forms
    ///   above, or `CheckpointError.noUsableCheckpoint` with every problem met when a run has checkpoints
    ///   but none verifies.
    public init(resolving path: String) throws {
        let fm = FileManager.default
        func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }
        if fm.fileExists(atPath: join(path, ModelDirectory.configFileName)) {
            directory = path
            note = nil
            return
        }
        let store: String
        if (path as NSString).lastPathComponent == CheckpointStore.latestFileName {
            store = (path as NSString).deletingLastPathComponent
        } else if fm.fileExists(atPath: join(path, "checkpoints")) {
            store = join(path, "checkpoints")
        } else if fm.fileExists(atPath: join(path, CheckpointStore.latestFileName)) {
            store = path
        } else {
            throw ModelError.missingFile(path: join(path, ModelDirectory.configFileName)
                                         + " (nor a run directory with checkpoints/, nor a checkpoints/latest pointer)")
        }
        let recovery = try CheckpointStore(directory: store, keep: nil).loadLatest(AnyCheckpointState.self)
        guard let checkpoint = recovery.checkpoint else {
            throw CheckpointError.noUsableCheckpoint(directory: store, problems: recovery.problems.map(\.description))
        }
        directory = checkpoint.directory
        note = "\(path) resolves to \(checkpoint.directory), its newest verified checkpoint (step \(checkpoint.step))"
            + (recovery.problems.isEmpty ? "" : "; passed over: " + recovery.problems.map(\.description).joined(separator: "; "))
    }
}

/// A checkpoint's run state, read only far enough to verify the checkpoint: which run state a training run
/// keeps is the coordinator's business, not a reader's who wants the model.
private struct AnyCheckpointState: Codable {
    init(from decoder: Decoder) throws {}
    func encode(to encoder: Encoder) throws {}
}
