import Foundation
import Shared

/// `runs/NAME/metrics.jsonl` (docs/contracts.md, "Metrics"): one JSON object per optimizer step, with the reference
/// repository's metric names plus the run's own (`step`, `epoch`, `learning_rate`, `grad_norm`,
/// `tokens_per_second`, `staleness_mean`, `staleness_max`, `workers`).
///
/// Evaluations during training add lines of their own: the `eval_`-prefixed metrics with `step` (the
/// steps applied when the policy was evaluated) and `epoch`, after that step's training line.
///
/// Each line is written with one `write` and flushed to the kernel, so a crash leaves whole lines. A
/// resumed run first drops lines for steps after its checkpoint, so every step appears exactly once.
///
/// Every line also goes, as one summary of scalars at its step, to a TensorBoard event file of its own
/// (`TensorBoardWriter`; docs/contracts.md, "TensorBoard") when the log is given a directory for them.
final class MetricsLog {
    let path: String
    /// Steps whose evaluation line was kept when the log was opened: a resumed run need not redo them.
    let evaluatedSteps: Set<Int>
    private let handle: FileHandle
    private let tensorBoard: TensorBoardWriter?

    /// Opens the log for appending, keeping only lines whose `step` is at most `keepThrough`.
    /// - Parameters:
    ///   - tensorBoardDirectory: where to start a new event file that receives every line; nil: no event file.
    init(path: String, keepThrough step: Int, tensorBoardDirectory: String?) throws {
        self.path = path
        let manager = FileManager.default
        var evaluated = Set<Int>()
        if manager.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let kept = text.split(separator: "\n").filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let lineStep = object["step"] as? Int, lineStep <= step else { return false }
                if object["eval_loss"] != nil { evaluated.insert(lineStep) }
                return true
            }
            let body = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
            try body.write(toFile: path, atomically: true, encoding: .utf8)
        } else {
            manager.createFile(atPath: path, contents: nil)
        }
        evaluatedSteps = evaluated
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw RunError.cannotWrite(path: path, reason: "it cannot be opened for appending")
        }
        self.handle = handle
        handle.seekToEndOfFile()
        tensorBoard = try tensorBoardDirectory.map { try TensorBoardWriter(directory: $0) }
    }

    deinit { try? handle.close() }

    /// Appends one step's metrics; keys are sorted so lines are stable and diffable.
    func append(_ values: [String: Double], step: Int) throws {
        var object: [String: Any] = values
        object["step"] = step
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(UInt8(ascii: "\n"))
        handle.write(line)
        try tensorBoard?.append(values, step: step)
    }

    /// fsyncs the log and the event file, so the lines written so far survive a crash of the machine; called
    /// after each checkpoint.
    func synchronize() throws {
        try handle.synchronize()
        try tensorBoard?.synchronize()
    }
}
