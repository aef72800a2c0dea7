/// One row of the benchmark: one config at one thread count, as one JSON line (snake_case keys shared
/// with `bench/reference_step.py`'s line where the meaning is the same).
struct RowResult: Codable {
    var impl = "swift"
    var config: String
    var layers: Int
    var heads: Int
    var embd: Int
    var vocab: Int
    var tokens: Int
    var pairs: Int
    var threads: Int
    var steps: Int
    /// Median over the timed steps; `tokensPerSecond` and `gflops` derive from it.
    var secondsPerStep: Double
    var secondsPerStepMean: Double
    var tokensPerSecond: Double
    /// Analytic matrix-product FLOPs of one step (`StepFLOPs`), by part.
    var gflopPerStep: Double
    var gflopLayerMatmuls: Double
    var gflopAttention: Double
    var gflopHead: Double
    var gflops: Double
    var peakRSSMiB: Double
    var loss: Double
    var dataChecksum: UInt32
    /// Average number of CPUs other processes kept busy during the timed steps (Linux only).
    var otherLoadCPUs: Double?
    /// The OpenBLAS kernels the row ran (`openblas_get_corename`): Prescott's and Cooperlake's differ 3–4×.
    var blasCore: String
    /// Filled in by the suite, which measures the peak once for all rows.
    var peakGFLOPS1Thread: Double?
    /// gflops / (peakGFLOPS1Thread × threads).
    var peakShare: Double?

    enum CodingKeys: String, CodingKey {
        case impl, config, layers, heads, embd, vocab, tokens, pairs, threads, steps, loss, gflops
        case secondsPerStep = "seconds_per_step"
        case secondsPerStepMean = "seconds_per_step_mean"
        case tokensPerSecond = "tokens_per_second"
        case gflopPerStep = "gflop_per_step"
        case gflopLayerMatmuls = "gflop_layer_matmuls"
        case gflopAttention = "gflop_attention"
        case gflopHead = "gflop_head"
        case peakRSSMiB = "peak_rss_mib"
        case dataChecksum = "data_checksum"
        case otherLoadCPUs = "other_load_cpus"
        case blasCore = "blas_core"
        case peakGFLOPS1Thread = "peak_gflops_1thread"
        case peakShare = "peak_share"
    }
}
