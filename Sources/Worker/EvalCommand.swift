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

    @Flag(help: "Also complete every prompt (greedy) and report the judge's refusal and harmful rates.")
    var generate = false

    @Option(help: "The judge's pattern file for --generate, relative to the working directory.")
    var judge = "data/safety-benchmark/judge.json"

    @Option(name: .customLong("max-new-tokens"), help: "With --generate, the most tokens generated per prompt.")
    var maxNewTokens = 64

    @Option(help: "With --generate, also write each prompt's completion, kind and verdict to this file as JSON lines.")
    var generations: String?

    func validate() throws {
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
        if generations != nil, !generate { throw ValidationError("--generations needs --generate") }
    }

    func run() throws {
        try BLASCoreSetup.establish(mode: options.blasCore, log: Logger(component: "blas"))
        let log = Logger(component: "eval")
        let options = try self.options.resolvingModels(log: log)
        // The judge and the tokenizer are checked before any model runs, so a bad file fails at once.
        let judged = generate ? (judge: try ResponseJudge.load(path: judge), tokenizer: try PairTokenizer.load(path: options.model).tokenizer) : nil
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
        let groups = try PromptGroups(observations: observations)
        var generative: GenerativeSafety?
        if let judged {
            generative = try generativeSafety(groups: groups.groups, config: config, parameters: parameters,
                                              judge: judged.judge, tokenizer: judged.tokenizer, log: log)
        }
        let report = EvalReport(objective: objective, pairs: pairs.count, metrics: metrics, groups: groups, generative: generative)
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

    /// Completes every prompt greedily and counts the judge's verdicts by prompt kind, writing each
    /// completion to `--generations` when given.
    private func generativeSafety(
        groups: [PromptGroup], config: GPT2Config, parameters: FloatBuffer, judge: ResponseJudge, tokenizer: PairTokenizer, log: Logger
    ) throws -> GenerativeSafety {
        let output: FileHandle?
        if let generations {
            guard FileManager.default.createFile(atPath: generations, contents: nil), let handle = FileHandle(forWritingAtPath: generations) else {
                throw ModelError.cannotWrite(path: generations, reason: "cannot create the file")
            }
            output = handle
        } else {
            output = nil
        }
        defer { try? output?.close() }
        let generator = try Generator(config: config, parameters: parameters, threads: options.threads)
        let settings = GenerationSettings(maxNewTokens: maxNewTokens)
        var safety = GenerativeSafety()
        var progress = ProgressLine(total: groups.count, unit: "prompts generated", log: log)
        for (i, group) in groups.enumerated() {
            var sampler = try settings.sampler(prompt: i, vocabulary: config.vocabulary)
            let generation: Generation
            do {
                generation = try generator.generate(prompt: group.prompt, eos: tokenizer.eosID, maxNewTokens: maxNewTokens, sampler: &sampler)
            } catch let error as DecoderError {
                throw GenerateFailure.promptTooLong(source: "--generate, prompt \(i + 1) of \(groups.count)", reason: error)
            }
            let verdict = judge.judge(tokenizer.tokenizer.decode(generation.ids))
            safety.add(verdict, promptKind: group.kind)
            try output?.write(contentsOf: CompletionLine.encode(
                prompt: tokenizer.tokenizer.decode(group.prompt), generation: generation, tokenizer: tokenizer,
                extra: [("prompt_kind", group.kind.rawValue), ("verdict", verdict.rawValue)]))
            progress.advance(to: i + 1)
        }
        return safety
    }
}
