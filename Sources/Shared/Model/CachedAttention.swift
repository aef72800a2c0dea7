/// Causal multi-head attention of R new rows over a `KeyValueCache` (HF GPT-2 eager attention, forward
/// only): the new rows sit at positions s ..< s + R, and row i sees cached keys 0 ... s + i.
///
///     S = Q·Kᵀ/√d,  P = softmax_row(S) over keys 0 ... s + i,  Y = P·V
///
/// The same formulas as `CausalAttention.forward`, with keys and values read from the cache instead of
/// the packed batch; one task per head runs on the pool, each writing only its head's columns.
enum CachedAttention {
    /// Scratch floats for `rows` new rows: one (rows, P) score matrix per head.
    static func scratchCount(rows: Int, heads: Int, positions: Int) -> Int { heads * rows * positions }

    /// - Parameters:
    ///   - out: (R, C) per-head outputs side by side, before the output projection.
    ///   - scores: scratch of `scratchCount(rows: R, …)` floats.
    ///   - qkv: (R, 3C) rows of [q | k | v] of the new positions.
    ///   - keys, values: (P, C) the layer's cache, rows 0 ..< s + R filled (the new rows included).
    ///   - start: s, the position of the first new row.
    static func forward(
        out: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, start: Int, rows R: Int,
        heads H: Int, channels C: Int, positions: Int, pool: ComputePool
    ) {
        let d = C / H, total = start + R
        let scale = 1 / Float(d).squareRoot()
        pool.run(H) { h, _ in
            let s = scores + h * R * positions           // (R, total), row stride total
            BLAS.sgemm(.none, .transpose, m: R, n: total, k: d, alpha: scale,
                       a: qkv + h * d, lda: 3 * C, b: keys + h * d, ldb: C, beta: 0, c: s, ldc: total)
            for i in 0..<R {
                let row = s + i * total, last = start + i
                let peak = VectorMath.max(row, count: last + 1)
                let inverse = 1 / VectorMath.exponentiate(row, count: last + 1, shift: peak)
                for j in 0...last { row[j] *= inverse }
                for j in (last + 1)..<total { row[j] = 0 }
            }
            BLAS.sgemm(.none, .none, m: R, n: d, k: total,
                       a: s, lda: total, b: values + h * d, ldb: C, beta: 0, c: out + h * d, ldc: C)
        }
    }
}
