import ArgumentParser
import Foundation
import Shared

/// The options of the commands that score a file of preference pairs with a policy and a reference
/// (`gradient`, `eval`), and what they do with them: the objective, the pairs read and truncated as
/// training reads them, and the reference log-probs.
struct PairScoringOptions: ParsableArguments {
    @Option(help: "Policy model directory (config.json + model.safetensors).")
    var model: String

    @Option(help: "Reference model directory (default: the policy).")
    var reference: String?

    @Option(help: "Preference pairs: JSONL or a JSON array, tokenized or any supported text schema (text is tokenized with the model directory's tokenizer and the chat template).")
    var data: String

    @Option(help: "Schema of --data (default: detected from the fields).")
    var format: DatasetFormat?

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed rows, reporting how many and why, instead of failing on the first.")
    var skipInvalid = false

    @Option(help: "Objective: bfpo, dpo, ipo or sft.")
    var objective: ObjectiveKind = .bfpo

    @Option(help: "β: the KL strength.")
    var beta: Double = 0.01

    @Option(help: "BFPO's b1, the weight of the chosen response's safety.")
    var b1: Double = 3

    @Option(help: "BFPO's α, the target's offset.")
    var alpha: Double = 0.5

    @Option(name: .customLong("max-length"), help: "Truncate pairs to this many tokens per sequence (default: no truncation).")
    var maxLength: Int?

    @Option(name: .customLong("max-prompt-length"), help: "Prompt tokens kept when truncating (default: half of --max-length).")
    var maxPromptLength: Int?

    @Option(name: .customLong("batch-size"), help: "Pairs per pass through the model; bounds memory, not the result.")
    var batchSize = 8

    @Option(name: .customLong("threads"), help: "Compute threads for the model: matrix products and element-wise work (default: all cores).")
    var threadsOption: Int?

    /// `--threads`, or every core.
    var threads: Int { threadsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(name: .customLong("blas-core"), help: ArgumentHelp(BLASCoreMode.help))
    var blasCore: BLASCoreMode = .auto

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard (threadsOption ?? 1) >= 1 else { throw ValidationError("--threads must be at least 1") }
        if maxPromptLength != nil, maxLength == nil { throw ValidationError("--max-prompt-length needs --max-length") }
    }

    /// The pairs of `--data` as read, and those scored: each with the index of the pair it was cut from,
    /// after `--max-length` truncation (pairs left without a response token are dropped).
    struct Pairs {
        let read: [TokenizedPair]
        let scored: [(index: Int, pair: TokenizedPair)]
    }

    func makeObjective() throws -> Objective {
        try Objective(kind: objective, parameters: ObjectiveParameters(beta: beta, b1: b1, alpha: alpha))
    }

    /// Reads, tokenizes and truncates `--data`, logging what truncation changed.
    /// - Throws: `DatasetError.empty` when truncation leaves no pair.
    func loadPairs(log: Logger) throws -> Pairs {
        let read = try DatasetInput.pairs(path: data, format: format, skipInvalid: skipInvalid, tokenizerPath: model, log: log).pairs
        guard let maxLength else { return Pairs(read: read, scored: Array(read.enumerated().map { ($0.offset, $0.element) })) }
        let truncation = Truncation(maxLength: maxLength, maxPromptLength: maxPromptLength ?? maxLength / 2)
        try truncation.validate()
        let outcome = try truncation.apply(to: read)
        if outcome.dropped > 0 {
            log.warning(truncation.summary(of: outcome))
        } else {
            log.info(truncation.summary(of: outcome))
        }
        guard !outcome.pairs.isEmpty else { throw DatasetError.empty(file: data) }
        let scored = try read.enumerated().compactMap { index, pair in try truncation.apply(to: pair).map { (index, $0) } }
        return Pairs(read: read, scored: scored)
    }

    /// `pairs` in batches of `--batch-size`, in order.
    func batches(of pairs: [TokenizedPair]) -> [[TokenizedPair]] {
        stride(from: 0, to: pairs.count, by: batchSize).map { Array(pairs[$0..<min($0 + batchSize, pairs.count)]) }
    }

    /// The `--reference` model's log-probs of `pairs`, nil without `--reference`.
    /// - Throws: `ModelError.unsupportedConfig` when its vocabulary differs from the policy's.
    func referenceLogProbs(pairs: [TokenizedPair], policy: GPT2Config, objective: Objective) throws -> [ResponseLogProbs]? {
        guard let reference else { return nil }
        let (config, parameters) = try ModelDirectory.load(directory: reference)
        guard config.vocabulary == policy.vocabulary else {
            throw ModelError.unsupportedConfig(
                "the reference's vocab_size (\(config.vocabulary)) differs from the policy's (\(policy.vocabulary))")
        }
        let engine = GradientEngine(model: GPT2(config: config), objective: objective, threads: threads)
        return try batches(of: pairs).flatMap { try engine.logProbs(parameters: parameters.pointer, pairs: $0) }
    }

    /// These options with `--model` and `--reference` resolved to model directories (`ModelReference`: a
    /// run directory or its `checkpoints/latest` names the run's newest verified checkpoint).
    func resolvingModels(log: Logger) throws -> PairScoringOptions {
        func resolve(_ path: String) throws -> String {
            let found = try ModelReference(resolving: path)
            if let note = found.note { log.info(note) }
            return found.directory
        }
        var resolved = self
        resolved.model = try resolve(model)
        resolved.reference = try reference.map(resolve)
        return resolved
    }
}
