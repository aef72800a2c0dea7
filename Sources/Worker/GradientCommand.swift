import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker gradient` (docs/contracts.md, "`bfpo-worker gradient`"): the loss of an objective over a file of
/// pairs, each pair's log-probs on stdout as one JSON object, and the F32 gradient of the mean loss for
/// every parameter tensor in a safetensors file, under the model file's own tensor names.
struct GradientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient",
        abstract: "Compute an objective's loss and parameter gradient over a file of preference pairs.",
        discussion: """
            Prints {"objective", "loss", "pairs": [...]} on standard output, where each pair carries the ids \
            and masks used and the policy and reference log-probs of both responses, and writes the gradient \
            of the mean loss over all pairs to --out. Without --reference the reference model is the policy itself. \
            Text schemas are tokenized with the model directory's tokenizer and the chat template, and the ids \
            printed are the ones used.
            """
    )

    @OptionGroup var options: PairScoringOptions

    @Option(help: "Where to write the gradient (F32 safetensors).")
    var out: String

    func run() throws {
        try BLASCoreSetup.establish(mode: options.blasCore, log: Logger(component: "blas"))
        let log = Logger(component: "gradient")
        let objective = try options.makeObjective()
        let (config, parameters) = try ModelDirectory.load(directory: options.model)
        // The report carries both responses' log-probs (the contract), so even SFT runs the rejected one.
        let policy = GradientEngine(model: GPT2(config: config), objective: objective, threads: options.threads, responses: .both)
        let pairs = try options.loadPairs(log: log).scored.map(\.pair)
        let referenceLogProbs = try options.referenceLogProbs(pairs: pairs, policy: config, objective: objective)
            ?? options.batches(of: pairs).flatMap { try policy.logProbs(parameters: parameters.pointer, pairs: $0) }

        let gradient = FloatBuffer(count: parameters.count)
        var results: [GradientEngine.PairResult] = []
        var metrics = PreferenceMetrics()
        for (index, batch) in options.batches(of: pairs).enumerated() {
            let first = index * options.batchSize
            let result = try policy.accumulateGradient(
                parameters: parameters.pointer, pairs: batch, reference: Array(referenceLogProbs[first..<(first + batch.count)]),
                normalizer: Double(pairs.count), into: gradient.pointer)
            results += result.pairs
            metrics.merge(result.metrics)
            log.debug("pairs \(first + batch.count)/\(pairs.count)")
        }
        if let bad = gradient.buffer.firstIndex(where: { !$0.isFinite }) {
            throw ModelError.nonFiniteParameter(name: "gradient", index: bad, path: out)
        }
        try writeGradient(gradient, layout: policy.model.layout)
        let loss = metrics.lossSum / Double(metrics.pairs)
        log.info("\(objective.kind.rawValue) loss \(loss) over \(pairs.count) pairs; gradient written to \(out)")
        try printReport(objective: objective.kind, loss: loss, pairs: pairs, results: results, reference: referenceLogProbs)
    }

    /// Writes each parameter's gradient under the name the model file itself uses for it (prefixed or
    /// not), so a caller can pair gradient and parameter tensors by name.
    private func writeGradient(_ gradient: FloatBuffer, layout: ParameterLayout) throws {
        let file = try SafetensorsFile(path: ModelDirectory.weightsPath(options.model))
        var storedNames: [String: String] = [:]
        for tensor in file.tensors {
            if case .parameter(let canonical) = CheckpointNames.role(of: tensor.name) { storedNames[canonical] = tensor.name }
        }
        try withExtendedLifetime(gradient) {
            let entries = layout.tensors.map { spec in
                SafetensorsWriter.Entry(
                    name: storedNames[spec.name] ?? spec.name, shape: spec.shape,
                    data: UnsafeBufferPointer(start: gradient.pointer + spec.offset, count: spec.count))
            }
            try SafetensorsWriter.write(entries, to: out)
        }
    }

    private func printReport(
        objective: ObjectiveKind, loss: Double, pairs: [TokenizedPair],
        results: [GradientEngine.PairResult], reference: [ResponseLogProbs]
    ) throws {
        let report = GradientReport(
            objective: objective.rawValue, loss: loss,
            pairs: zip(pairs, zip(results, reference)).map { pair, scored in
                GradientReport.Pair(
                    chosenIDs: pair.chosenIDs, chosenMask: pair.chosenMask.map { $0 ? 1 : 0 },
                    rejectedIDs: pair.rejectedIDs, rejectedMask: pair.rejectedMask.map { $0 ? 1 : 0 },
                    isChosenSafe: pair.chosenSafe ? 1 : 0, isRejectedSafe: pair.rejectedSafe ? 1 : 0,
                    policyChosenLogp: scored.0.policy.chosen, policyRejectedLogp: scored.0.policy.rejected,
                    referenceChosenLogp: scored.1.chosen, referenceRejectedLogp: scored.1.rejected)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var json = try encoder.encode(report)
        json.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(json)
    }
}

extension ObjectiveKind: ExpressibleByArgument {}

/// The JSON object `gradient` prints (docs/contracts.md, "`bfpo-worker gradient`").
struct GradientReport: Encodable {
    struct Pair: Encodable {
        let chosenIDs: [Int]
        let chosenMask: [Int]
        let rejectedIDs: [Int]
        let rejectedMask: [Int]
        let isChosenSafe: Int
        let isRejectedSafe: Int
        let policyChosenLogp: Double
        let policyRejectedLogp: Double
        let referenceChosenLogp: Double
        let referenceRejectedLogp: Double

        enum CodingKeys: String, CodingKey {
            case chosenIDs = "chosen_ids", chosenMask = "chosen_mask", rejectedIDs = "rejected_ids"
            case rejectedMask = "rejected_mask", isChosenSafe = "is_chosen_safe", isRejectedSafe = "is_rejected_safe"
            case policyChosenLogp = "policy_chosen_logp", policyRejectedLogp = "policy_rejected_logp"
            case referenceChosenLogp = "reference_chosen_logp", referenceRejectedLogp = "reference_rejected_logp"
        }
    }

    let objective: String
    let loss: Double
    let pairs: [Pair]
}
