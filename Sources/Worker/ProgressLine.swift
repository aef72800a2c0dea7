import Foundation
import Shared

/// A progress line on standard error at most every 5 seconds and at the end, for long evaluations and generations.
struct ProgressLine {
    let total: Int
    let unit: String
    let log: Logger
    private let started = Date()
    private var lastReport = Date()

    init(total: Int, unit: String, log: Logger) {
        self.total = total
        self.unit = unit
        self.log = log
    }

    mutating func advance(to done: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastReport) >= 5 || done == total else { return }
        lastReport = now
        let seconds = now.timeIntervalSince(started)
        log.info("\(done)/\(total) \(unit) (\(String(format: "%.1f", Double(done) / max(seconds, 1e-3))) \(unit)/s)")
    }
}
