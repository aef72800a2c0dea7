import EventFileReading
import Foundation
import Testing
import Shared
@testable import Coordinator

/// `MetricsLog` with and without TensorBoard: every line of metrics.jsonl goes to the event file too, and a log
/// opened without a directory for events writes none.
struct MetricsLogTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)").path

    func inDirectory(_ body: () throws -> Void) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body()
    }

    var metricsPath: String { (directory as NSString).appendingPathComponent("metrics.jsonl") }
    var eventsDirectory: String { (directory as NSString).appendingPathComponent("tensorboard") }

    @Test func everyLineGoesToTheEventFileAtItsStep() throws {
        try inDirectory {
            let log = try MetricsLog(path: metricsPath, keepThrough: 0, tensorBoardDirectory: eventsDirectory)
            try log.append(["loss": 0.5, "epoch": 0.5, "workers": 2], step: 1)
            try log.append(["eval_loss": 0.25, "epoch": 0.5], step: 1)
            try log.synchronize()
            let lines = try String(contentsOfFile: metricsPath, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            let files = try FileManager.default.contentsOfDirectory(atPath: eventsDirectory)
            try #require(files.count == 1)
            let events = try EventFileReader.events(atPath: (eventsDirectory as NSString).appendingPathComponent(files[0]))
            #expect(events.map(\.step) == [0, 1, 1])
            #expect(events[1].scalars.map(\.tag) == ["epoch", "loss", "workers"])
            #expect(events[1].scalars.map(\.value) == [0.5, 0.5, 2])
            #expect(events[2].scalars.map(\.tag) == ["epoch", "eval_loss"])
            #expect(events[2].scalars.map(\.value) == [0.5, 0.25])
        }
    }

    @Test func withoutADirectoryNoEventFileIsWritten() throws {
        try inDirectory {
            let log = try MetricsLog(path: metricsPath, keepThrough: 0, tensorBoardDirectory: nil)
            try log.append(["loss": 0.5], step: 1)
            try log.synchronize()
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["metrics.jsonl"])
        }
    }
}
