import EventFileReading
import Foundation
import Testing
@testable import Shared

extension MetricsTests {
    @Suite struct Writer {
        /// A clock that starts at 1_700_000_000.25 and advances a second per reading.
        final class Clock {
            private(set) var now = 1_700_000_000.25
            func read() -> Double {
                defer { now += 1 }
                return now
            }
        }

        @Test func fileStartsWithTheVersionThenOneSummaryPerLine() throws {
            try withTemporaryDirectory { root in
                let directory = (root as NSString).appendingPathComponent("tensorboard")
                let clock = Clock()
                let writer = try TensorBoardWriter(directory: directory, clock: clock.read)
                try writer.append(["loss": 0.6931471805599453, "epoch": 0.25, "grad_norm": 0], step: 1)
                try writer.append(["loss": 0.5, "learning_rate": 5e-7], step: 2)
                try writer.append(["eval_loss": 0.75, "epoch": 0.5], step: 2)
                writer.close()

                let name = (writer.path as NSString).lastPathComponent
                #expect(name.hasPrefix("events.out.tfevents.1700000000."))
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [name])
                let events = try EventFileReader.events(atPath: writer.path)
                #expect(events.count == 4)
                #expect(events[0].fileVersion == "brain.Event:2")
                #expect(events[0].wallTime == 1_700_000_000.25)
                #expect(events.dropFirst().map(\.step) == [1, 2, 2])
                #expect(events.dropFirst().map(\.wallTime) == [1_700_000_001.25, 1_700_000_002.25, 1_700_000_003.25])
                #expect(events[1].scalars.map(\.tag) == ["epoch", "grad_norm", "loss"])
                #expect(events[1].scalars.map(\.value) == [0.25, 0, Float(0.6931471805599453)])
                #expect(events[2].scalars.map(\.tag) == ["learning_rate", "loss"])
                #expect(events[2].scalars.map(\.value) == [5e-7, 0.5])
                #expect(events[3].scalars.map(\.tag) == ["epoch", "eval_loss"])
            }
        }

        /// NaN and infinities have no place on a chart: they are left out, and a line with nothing finite adds no record.
        @Test func nonFiniteValuesAreLeftOut() throws {
            try withTemporaryDirectory { directory in
                let writer = try TensorBoardWriter(directory: directory, clock: Clock().read)
                try writer.append(["loss": .nan, "grad_norm": .infinity, "epoch": 1], step: 4)
                try writer.append(["loss": .nan], step: 5)
                let events = try EventFileReader.events(atPath: writer.path)
                #expect(events.count == 2)
                #expect(events[1].step == 4)
                #expect(events[1].scalars.map(\.tag) == ["epoch"])
            }
        }

        /// Two writers started in the same second (a run resumed at once) get two files, the second sorting after the first.
        @Test func aSecondWriterInTheSameSecondStartsAnotherFile() throws {
            try withTemporaryDirectory { directory in
                let first = try TensorBoardWriter(directory: directory, clock: { 1_700_000_000 })
                let second = try TensorBoardWriter(directory: directory, clock: { 1_700_000_000.5 })
                try first.append(["loss": 1], step: 1)
                try second.append(["loss": 2], step: 2)
                #expect(second.path == first.path + ".2")
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                    == [(first.path as NSString).lastPathComponent, (second.path as NSString).lastPathComponent])
                #expect(try EventFileReader.events(atPath: first.path).last?.scalars.map(\.value) == [1])
                #expect(try EventFileReader.events(atPath: second.path).last?.scalars.map(\.value) == [2])
                try second.synchronize()
            }
        }

        /// Each append reaches the file before it returns: a reader sees every line while the writer is still open.
        @Test func everyLineIsInTheFileBeforeAppendReturns() throws {
            try withTemporaryDirectory { directory in
                let writer = try TensorBoardWriter(directory: directory, clock: Clock().read)
                for step in 1...3 {
                    try writer.append(["loss": Double(step)], step: step)
                    #expect(try EventFileReader.events(atPath: writer.path).count == step + 1)
                }
            }
        }

        @Test func anUnwritableDirectoryThrowsNamingIt() throws {
            try withTemporaryDirectory { root in
                let file = (root as NSString).appendingPathComponent("file")
                try Data().write(to: URL(fileURLWithPath: file))
                #expect(throws: TensorBoardError.self) { try TensorBoardWriter(directory: file) }
            }
        }
    }
}
