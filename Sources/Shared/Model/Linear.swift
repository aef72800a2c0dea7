/// HF `Conv1D`: an affine map whose weight is stored [in, out], forward and backward side by side.
///
///     y = x · W + b        x (N, I), W (I, O), b (O), y (N, O)
///
/// Products run on the pool's threads in output tiles (`BLAS.sgemm(on:)`); the bias and its gradient are
/// split by channel, each channel summed over rows in row order.
enum Linear {
    static func forward(
        out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, inputs I: Int, outputs O: Int, pool: ComputePool
    ) {
        pool.forEachRange(rows) { range in
            for n in range { (out + n * O).update(from: bias, count: O) }
        }
        BLAS.sgemm(on: pool, .none, .none, m: rows, n: O, k: I, a: input, lda: I, b: weight, ldb: O, beta: 1, c: out, ldc: O)
    }

    /// Writes `dInput` (overwrites: each caller's input gradient starts here) and accumulates into
    /// `dWeight` and `dBias`.
    ///
    ///     dx = dy · Wᵀ,   dW += xᵀ · dy,   db += Σ_rows dy
    static func backward(
        dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
        dOut: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, inputs I: Int, outputs O: Int, pool: ComputePool
    ) {
        BLAS.sgemm(on: pool, .none, .transpose, m: rows, n: I, k: O, a: dOut, lda: O, b: weight, ldb: O, beta: 0, c: dInput, ldc: I)
        BLAS.sgemm(on: pool, .transpose, .none, m: I, n: O, k: rows, a: input, lda: I, b: dOut, ldb: O, beta: 1, c: dWeight, ldc: O)
        pool.forEachRange(O) { channels in
            for n in 0..<rows {
                let dy = dOut + n * O
                for o in channels { dBias[o] += dy[o] }
            }
        }
    }
}
