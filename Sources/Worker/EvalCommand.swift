import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker eval` (docs/evaluation.md): scores a file of preference pairs with the policy (and the
/// reference) from forward passes only, and reports the objective's metrics with the `eval_` prefix and
/// the safety metrics of the prompts' labelled responses.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on preference pairs: the objective's metrics and the safety metrics, without gradients.",
        discussion: """
            Prints a table, or with --json one JSON object: the objective's loss and reward metrics under the \
            training metrics' names with the eval_ prefix, and for prompts with labelled responses the ranking \
            accuracy, prefers-safe, helpful-safe on top and helpfulness by summed log-prob, log-prob per token and \
            (with --reference) implicit reward. Without --reference the reference model is the policy itself. \
            docs/evaluation.md defines every metric.
            """
    )

    @OptionGroup var options: PairScoringOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        try BLASCoreSetup.establish(mode: options.blasCore, log: Logger(component: "blas"))
        let log = Logger(component: "eval")
        let objective = try options.makeObjective()
        let (config, parameters) = try ModelDirectory.load(directory: options.model)
        let engine = GradientEngine(model: GPT2(config: config), objective: objective, threads: options.threads, responses: .both)
        let input = try options.loadPairs(log: log)
        let pairs = input.scored.map(\.pair)
        let reference = try options.referenceLogProbs(pairs: pairs, policy: config, objective: objective)

        var metrics = PreferenceMetrics()
        var policy: [ResponseLogProbs] = []
        var progress = ProgressLine(total: pairs.count, unit: "pairs", log: log)
        for (index, batch) in options.batches(of: pairs).enumerated() {
            let first = index * options.batchSize
            let result = try engine.evaluate(parameters: parameters.pointer, pairs: batch,
                                             reference: reference.map { Array($0[first..<(first + batch.count)]) })
            metrics.merge(result.metrics)
            policy += result.pairs.map(\.policy)
            progress.advance(to: first + batch.count)
        }

        let kinds = try PromptKindField.read(file: options.data, lines: Set(input.read.map(\.source.line)))
        var observations: [ResponseObservation] = []
        for (k, scored) in input.scored.enumerated() {
            let read = input.read[scored.index]
            let kind = kinds[read.source.line]
            observations.append(Self.observation(
                ids: read.chosenIDs, mask: read.chosenMask, safe: read.chosenSafe, chosen: true, kind: kind, source: read.source,
                logProb: ResponseLogProb(policy: policy[k].chosen, reference: reference?[k].chosen,
                                         tokens: scored.pair.chosenResponseTokens)))
            observations.append(Self.observation(
                ids: read.rejectedIDs, mask: read.rejectedMask, safe: read.rejectedSafe, chosen: false, kind: kind, source: read.source,
                logProb: ResponseLogProb(policy: policy[k].rejected, reference: reference?[k].rejected,
                                         tokens: scored.pair.rejectedMask.lazy.filter { $0 }.count)))
        }
        let report = EvalReport(objective: objective, pairs: pairs.count, metrics: metrics, groups: try PromptGroups(observations: observations))
        FileHandle.standardOutput.write(json ? try report.json() : Data(report.table(model: options.model, data: options.data).utf8))
    }

    /// One response of a pair as read (before truncation, so that a prompt or response cut differently in
    /// two pairs is still recognised): the prompt is everything before its first response token.
    private static func observation(
        ids: [Int], mask: [Bool], safe: Bool, chosen: Bool, kind: PromptKind?, source: RowLocation, logProb: ResponseLogProb
    ) -> ResponseObservation {
        let split = mask.firstIndex(of: true) ?? ids.count
        return ResponseObservation(prompt: Array(ids[..<split]), response: Array(ids[split...]), safe: safe, chosen: chosen,
                                   promptKind: kind, logProb: logProb, source: source)
    }
}
