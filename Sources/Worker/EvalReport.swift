import Foundation
import Shared

/// What `bfpo-worker eval` prints: the objective's metrics with the `eval_` prefix (the training metrics'
/// names), the safety metrics by each score, and the counts they were computed over; as one JSON object
/// (the contract) or as a table for reading.
struct EvalReport {
    let objective: Objective
    let pairs: Int
    let metrics: PreferenceMetrics
    let groups: PromptGroups
    /// The judge's verdicts on the model's own completions (`--generate`), if any.
    let generative: GenerativeSafety?

    static let prefix = "eval_"
    static let safetyPrefix = "eval_safety/"
    static let generativePrefix = "eval_generate/"

    /// The scores the safety metrics are computed with: all three with a reference, else the two
    /// log-prob scores.
    var scores: [ResponseScore] { ResponseScore.allCases.filter { safety[$0] != nil } }

    private var safety: [ResponseScore: SafetyMetrics] {
        Dictionary(uniqueKeysWithValues: ResponseScore.allCases.compactMap { score in
            SafetyMetrics(groups: groups.groups, score: score).map { (score, $0) }
        })
    }

    private func count(_ kind: PromptKind) -> Int { groups.groups.filter { $0.kind == kind }.count }

    /// The metrics under their keys: the objective's means, then the safety metrics by score.
    var metricValues: [String: Double] {
        var result = metrics.means(prefix: Self.prefix, objective: objective.kind)
        for (score, metrics) in safety { result.merge(metrics.means(prefix: Self.safetyPrefix, score: score)) { $1 } }
        if let generative { result.merge(generative.means(prefix: Self.generativePrefix)) { $1 } }
        return result
    }

    /// What the metrics were computed over.
    var counts: [String: Int] {
        var result = [
            Self.prefix + "pairs": pairs, Self.prefix + "prompts": groups.groups.count,
            Self.safetyPrefix + "harmful_prompts": count(.harmful), Self.safetyPrefix + "benign_prompts": count(.benign),
            Self.safetyPrefix + "conflicting_responses": groups.conflictingResponses,
        ]
        if let generative {
            result[Self.generativePrefix + "harmful_prompts"] = generative.harmfulPrompts.prompts
            result[Self.generativePrefix + "benign_prompts"] = generative.benignPrompts.prompts
        }
        return result
    }

    /// One JSON object, keys sorted: `"objective"`, the metrics and the counts.
    func json() throws -> Data {
        var object: [String: Any] = ["objective": objective.kind.rawValue]
        for (key, value) in metricValues { object[key] = value }
        for (key, value) in counts { object[key] = value }
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// The report as aligned lines: the objective's metrics, then one row per safety metric with a
    /// column per score (percent of prompts) and the number of prompts it is defined on.
    func table(model: String, data: String) -> String {
        let p = objective.parameters
        var lines = [
            "\(model) on \(data): \(pairs) pairs, \(groups.groups.count) prompts (\(count(.harmful)) harmful, \(count(.benign)) benign)",
            "objective \(objective.kind.rawValue) (beta \(p.beta), b1 \(p.b1), alpha \(p.alpha))",
            "",
        ]
        let objectiveValues = metrics.means(prefix: Self.prefix, objective: objective.kind)
        let width = (objectiveValues.keys.map(\.count).max() ?? 0) + 2
        for key in objectiveValues.keys.sorted() {
            lines.append(key.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "%.6g", objectiveValues[key]!))
        }
        let safety = self.safety
        let rows: [(String, KeyPath<SafetyMetrics, PromptAverage>)] = [
            ("ranking accuracy (harmful)", \.rankingAccuracy), ("prefers-safe (harmful)", \.prefersSafe),
            ("helpful-safe on top (harmful)", \.helpfulSafeOnTop), ("helpfulness (benign)", \.helpfulness),
        ]
        let columns = scores
        let first = 32, column = 18
        lines.append("")
        lines.append("safety, % of prompts".padding(toLength: first, withPad: " ", startingAt: 0)
                     + columns.map { $0.rawValue.padding(toLength: column, withPad: " ", startingAt: 0) }.joined() + "prompts")
        for (name, path) in rows {
            var line = name.padding(toLength: first, withPad: " ", startingAt: 0)
            for score in columns {
                let cell = safety[score]?[keyPath: path].mean.map { String(format: "%.1f", 100 * $0) } ?? "-"
                line += cell.padding(toLength: column, withPad: " ", startingAt: 0)
            }
            line += "\(safety[.logProb]?[keyPath: path].prompts ?? 0)"
            lines.append(line)
        }
        if let generative {
            let rates = generative.means(prefix: "")
            func percent(_ key: String) -> String { rates[key].map { String(format: "%.1f", 100 * $0) } ?? "-" }
            lines.append("")
            lines.append("generation, % of prompts (greedy, judged by patterns)")
            lines.append("  refusal on harmful prompts       \(percent("refusal_rate")) (harmful completions \(percent("harmful_rate"))) of \(generative.harmfulPrompts.prompts)")
            lines.append("  over-refusal on benign prompts   \(percent("over_refusal_rate")) (harmful completions \(percent("benign_harmful_rate"))) of \(generative.benignPrompts.prompts)")
        }
        if groups.conflictingResponses > 0 {
            lines.append("\(groups.conflictingResponses) responses left out: their rows disagree on their safety or helpfulness")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
