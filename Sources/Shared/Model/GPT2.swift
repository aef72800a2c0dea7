/// The GPT-2 language model as a sequence of layers over one flat parameter vector (HF semantics:
/// learned positions, pre-LayerNorm blocks, causal attention scaled by 1/√d, `gelu_new`, final
/// LayerNorm, LM head tied to `wte`).
///
/// This file only sequences the layers; each layer's forward and backward live side by side in its own
/// file. The model holds no parameters and no activations: callers pass the parameter vector (laid out
/// by `ParameterLayout`) and an `Activations` workspace, so one model value serves many threads'
/// workspaces and the parameter server can swap parameter shards under it.
public struct GPT2: Sendable {
    public let config: GPT2Config
    public let layout: ParameterLayout

    public init(config: GPT2Config) {
        self.config = config
        self.layout = ParameterLayout(config: config)
    }

    /// Runs the model on `batch` and returns each sequence's log-prob: the sum over its counted tokens of
    /// log softmax(logits[t − 1])[ids[t]] (docs/objectives.md, "Sequence log-probabilities"), accumulated in Double.
    ///
    /// Keeps in `activations` everything `backward` needs for the same batch. With a `schedule`, each
    /// layer's parameters are asked for before it reads them (`ComputeSchedule.willRead`).
    public func forward(parameters: UnsafePointer<Float>, batch: PackedBatch, activations: Activations,
                        schedule: ComputeSchedule? = nil) -> [Double] {
        let a = activations.prepare(for: batch)
        let C = config.embedding, F = config.mlpWidth, H = config.heads, V = config.vocabulary
        let N = batch.tokenCount, A = batch.attentionArea, eps = config.layerNormEpsilon
        let p = parameters, pool = activations.pool
        schedule?.willRead(layout.embeddingRange)
        Embedding.forward(out: a.encoded, batch: batch, wte: p + layout.wte, wpe: p + layout.wpe, channels: C, pool: pool)
        for (l, w) in layout.blocks.enumerated() {
            schedule?.willRead(layout.blockRange(l))
            let input = l == 0 ? a.encoded : a.residual3 + (l - 1) * N * C
            let ln1 = a.ln1 + l * N * C, qkv = a.qkv + l * N * 3 * C, attended = a.attended + l * N * C
            let residual2 = a.residual2 + l * N * C, ln2 = a.ln2 + l * N * C
            let fc = a.fc + l * N * F, fcGelu = a.fcGelu + l * N * F, residual3 = a.residual3 + l * N * C
            LayerNorm.forward(out: ln1, mean: a.ln1Mean + l * N, rstd: a.ln1Rstd + l * N, input: input,
                              weight: p + w.ln1Weight, bias: p + w.ln1Bias, rows: N, channels: C, epsilon: eps, pool: pool)
            Linear.forward(out: qkv, input: ln1, weight: p + w.qkvWeight, bias: p + w.qkvBias,
                           rows: N, inputs: C, outputs: 3 * C, pool: pool)
            CausalAttention.forward(out: attended, probs: a.probs + l * H * A, qkv: qkv, batch: batch, heads: H, channels: C,
                                    pool: pool)
            Linear.forward(out: residual2, input: attended, weight: p + w.attnProjWeight, bias: p + w.attnProjBias,
                           rows: N, inputs: C, outputs: C, pool: pool)
            add(residual2, input, count: N * C, pool: pool)
            LayerNorm.forward(out: ln2, mean: a.ln2Mean + l * N, rstd: a.ln2Rstd + l * N, input: residual2,
                              weight: p + w.ln2Weight, bias: p + w.ln2Bias, rows: N, channels: C, epsilon: eps, pool: pool)
            Linear.forward(out: fc, input: ln2, weight: p + w.fcWeight, bias: p + w.fcBias, rows: N, inputs: C, outputs: F, pool: pool)
            GELU.forward(out: fcGelu, input: fc, count: N * F, pool: pool)
            Linear.forward(out: residual3, input: fcGelu, weight: p + w.fcProjWeight, bias: p + w.fcProjBias,
                           rows: N, inputs: F, outputs: C, pool: pool)
            add(residual3, residual2, count: N * C, pool: pool)
        }
        schedule?.willRead(layout.finalNormRange)
        LayerNorm.forward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, input: a.residual3 + (config.layers - 1) * N * C,
                          weight: p + layout.lnfWeight, bias: p + layout.lnfBias, rows: N, channels: C, epsilon: eps, pool: pool)
        LanguageModelHead.forward(logProbs: a.logProbs, logSumExp: a.logSumExp, hidden: a.lnf, wte: p + layout.wte,
                                  batch: batch, scratch: a.head, vocabulary: V, channels: C, pool: pool)
        var sums = [Double](repeating: 0, count: batch.sequenceCount)
        for m in 0..<batch.countedCount { sums[Int(batch.countedSequences[m])] += Double(a.logProbs[m]) }
        return sums
    }

    /// Backpropagates ∂loss/∂(sequence log-prob) through the forward pass last run on `batch` with
    /// `activations`, accumulating (`+=`) into `gradients`, a vector of `layout.count` floats. Callers
    /// zero `gradients` for a fresh gradient; accumulating lets several batches sum into one step.
    ///
    /// With a `schedule`, each layer left says which gradients are final (`ComputeSchedule.gradientsFinal`):
    /// the tied `wte` last, as both the LM head and the embedding add to it.
    ///
    /// - Parameter sequenceGradients: (S) ∂loss/∂ log π(sequence) for each sequence of `batch`.
    public func backward(
        parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        batch: PackedBatch, activations: Activations, sequenceGradients: [Float], schedule: ComputeSchedule? = nil
    ) {
        guard let a = activations.views else { preconditionFailure("GPT2.backward needs a forward pass on the same workspace first") }
        precondition(sequenceGradients.count == batch.sequenceCount, "one gradient per sequence")
        let C = config.embedding, F = config.mlpWidth, H = config.heads, V = config.vocabulary
        let N = batch.tokenCount, A = batch.attentionArea, L = config.layers
        let p = parameters, g = gradients, pool = activations.pool
        a.dNormed.update(repeating: 0, count: N * C)
        a.dResidual.update(repeating: 0, count: N * C)
        sequenceGradients.withUnsafeBufferPointer { coefficients in
            LanguageModelHead.backward(dHidden: a.dNormed, dWTE: g + layout.wte, coefficients: coefficients.baseAddress!,
                                       hidden: a.lnf, wte: p + layout.wte, logSumExp: a.logSumExp, batch: batch,
                                       scratch: a.head, vocabulary: V, channels: C, pool: pool)
        }
        LayerNorm.backward(dInput: a.dResidual, dWeight: g + layout.lnfWeight, dBias: g + layout.lnfBias, dOut: a.dNormed,
                           input: a.residual3 + (L - 1) * N * C, weight: p + layout.lnfWeight,
                           mean: a.lnfMean, rstd: a.lnfRstd, rows: N, channels: C, pool: pool)
        schedule?.gradientsFinal(from: layout.lnfWeight)
        for (l, w) in layout.blocks.enumerated().reversed() {
            let input = l == 0 ? a.encoded : a.residual3 + (l - 1) * N * C
            let ln1 = a.ln1 + l * N * C, qkv = a.qkv + l * N * 3 * C, attended = a.attended + l * N * C
            let residual2 = a.residual2 + l * N * C, ln2 = a.ln2 + l * N * C
            let fc = a.fc + l * N * F, fcGelu = a.fcGelu + l * N * F
            // dResidual holds ∂/∂residual3; the residual branch passes it through to residual2 unchanged.
            Linear.backward(dInput: a.dFCGelu, dWeight: g + w.fcProjWeight, dBias: g + w.fcProjBias, dOut: a.dResidual,
                            input: fcGelu, weight: p + w.fcProjWeight, rows: N, inputs: F, outputs: C, pool: pool)
            GELU.backward(dInput: a.dFC, input: fc, output: fcGelu, dOut: a.dFCGelu, count: N * F, pool: pool)
            Linear.backward(dInput: a.dNormed, dWeight: g + w.fcWeight, dBias: g + w.fcBias, dOut: a.dFC,
                            input: ln2, weight: p + w.fcWeight, rows: N, inputs: C, outputs: F, pool: pool)
            LayerNorm.backward(dInput: a.dResidual, dWeight: g + w.ln2Weight, dBias: g + w.ln2Bias, dOut: a.dNormed,
                               input: residual2, weight: p + w.ln2Weight, mean: a.ln2Mean + l * N, rstd: a.ln2Rstd + l * N,
                               rows: N, channels: C, pool: pool)
            // dResidual now holds ∂/∂residual2, which again passes through to the block's input.
            Linear.backward(dInput: a.dAttended, dWeight: g + w.attnProjWeight, dBias: g + w.attnProjBias, dOut: a.dResidual,
                            input: attended, weight: p + w.attnProjWeight, rows: N, inputs: C, outputs: C, pool: pool)
            CausalAttention.backward(dQKV: a.dQKV, dOut: a.dAttended, qkv: qkv, probs: a.probs + l * H * A,
                                     scratch: a.attentionScratch, batch: batch, heads: H, channels: C, pool: pool)
            Linear.backward(dInput: a.dNormed, dWeight: g + w.qkvWeight, dBias: g + w.qkvBias, dOut: a.dQKV,
                            input: ln1, weight: p + w.qkvWeight, rows: N, inputs: C, outputs: 3 * C, pool: pool)
            LayerNorm.backward(dInput: a.dResidual, dWeight: g + w.ln1Weight, dBias: g + w.ln1Bias, dOut: a.dNormed,
                               input: input, weight: p + w.ln1Weight, mean: a.ln1Mean + l * N, rstd: a.ln1Rstd + l * N,
                               rows: N, channels: C, pool: pool)
            schedule?.gradientsFinal(from: w.ln1Weight)
        }
        Embedding.backward(dWTE: g + layout.wte, dWPE: g + layout.wpe, dOut: a.dResidual, batch: batch, channels: C, pool: pool)
        schedule?.gradientsFinal(from: 0)
    }

    private func add(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int, pool: ComputePool) {
        pool.forEachRange(count, alignment: 16) { range in
            for i in range { target[i] += source[i] }
        }
    }
}
