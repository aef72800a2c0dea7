import Foundation
import Shared

/// `runs/NAME/` (docs/contracts.md, "Run directory"): the resolved recipe, the metrics, the reference cache and
/// the checkpoints of one run. Created on first use; a later run of the same name resumes in it. Owned by
/// one coordinator at a time: the value holds the directory's `RunLock` while it lives.
struct RunDirectory {
    let path: String
    private let lock: RunLock

    /// - Throws: `RunError.runDirectoryBusy` when another coordinator owns the directory, before anything
    ///   in it is touched; `RunError.cannotWrite` when it cannot be created.
    init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RunError.cannotWrite(path: path, reason: error.localizedDescription)
        }
        lock = try RunLock(directory: path)
    }

    var metricsPath: String { (path as NSString).appendingPathComponent("metrics.jsonl") }
    /// `tensorboard/`: one TensorBoard event file per coordinator process, each line of `metrics.jsonl` in it.
    var tensorBoardPath: String { (path as NSString).appendingPathComponent("tensorboard") }
    var recipePath: String { (path as NSString).appendingPathComponent("recipe.yaml") }
    var checkpointsPath: String { (path as NSString).appendingPathComponent("checkpoints") }
    var runIDPath: String { (path as NSString).appendingPathComponent("run_id") }
    /// `keys/`: the coordinator's CURVE key pair (`coordinator.key`, `coordinator.pub`) and the public keys
    /// of the workers and servers it admits (`allowed_keys`); see docs/security.md.
    var keysPath: String { (path as NSString).appendingPathComponent("keys") }
    var allowlistPath: String { (keysPath as NSString).appendingPathComponent("allowed_keys") }

    /// The coordinator's key pair, made the first time (a launcher may have made it already, to hand
    /// its public half to workers before the coordinator starts), and the allowlist, created empty.
    func coordinatorKeys() throws -> CurveKeyPair {
        let pair = try KeyFiles.makePair(named: (keysPath as NSString).appendingPathComponent("coordinator"))
        if !FileManager.default.fileExists(atPath: allowlistPath) {
            let header = "# Public keys of the workers and shard servers this run admits: one per line, as `bfpo-worker keygen` prints it.\n"
            guard FileManager.default.createFile(atPath: allowlistPath, contents: Data(header.utf8)) else {
                throw RunError.cannotWrite(path: allowlistPath, reason: "cannot create the allowlist")
            }
        }
        return pair
    }

    /// The run's id, fixed the first time the directory is used (`run_id`), so that a coordinator
    /// restarted before its first checkpoint (after a shard server failed, or by hand) keeps the id its
    /// workers and servers know.
    /// - Throws: `RunError.cannotWrite` if a new id cannot be saved; `RunError.incompatibleResume` if the
    ///   saved one is not a valid run id.
    func runID() throws -> String {
        if let data = FileManager.default.contents(atPath: runIDPath) {
            let id = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty, id.utf8.count <= Wire.Limits.maxRunIDBytes, id.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw RunError.incompatibleResume("\(runIDPath) does not hold a run id (printable ASCII, at most \(Wire.Limits.maxRunIDBytes) bytes)")
            }
            return id
        }
        let name = String((path as NSString).lastPathComponent.unicodeScalars.filter { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }.prefix(64))
        let id = "\(name.isEmpty ? "run" : name)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        do {
            try DurableFile.replace(with: Data((id + "\n").utf8), at: runIDPath)
        } catch {
            throw RunError.cannotWrite(path: runIDPath, reason: "\(error)")
        }
        return id
    }

    /// Writes the resolved recipe (every key, defaults included) atomically.
    func writeRecipe(_ yaml: String) throws {
        try DurableFile.replace(with: Data(yaml.utf8), at: recipePath)
    }
}
