import Foundation
import Shared

/// `runs/NAME/metrics.jsonl` (docs/contracts.md, "Metrics"): one JSON object per optimizer step, with the reference
/// repository's metric names plus the run's own (`step`, `epoch`, `learning_rate`, `grad_norm`,
/// `tokens_per_second`, `staleness_mean`, `staleness_max`, `workers`).
///
/// Each line is written with one `write` and flushed to the kernel, so a crash leaves whole lines. A
/// resumed run first drops lines for steps after its checkpoint, so every step appears exactly once.
final class MetricsLog {
    let path: String
    private let handle: FileHandle

    /// Opens the log for appending, keeping only lines whose `step` is at most `keepThrough`.
    init(path: String, keepThrough step: Int) throws {
        self.path = path
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let kept = text.split(separator: "\n").filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let lineStep = object["step"] as? Int else { return false }
                return lineStep <= step
            }
            let body = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
            try body.write(toFile: path, atomically: true, encoding: .utf8)
        } else {
            manager.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw RunError.cannotWrite(path: path, reason: "it cannot be opened for appending")
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    /// Appends one step's metrics; keys are sorted so lines are stable and diffable.
    func append(_ values: [String: Double], step: Int) throws {
        var object: [String: Any] = values
        object["step"] = step
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(UInt8(ascii: "\n"))
        handle.write(line)
    }
}
