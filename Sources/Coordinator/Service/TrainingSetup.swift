import Foundation
import Shared

/// Everything a run needs before its loop starts, from the recipe: the run directory, a checkpoint to
/// resume from (the newest that verifies), the models, the tokenized data, the reference cache, the
/// shard store and the core.
struct TrainingSetup {
    let core: CoordinatorCore
    let settings: CoordinatorLoop.Settings
    let runDirectory: RunDirectory

    init(recipe given: Recipe, runDirectory path: String, log: Logger) throws {
        let run = try RunDirectory(path: path)
        runDirectory = run
        let recipe = try Self.resolvingModels(of: given, log: log)
        try run.writeRecipe(recipe.yaml())

        // Data: the mixers' rows, tokenized with the model's tokenizer where they are text, truncated.
        let truncation = Truncation(maxLength: recipe.maxLength, maxPromptLength: recipe.maxPromptLength)
        try truncation.validate()
        var tokenizer: PairTokenizer?
        var endOfSequence: ChatTemplate.EndOfSequence?
        func load(_ mixer: DatasetMixer, _ what: String) throws -> [TokenizedPair] {
            let mixed = try mixer.load()
            if mixed.needsTokenizer, tokenizer == nil {
                let (loaded, eos) = try PairTokenizer.load(path: recipe.tokenizer ?? recipe.model)
                tokenizer = loaded
                endOfSequence = eos
                log.info("tokenizing text rows with the tokenizer of \(recipe.tokenizer ?? recipe.model), eos \(eos.token) (id \(eos.id))")
            }
            let outcome = try truncation.apply(to: PairTokenizer.pairs(mixed.rows, tokenizer: tokenizer))
            log.info("\(what): \(truncation.summary(of: outcome))")
            guard !outcome.pairs.isEmpty else { throw RunError.noWork("no pair of the \(what) survived loading and truncation") }
            return outcome.pairs
        }
        let mainPairs = try load(recipe.mixer, "dataset_mixer")
        let bufferPairs = try recipe.bufferMixer.map { try load($0, "buffer_dataset_mixer") } ?? []
        let evalPairs = try recipe.evalMixer.map { try load($0, recipe.evalDatasetMixer == nil ? "test split \(recipe.testSplit!)" : "eval_dataset_mixer") } ?? []
        let pairs = mainPairs + bufferPairs
        let buffer = bufferPairs.isEmpty ? nil
            : try BufferStream(count: bufferPairs.count, pairsPerBatch: recipe.perDeviceTrainBatchSize, seed: UInt64(recipe.seed))

        // Models: the policy from the checkpoint when resuming; the reference always from its directory.
        let (config, initial) = try ModelDirectory.load(directory: recipe.model)
        guard recipe.maxLength <= config.positions else {
            throw RecipeError.outOfRange(key: "max_length", value: "\(recipe.maxLength)",
                                         requirement: "at most the model's n_positions (\(config.positions)), e.g. --max_length=\(config.positions)")
        }
        for pair in pairs + evalPairs { try pair.validate(vocabulary: config.vocabulary, maxPositions: config.positions) }
        let referenceConfig: GPT2Config, referenceParameters: FloatBuffer
        if recipe.referenceModel == recipe.model {
            (referenceConfig, referenceParameters) = (config, initial)
        } else {
            (referenceConfig, referenceParameters) = try ModelDirectory.load(directory: recipe.referenceModel)
        }
        guard referenceConfig == config else {
            throw RunError.incompatibleResume("the reference model's config.json differs from the policy's; they must share one architecture")
        }

        let plan = BatchPlan(pairCount: mainPairs.count, batchSize: recipe.perDeviceTrainBatchSize,
                             accumulation: recipe.gradientAccumulationSteps, epochs: recipe.numTrainEpochs)
        let layout = ParameterLayout(config: config)
        guard recipe.shards <= layout.count else {
            throw RunError.noWork("shards (\(recipe.shards)) exceeds the model's \(layout.count) parameters")
        }
        let selection: ParameterSelection
        do {
            selection = try recipe.parameterSelection(layout: layout)
        } catch let error as ParameterSelectionError {
            throw RunError.invalidSelection(error.description)
        }
        let trained = selection.selectsEverything ? nil : selection.ranges
        if !selection.selectsEverything {
            log.info("selective fine-tuning: \(selection.count) of \(layout.count) parameters in \(selection.tensorNames.count) tensors are trained")
        }
        let shardLayout = ShardLayout.shards(parameterCount: layout.count, count: recipe.shards, trained: trained ?? [0..<layout.count])

        // The newest checkpoint that verifies and is consistent with itself and the plan; one made for
        // another plan or layout is refused below, with the reason.
        let store = recipe.checkpointStore(runDirectory: run.path)
        let recovery = try store.loadLatest(TrainingState.self) { state in
            guard state.isMade(for: plan), state.shardRanges == shardLayout.map(\.range) else { return }
            try state.checkConsistency(plan: plan, frozen: shardLayout.map(\.frozen))
        }
        recovery.problems.forEach { log.warning("checkpoint: \($0)") }
        let resume = recovery.checkpoint
        if resume == nil, !recovery.problems.isEmpty, !(try store.steps()).isEmpty {
            throw RunError.incompatibleResume("\(store.directory) holds checkpoints but none verifies; move it aside to start over")
        }
        let shardStore: ShardStore
        let runID: String
        if let resume {
            let state = resume.state
            guard state.isMade(for: plan) else {
                throw RunError.incompatibleResume(
                    "\(resume.directory) was made for \(state.pairs) pairs, batches of \(state.batchSize), \(state.accumulation) accumulation steps and \(state.epochs) epochs; the recipe now gives \(plan.pairCount), \(plan.batchSize), \(plan.accumulation) and \(plan.epochs)")
            }
            guard state.shardRanges == shardLayout.map(\.range), resume.config == config
            else { throw RunError.incompatibleResume("\(resume.directory) has another model or shard layout than the recipe") }
            runID = state.runID
            if recipe.compression.keepsPublicCopy, resume.publicCopy == nil {
                log.warning("\(resume.directory) holds no public copy (it was not written under topk): workers start from the parameters, so this run will not be bit-identical to one never stopped")
            }
            shardStore = ShardStore(parameters: resume.parameters, layout: layout, count: recipe.shards, hyperparameters: recipe.adamW,
                                    resume: (state.shards, resume.firstMoment, resume.secondMoment, resume.publicCopy),
                                    compression: recipe.compression, trained: trained)
            log.info("resuming \(runID) from \(resume.directory): step \(state.step) of \(state.totalSteps), epoch \(state.epoch)")
        } else {
            runID = try run.runID()
            shardStore = ShardStore(parameters: initial, layout: layout, count: recipe.shards, hyperparameters: recipe.adamW,
                                    compression: recipe.compression, trained: trained)
            log.info("starting \(runID): \(mainPairs.count) pairs\(buffer == nil ? "" : " (+ \(bufferPairs.count) in the buffer)"), \(plan.totalSteps) steps of \(plan.accumulation) × \(plan.batchSize) pairs, \(shardLayout.count) shards")
        }
        let referenceStore = ShardStore(parameters: referenceParameters, layout: layout, count: recipe.shards, hyperparameters: recipe.adamW,
                                        trained: trained)

        // One cache for the training pairs and the eval pairs after them, computed in one reference phase.
        let referencePairs = pairs + evalPairs
        let cache = try ReferenceCache(runDirectory: run.path, referenceWeights: ModelDirectory.weightsPath(recipe.referenceModel),
                                       pairs: referencePairs)
        let reference: [ResponseLogProbs]?
        if recipe.objective == .sft {
            // SFT's loss reads only the policy's chosen log-prob: no reference phase, nothing cached.
            reference = [ResponseLogProbs](repeating: ResponseLogProbs(chosen: 0, rejected: 0), count: referencePairs.count)
        } else {
            let (cached, note) = cache.load(expectedPairs: referencePairs.count)
            if let note { log.warning(note) }
            if cached != nil { log.info("reusing the reference log-probs in \(cache.path)") }
            reference = cached
        }

        // TensorBoard event files unless `report_to: none` (docs/contracts.md, "TensorBoard").
        let metrics = try MetricsLog(path: run.metricsPath, keepThrough: resume?.state.step ?? 0,
                                     tensorBoardDirectory: recipe.reportsToTensorBoard ? run.tensorBoardPath : nil)
        let (source, tokenizerProblem) = try ModelSource.resolve(model: recipe.model, tokenizer: recipe.tokenizer ?? recipe.model, eos: endOfSequence)
        if let tokenizerProblem {
            log.warning("checkpoints get the tokenizer files as they are but no tokenizer_config.json: \(tokenizerProblem)")
        }
        let objective = try Objective(kind: recipe.objective, parameters: recipe.objectiveParameters)
        let configuration = CoordinatorCore.Configuration(
            runID: runID, leaseSeconds: recipe.leaseSeconds, maxStaleness: recipe.maxStaleness, saveSteps: recipe.checkpointInterval(stepsPerEpoch: plan.stepsPerEpoch, totalSteps: plan.totalSteps),
            seed: UInt64(recipe.seed), schedule: recipe.schedule(totalSteps: plan.totalSteps), maxGradNorm: recipe.maxGradNorm,
            objective: recipe.objective, progressEverySteps: recipe.loggingSteps,
            firstLeaseID: UInt64(UInt32.random(in: 0...UInt32.max)) << 32 | 1)
        let sinks = CoordinatorCore.Sinks(
            referenceComplete: { try cache.save($0) },
            metrics: { try metrics.append($1, step: $0) },
            checkpoint: { state, shards in
                let directory = try store.write(step: state.step, config: config, parameters: shards.parameters,
                                                firstMoment: shards.firstMoment, secondMoment: shards.secondMoment,
                                                publicCopy: shards.publicCopy, state: state, source: source)
                try metrics.synchronize()
                log.info("checkpoint written: \(directory)")
            },
            evaluation: { try metrics.append($1, step: $0) })
        let configJSON = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        core = CoordinatorCore(
            configuration: configuration, plan: plan, pairs: pairs, buffer: buffer,
            servers: ServerGroup(store: shardStore, modelConfigJSON: configJSON), referenceSnapshots: referenceStore.snapshots,
            reference: reference, resume: resume?.state,
            evaluation: evalPairs.isEmpty ? nil : EvaluationPlan(
                pairs: evalPairs, batchSize: recipe.perDeviceEvalBatchSize, strategy: recipe.effectiveEvalStrategy,
                everySteps: recipe.evalSteps, stepsPerEpoch: plan.stepsPerEpoch, totalSteps: plan.totalSteps),
            evaluateResumedStep: resume.map { !metrics.evaluatedSteps.contains($0.state.step) } ?? false,
            workerTimeout: 3 * recipe.heartbeatSeconds, sinks: sinks, log: log)
        settings = CoordinatorLoop.Settings(
            runID: runID, incarnation: UInt64.random(in: 1...UInt64.max), config: config, objective: objective,
            heartbeatSeconds: recipe.heartbeatSeconds, leaseSeconds: recipe.leaseSeconds, workersExpected: recipe.workersExpected,
            serversExpected: recipe.serversExpected, gatherServersFor: recipe.serversWaitSeconds)
    }

    /// `recipe` with `model` and `reference_model` resolved to model directories (`ModelReference`: another
    /// run's newest verified checkpoint when they name a run), so the resolved recipe the run directory
    /// keeps says exactly which weights the run started from.
    private static func resolvingModels(of recipe: Recipe, log: Logger) throws -> Recipe {
        var resolved = recipe
        let model = try ModelReference(resolving: recipe.model)
        let reference = recipe.referenceModel == recipe.model ? model : try ModelReference(resolving: recipe.referenceModel)
        for note in Set([model.note, reference.note].compactMap { $0 }).sorted() { log.info(note) }
        resolved.model = model.directory
        resolved.referenceModel = reference.directory
        return resolved
    }
}
