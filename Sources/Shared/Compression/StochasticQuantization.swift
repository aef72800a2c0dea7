/// Unbiased rounding of gradients to few-bit integers: the stochastic rounding of QSGD (Alistarh et al.,
/// NeurIPS 2017), with a step per block of `blockSize` values instead of one per vector so that one large
/// value costs its neighbours little precision.
///
/// For a block whose largest magnitude is m, the step is s = m / L (L = `levels`: 127 for int8, 7 for
/// int4), and each value g becomes the integer
///
///     q = clamp(⌊g · (1/s) + u⌋, −L, L),   u uniform in [0, 1),
///
/// so that E[q · s] = g: the sum a server forms of decoded gradients is the sum of the true gradients plus
/// zero-mean noise of less than s per value and push. Why no error feedback: a residual kept by the worker
/// would depend on which worker computed which batch, and a synchronous run must not (docs/compression.md).
/// Why it stays deterministic: u is a hash of (`seed`, index), and the seed is a function of the step, the
/// batch and the shard (`seed(step:batch:shard:)`), so a batch's gradient rounds to the same integers
/// whichever worker computes it.
public enum StochasticQuantization {
    /// Values sharing one step.
    public static let blockSize = 64

    /// The largest integer magnitude of a form: 127 (int8) or 7 (int4). −128 and −8 are never written, so
    /// the grid is symmetric.
    public static func levels(_ gradients: WireCompression.Gradients) -> Int {
        switch gradients {
        case .int8: return 127
        case .int4: return 7
        case .fp32, .bf16: preconditionFailure("\(gradients.name) is not a quantized form")
        }
    }

    /// The number of blocks of `count` values (the last may be short).
    public static func blockCount(_ count: Int) -> Int { (count + blockSize - 1) / blockSize }

    /// The rounding stream of one shard's gradient in one batch.
    public static func seed(step: UInt64, batch: UInt64, shard: UInt32) -> UInt64 {
        mix(mix(mix(step) ^ batch) ^ UInt64(shard))
    }

    /// u for value `index` of the stream `seed`: 24 random bits, so u = k / 2^24 is exact in fp32 and
    /// below 1.
    @inlinable
    public static func uniform(seed: UInt64, index: Int) -> Float {
        Float(mix(seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15) >> 40) * 0x1p-24
    }

    /// SplitMix64's finalizer (Steele, Lea and Flood, OOPSLA 2014): a bijection of 64-bit words whose
    /// outputs for consecutive inputs pass statistical tests, the same on every platform.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Rounds `values` block by block: writes each block's step to `steps` (`blockCount(values.count)`
    /// of them) and each value's integer through `write(index, q)`. A block of zeros gets step 0 and
    /// integers 0; a block holding ±inf or NaN gets a NaN step, which every receiver refuses.
    @inlinable
    public static func quantize(_ values: UnsafeBufferPointer<Float>, levels: Int, seed: UInt64,
                                steps: UnsafeMutableBufferPointer<Float>, write: (Int, Int32) -> Void) {
        precondition(steps.count == blockCount(values.count), "one step per block of \(blockSize) values")
        let limit = Float(levels)
        for block in 0..<steps.count {
            let range = (block * blockSize)..<min(values.count, (block + 1) * blockSize)
            var largest: Float = 0
            for i in range { largest = max(largest, abs(values[i])) }
            guard largest.isFinite else {
                steps[block] = .nan
                for i in range { write(i, 0) }
                continue
            }
            let step = largest / limit
            steps[block] = step
            guard step > 0 else {
                for i in range { write(i, 0) }
                continue
            }
            // One division per block; the product may round past ±L by an ulp, which the clamp removes.
            let inverse = 1 / step
            for i in range {
                let scaled = min(limit, max(-limit, values[i] * inverse))
                let q = min(limit, (scaled + uniform(seed: seed, index: i)).rounded(.down))
                write(i, Int32(q))
            }
        }
    }
}
