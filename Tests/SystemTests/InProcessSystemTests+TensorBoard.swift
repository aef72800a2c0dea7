import EventFileReading
import Foundation
import Testing
@testable import Shared
@testable import Coordinator
@testable import Worker

/// TensorBoard event files of whole runs (docs/contracts.md, "TensorBoard"): every line of metrics.jsonl, training
/// and evaluation alike, is a summary at its step with the same numbers.
extension InProcessSystemTests {
    /// The run's event files in name order, TensorBoard's reading order.
    func eventFiles(_ run: String) throws -> [String] {
        let directory = path("\(run)/tensorboard")
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Checks that the summaries of `file` are `lines`, one each in order: the step, every other key as a tag and
    /// its value rounded to Float. Returns how many scalars were compared and the largest relative difference
    /// from the JSON value before rounding (float32's rounding, below 2^-24).
    func expectEvents(in file: String, equal lines: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> (scalars: Int, worst: Double) {
        let events = try EventFileReader.events(atPath: file)
        #expect(events.first?.fileVersion == "brain.Event:2", sourceLocation: sourceLocation)
        let summaries = Array(events.dropFirst())
        try #require(summaries.count == lines.count, "\(file): \(summaries.count) summaries for \(lines.count) lines", sourceLocation: sourceLocation)
        var compared = 0, worst = 0.0
        for (event, line) in zip(summaries, lines) {
            #expect(event.step == Int64(line["step"] as! Int), sourceLocation: sourceLocation)
            let expected = line.filter { $0.key != "step" }.mapValues { ($0 as! NSNumber).doubleValue }
            #expect(event.scalars.map(\.tag) == expected.keys.sorted(), "step \(event.step)", sourceLocation: sourceLocation)
            for (tag, value) in event.scalars {
                guard let json = expected[tag] else { continue }
                #expect(value == Float(json), "\(tag) at step \(event.step): \(value) vs \(json)", sourceLocation: sourceLocation)
                worst = max(worst, json == 0 ? abs(Double(value)) : abs(Double(value) - json) / abs(json))
                compared += 1
            }
        }
        return (compared, worst)
    }

    /// A run with evaluation writes one event file whose summaries are metrics.jsonl's lines (12 training lines, 3
    /// evaluations), every value equal to the line's rounded to Float; the run resumed to redo its last evaluation
    /// adds a second file holding just that line, with the same numbers.
    @Test func eventFilesHoldEveryMetricsLineAndAResumedRunAddsAFile() throws {
        try writeEvalPairs()
        try soloRun(settings: evaluationSettings)
        let complete = try metricsLines("solo")
        #expect(complete.count == 12 + 3)
        let first = try eventFiles("solo")
        try #require(first.count == 1)
        #expect((first[0] as NSString).lastPathComponent.hasPrefix("events.out.tfevents."))
        let (scalars, worst) = try expectEvents(in: first[0], equal: complete.map(\.values))
        #expect(scalars > 15 * 5)
        print("tensorboard: \(scalars) scalars of \(complete.count) lines equal metrics.jsonl's rounded to Float; worst relative difference from the JSON values \(worst)")
        #expect(worst < 0x1p-24)

        // The coordinator died before the final evaluation reached metrics.jsonl: the resumed run redoes it.
        try (complete.dropLast().map(\.text).joined(separator: "\n") + "\n")
            .write(toFile: path("solo/metrics.jsonl"), atomically: true, encoding: .utf8)
        try soloRun(settings: evaluationSettings)
        let files = try eventFiles("solo")
        try #require(files.count == 2)
        #expect(files[0] == first[0])
        _ = try expectEvents(in: files[1], equal: [complete.last!.values])
        #expect(try metricsLines("solo").map(\.text) == complete.map(\.text))
    }
}
