/// GPT-2 run one position after another with a key/value cache, for generation: feeding R new tokens
/// costs R positions of projections and MLP plus R rows of attention over the cache, never a pass over
/// the whole prefix again. Same semantics as `GPT2.forward` (and the same layer code: `Embedding`,
/// `LayerNorm`, `Linear`, `GELU`; attention through `CachedAttention`), but it returns the logits of the
/// last fed position instead of sequence log-probs.
///
/// Every buffer is sized once, at construction, for `chunkRows` rows and the model's whole context: a
/// prompt is fed in chunks of at most `chunkRows` rows, and decoding a token allocates nothing. Not
/// thread-safe; use one decoder per caller. The parameters are kept alive by the decoder.
public final class IncrementalDecoder {
    /// Rows fed through the layers at once when a prompt is longer than one token.
    public static let chunkRows = 64

    public let config: GPT2Config
    public let layout: ParameterLayout
    public let cache: KeyValueCache
    private let parameters: FloatBuffer
    private let pool: ComputePool
    private let scratch: FloatBuffer
    private let x, normed, mean, rstd, qkv, attended, projected, fc, fcGelu, scores, logits: UnsafeMutablePointer<Float>

    /// - Parameters:
    ///   - parameters: the flat vector `ParameterLayout(config:)` describes.
    ///   - threads: threads of the compute pool (1: everything on the calling thread).
    /// - Throws: `ModelError.parameterCountMismatch` if `parameters` has the wrong size.
    public init(config: GPT2Config, parameters: FloatBuffer, threads: Int = 1) throws {
        let layout = ParameterLayout(config: config)
        guard parameters.count == layout.count else {
            throw ModelError.parameterCountMismatch(expected: layout.count, actual: parameters.count)
        }
        self.config = config
        self.layout = layout
        self.parameters = parameters
        self.cache = KeyValueCache(config: config)
        self.pool = ComputePool(threads: threads)
        let R = Self.chunkRows, C = config.embedding, F = config.mlpWidth
        let sizes = [
            R * C, R * C, R, R, R * 3 * C, R * C, R * C, R * F, R * F,
            CachedAttention.scratchCount(rows: R, heads: config.heads, positions: config.positions), config.vocabulary,
        ]
        scratch = FloatBuffer(count: sizes.reduce(0, +))
        var cursor = scratch.pointer
        var views: [UnsafeMutablePointer<Float>] = []
        for size in sizes {
            views.append(cursor)
            cursor += size
        }
        (x, normed, mean, rstd, qkv, attended, projected) = (views[0], views[1], views[2], views[3], views[4], views[5], views[6])
        (fc, fcGelu, scores, logits) = (views[7], views[8], views[9], views[10])
    }

    /// Positions decoded since the last `reset()`.
    public var count: Int { cache.count }

    /// Starts a new sequence (the buffers are kept).
    public func reset() { cache.reset() }

    /// Feeds `tokens` at the next positions and returns the logits that predict the token after the last
    /// of them: (V) floats, valid until the next call.
    /// - Throws: `DecoderError` if `tokens` is empty, holds an id outside the vocabulary or would overrun
    ///   n_positions; nothing is decoded then.
    public func append(_ tokens: [Int]) throws -> UnsafeBufferPointer<Float> {
        try tokens.withUnsafeBufferPointer { try append($0) }
    }

    /// Feeds one token; see `append(_:)`.
    public func append(_ token: Int) throws -> UnsafeBufferPointer<Float> {
        try withUnsafePointer(to: token) { try append(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    private func append(_ tokens: UnsafeBufferPointer<Int>) throws -> UnsafeBufferPointer<Float> {
        guard !tokens.isEmpty else { throw DecoderError.noTokens }
        if let bad = tokens.firstIndex(where: { $0 < 0 || $0 >= config.vocabulary }) {
            throw DecoderError.tokenOutOfVocabulary(id: tokens[bad], index: bad, vocabulary: config.vocabulary)
        }
        guard tokens.count <= cache.remaining else {
            throw DecoderError.contextFull(decoded: cache.count, adding: tokens.count, positions: config.positions)
        }
        var first = 0
        while first < tokens.count {
            let rows = min(Self.chunkRows, tokens.count - first)
            forward(UnsafeBufferPointer(rebasing: tokens[first..<(first + rows)]))
            first += rows
        }
        return UnsafeBufferPointer(start: logits, count: config.vocabulary)
    }

    /// One chunk of R ≤ `chunkRows` rows through every layer, its keys and values added to the cache,
    /// and the logits of its last row: logits = LN_f(h_last) · wteᵀ (the tied head).
    private func forward(_ tokens: UnsafeBufferPointer<Int>) {
        let p = UnsafePointer(parameters.pointer)
        let C = config.embedding, F = config.mlpWidth, H = config.heads, P = config.positions
        let R = tokens.count, start = cache.count, eps = config.layerNormEpsilon
        Embedding.forward(out: x, tokens: tokens, firstPosition: start, wte: p + layout.wte, wpe: p + layout.wpe, channels: C)
        for (l, w) in layout.blocks.enumerated() {
            LayerNorm.forward(out: normed, mean: mean, rstd: rstd, input: x, weight: p + w.ln1Weight, bias: p + w.ln1Bias,
                              rows: R, channels: C, epsilon: eps, pool: pool)
            Linear.forward(out: qkv, input: normed, weight: p + w.qkvWeight, bias: p + w.qkvBias,
                           rows: R, inputs: C, outputs: 3 * C, pool: pool)
            cache.store(layer: l, qkv: qkv, rows: R)
            CachedAttention.forward(out: attended, scores: scores, qkv: qkv, keys: cache.keys(layer: l),
                                    values: cache.values(layer: l), start: start, rows: R, heads: H, channels: C,
                                    positions: P, pool: pool)
            Linear.forward(out: projected, input: attended, weight: p + w.attnProjWeight, bias: p + w.attnProjBias,
                           rows: R, inputs: C, outputs: C, pool: pool)
            for i in 0..<(R * C) { x[i] += projected[i] }
            LayerNorm.forward(out: normed, mean: mean, rstd: rstd, input: x, weight: p + w.ln2Weight, bias: p + w.ln2Bias,
                              rows: R, channels: C, epsilon: eps, pool: pool)
            Linear.forward(out: fc, input: normed, weight: p + w.fcWeight, bias: p + w.fcBias, rows: R, inputs: C, outputs: F, pool: pool)
            GELU.forward(out: fcGelu, input: fc, count: R * F, pool: pool)
            Linear.forward(out: projected, input: fcGelu, weight: p + w.fcProjWeight, bias: p + w.fcProjBias,
                           rows: R, inputs: F, outputs: C, pool: pool)
            for i in 0..<(R * C) { x[i] += projected[i] }
        }
        cache.advance(by: R)
        LayerNorm.forward(out: normed, mean: mean, rstd: rstd, input: x + (R - 1) * C, weight: p + layout.lnfWeight,
                          bias: p + layout.lnfBias, rows: 1, channels: C, epsilon: eps, pool: pool)
        BLAS.sgemm(on: pool, .none, .transpose, m: 1, n: config.vocabulary, k: C, a: normed, lda: C,
                   b: p + layout.wte, ldb: C, beta: 0, c: logits, ldc: config.vocabulary)
    }
}
