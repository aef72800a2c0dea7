/// Every buffer one forward and backward pass needs, carved from one allocation that is sized once per
/// batch shape and reused: a later batch of the same or smaller shape allocates nothing; and the compute
/// pool whose threads fill them, started once with the workspace.
///
/// Per-layer tensors are stored for all layers at once (the backward pass reads them in reverse), the
/// backward-only gradients for one layer at a time. Shapes use N tokens, C channels, F MLP width,
/// H heads, A = `PackedBatch.attentionArea`, M counted positions, L layers.
public final class Activations {
    public let config: GPT2Config
    /// The threads of every forward and backward pass run on this workspace.
    public let pool: ComputePool
    private var storage = FloatBuffer(count: 0)
    private var indices = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var indexCapacity = 1

    /// - Parameter threads: threads of the compute pool (1: everything on the calling thread).
    public init(config: GPT2Config, threads: Int = 1) {
        self.config = config
        self.pool = ComputePool(threads: threads)
    }
    deinit { indices.deallocate() }

    /// Floats currently reserved (for benchmarks and memory reports).
    public var reservedFloats: Int { storage.count }

    struct Views {
        var encoded: UnsafeMutablePointer<Float>    // (N, C)
        var ln1: UnsafeMutablePointer<Float>        // (L, N, C)
        var ln1Mean: UnsafeMutablePointer<Float>    // (L, N)
        var ln1Rstd: UnsafeMutablePointer<Float>    // (L, N)
        var qkv: UnsafeMutablePointer<Float>        // (L, N, 3C)
        var probs: UnsafeMutablePointer<Float>      // (L, H, A)
        var attended: UnsafeMutablePointer<Float>   // (L, N, C)
        var residual2: UnsafeMutablePointer<Float>  // (L, N, C)
        var ln2: UnsafeMutablePointer<Float>        // (L, N, C)
        var ln2Mean: UnsafeMutablePointer<Float>    // (L, N)
        var ln2Rstd: UnsafeMutablePointer<Float>    // (L, N)
        var fc: UnsafeMutablePointer<Float>         // (L, N, F)
        var fcGelu: UnsafeMutablePointer<Float>     // (L, N, F)
        var residual3: UnsafeMutablePointer<Float>  // (L, N, C)
        var lnf: UnsafeMutablePointer<Float>        // (N, C)
        var lnfMean: UnsafeMutablePointer<Float>    // (N)
        var lnfRstd: UnsafeMutablePointer<Float>    // (N)
        var logProbs: UnsafeMutablePointer<Float>   // (M)
        var logSumExp: UnsafeMutablePointer<Float>  // (M)
        var dResidual: UnsafeMutablePointer<Float>  // (N, C)
        var dNormed: UnsafeMutablePointer<Float>    // (N, C)
        var dQKV: UnsafeMutablePointer<Float>       // (N, 3C)
        var dAttended: UnsafeMutablePointer<Float>  // (N, C)
        var dFC: UnsafeMutablePointer<Float>        // (N, F)
        var dFCGelu: UnsafeMutablePointer<Float>    // (N, F)
        var attentionScratch: UnsafeMutablePointer<Float>
        var head: LanguageModelHead.Scratch
    }

    /// The views of the last `prepare`, which the backward pass reads.
    private(set) var views: Views?

    /// Floats the buffers for `batch` take, computed in `Double` so that a batch far beyond any machine
    /// (from an untrusted lease) is measured without an integer overflow: callers compare it with the
    /// memory they can spare before `prepare` allocates.
    public func requiredFloats(for batch: PackedBatch) -> Double { layout(for: batch).sizes.reduce(0, +) }

    /// Each buffer's floats, in `Views` order, and the LM head scratch's shape (its last buffer).
    private func layout(for batch: PackedBatch) -> (sizes: [Double], head: LanguageModelHead.Scratch.Shape) {
        let L = Double(config.layers), C = Double(config.embedding), F = Double(config.mlpWidth), H = Double(config.heads)
        let N = Double(batch.tokenCount), A = Double(batch.attentionArea), M = Double(batch.countedCount)
        let head = LanguageModelHead.Scratch.Shape(counted: batch.countedCount, vocabulary: config.vocabulary, channels: config.embedding,
                                                   threads: pool.threads)
        let sizes = [
            N * C, L * N * C, L * N, L * N, L * N * 3 * C, L * H * A, L * N * C, L * N * C,
            L * N * C, L * N, L * N, L * N * F, L * N * F, L * N * C, N * C, N, N, M, M,
            N * C, N * C, N * 3 * C, N * C, N * F, N * F,
            Double(CausalAttention.scratchCount(widestSpan: batch.widestSpan, threads: pool.threads)), Double(head.floats),
        ]
        return (sizes, head)
    }

    /// Views sized for `batch`, growing the allocation only when this shape needs more than any before.
    @discardableResult
    func prepare(for batch: PackedBatch) -> Views {
        let M = batch.countedCount
        let (floats, head) = layout(for: batch)
        let sizes = floats.map { Int($0) }
        let total = sizes.reduce(0, +)
        if total > storage.count { storage = FloatBuffer(count: total) }
        if M > indexCapacity {
            indices.deallocate()
            indices = .allocate(capacity: M)
            indexCapacity = M
        }
        var cursor = storage.pointer
        var next = sizes.makeIterator()
        func take() -> UnsafeMutablePointer<Float> {
            defer { cursor += next.next()! }
            return cursor
        }
        let views = Views(
            encoded: take(), ln1: take(), ln1Mean: take(), ln1Rstd: take(), qkv: take(), probs: take(),
            attended: take(), residual2: take(), ln2: take(), ln2Mean: take(), ln2Rstd: take(), fc: take(),
            fcGelu: take(), residual3: take(), lnf: take(), lnfMean: take(), lnfRstd: take(),
            logProbs: take(), logSumExp: take(), dResidual: take(), dNormed: take(), dQKV: take(),
            dAttended: take(), dFC: take(), dFCGelu: take(), attentionScratch: take(),
            head: LanguageModelHead.Scratch(shape: head, floats: take(), active: indices))
        self.views = views
        return views
    }
}
