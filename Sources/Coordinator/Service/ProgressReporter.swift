import Foundation
import Shared

/// The one-line progress report on stderr, at a steady pace rather than once per step: step/total,
/// epoch, loss, reward accuracy, learning rate, gradient norm (before clipping), tokens/s, workers and the
/// time left. The time left is estimated from the steps applied since the first step this process saw, so
/// the first line has none rather than a meaningless 0 s.
struct ProgressReporter {
    let totalSteps: Int
    let interval: Double
    /// When set (recipe `logging_steps`), a line every this many steps instead of every `interval` seconds.
    let everySteps: Int?
    let log: Logger
    private var lastReport = -Double.infinity
    private var firstStep: (step: Int, time: Double)?

    init(totalSteps: Int, interval: Double = 5, everySteps: Int? = nil, log: Logger) {
        self.totalSteps = totalSteps
        self.interval = interval
        self.everySteps = everySteps
        self.log = log
    }

    /// Reports `metrics` of `step` (1-based count of applied steps) when the interval (or `everySteps`) has
    /// passed, and always for the last step.
    mutating func stepApplied(_ step: Int, metrics: [String: Double], now: Double) {
        if firstStep == nil { firstStep = (step, now) }
        guard isDue(step, now: now) else { return }
        lastReport = now
        log.info(Self.line(step: step, total: totalSteps, metrics: metrics, eta: timeLeft(step: step, now: now)))
    }

    /// Whether `step` gets a line: every `everySteps` steps when set, else once `interval` seconds have
    /// passed since the last line; always the last step.
    func isDue(_ step: Int, now: Double) -> Bool {
        step == totalSteps || (everySteps.map { step % $0 == 0 } ?? (now - lastReport >= interval))
    }

    /// Reports an evaluation of the policy after `step` steps, always (evaluations are rare).
    func evaluated(_ step: Int, metrics: [String: Double], seconds: Double) {
        log.info(Self.evaluationLine(step: step, metrics: metrics, seconds: seconds))
    }

    static func evaluationLine(step: Int, metrics: [String: Double], seconds: Double) -> String {
        func value(_ key: String, _ format: String) -> String {
            metrics[key].map { String(format: format, $0) } ?? "–"
        }
        return "eval at step \(step) epoch \(value("epoch", "%.2f")): eval_loss \(value("eval_loss", "%.4g"))"
            + " eval_acc \(value("eval_rewards/accuracies", "%.2f")) eval_margin \(value("eval_rewards/margins", "%.4g"))"
            + " pairs \(value("eval_pairs", "%.0f")) in \(duration(seconds))"
    }

    /// Seconds left after `step`, at the pace of the steps since the first this process saw; nil until
    /// one step's duration is known.
    func timeLeft(step: Int, now: Double) -> Double? {
        guard let first = firstStep, step > first.step else { return nil }
        return (now - first.time) / Double(step - first.step) * Double(totalSteps - step)
    }

    static func line(step: Int, total: Int, metrics: [String: Double], eta: Double?) -> String {
        func value(_ key: String, _ format: String) -> String {
            metrics[key].map { String(format: format, $0) } ?? "–"
        }
        let percent = total > 0 ? 100 * Double(step) / Double(total) : 100
        return "step \(step)/\(total) (\(String(format: "%.0f", percent))%) epoch \(value("epoch", "%.2f"))"
            + " loss \(value("loss", "%.4g")) acc \(value("rewards/accuracies", "%.2f"))"
            + " lr \(value("learning_rate", "%.3g")) gnorm \(value("grad_norm", "%.3g"))"
            + " tok/s \(value("tokens_per_second", "%.0f")) workers \(value("workers", "%.0f"))"
            + " eta \(eta.map(duration) ?? "–")"
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}
