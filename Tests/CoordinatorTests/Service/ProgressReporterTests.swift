import Testing
import Shared
@testable import Coordinator

/// When the progress line is written: by time by default, by steps with recipe `logging_steps`.
struct ProgressReporterTests {
    let log = Logger(component: "test", threshold: .error)

    @Test func loggingStepsGivesALineEveryThatManyStepsAndTheLast() {
        var reporter = ProgressReporter(totalSteps: 25, everySteps: 10, log: log)
        let due = (1...25).filter { step in
            defer { reporter.stepApplied(step, metrics: [:], now: Double(step)) }
            return reporter.isDue(step, now: Double(step))
        }
        #expect(due == [10, 20, 25])
    }

    @Test func withoutItALineIsDueOnceTheIntervalHasPassed() {
        var reporter = ProgressReporter(totalSteps: 100, interval: 5, log: log)
        let due = (1...12).filter { step in
            defer { reporter.stepApplied(step, metrics: [:], now: Double(step)) }
            return reporter.isDue(step, now: Double(step))
        }
        #expect(due == [1, 6, 11])
    }
}
