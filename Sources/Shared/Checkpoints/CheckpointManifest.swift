/// The contents of a checkpoint's `state.json` (docs/contracts.md, "Run directory"): the step, a SHA-256 for
/// every other file of the directory, and the caller's own state (the coordinator's `TrainingState`:
/// epoch, data order and position, completed batches, RNG, shard layout).
///
/// `state.json` is not hashed itself; it is written last, fsynced, and only then is the directory
/// renamed to its final name, so a truncated one can only come from damage after the fact, and then
/// fails to decode.
public struct CheckpointManifest<State: Codable>: Codable {
    /// Identifies this layout of `state.json`, so a later change can be recognised.
    public var format: String
    public var step: Int
    /// File name (no directory) → lowercase hexadecimal SHA-256.
    public var sha256: [String: String]
    public var state: State

    public static var currentFormat: String { "bfpo-checkpoint-1" }

    public init(step: Int, sha256: [String: String], state: State) {
        format = Self.currentFormat
        self.step = step
        self.sha256 = sha256
        self.state = state
    }
}
