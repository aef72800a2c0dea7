/// HF `Conv1D`: an affine map whose weight is stored [in, out], forward and backward side by side.
///
///     y = x · W + b        x (N, I), W (I, O), b (O), y (N, O)
///
/// Each product is split across the pool's threads along the rows of its result, at multiples of
/// `tileAlignment` rows, so no thread shares an output element and every element's sum over the inner
/// dimension runs whole in one single-threaded `sgemm` (docs/compute.md says why the split then leaves
/// the result unchanged).
enum Linear {
    /// Row tiles start at multiples of this: a multiple of every sgemm kernel's row unrolling.
    static let tileAlignment = 64

    static func forward(
        out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, inputs I: Int, outputs O: Int, pool: ComputePool
    ) {
        pool.forEachRange(rows, alignment: tileAlignment) { tile in
            for n in tile { (out + n * O).update(from: bias, count: O) }
            BLAS.sgemm(.none, .none, m: tile.count, n: O, k: I, a: input + tile.lowerBound * I, lda: I, b: weight, ldb: O,
                       beta: 1, c: out + tile.lowerBound * O, ldc: O)
        }
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
        pool.forEachRange(rows, alignment: tileAlignment) { tile in
            BLAS.sgemm(.none, .transpose, m: tile.count, n: I, k: O, a: dOut + tile.lowerBound * O, lda: O, b: weight, ldb: O,
                       beta: 0, c: dInput + tile.lowerBound * I, ldc: I)
        }
        pool.forEachRange(I, alignment: tileAlignment) { tile in
            BLAS.sgemm(.transpose, .none, m: tile.count, n: O, k: rows, a: input + tile.lowerBound, lda: I, b: dOut, ldb: O,
                       beta: 1, c: dWeight + tile.lowerBound * O, ldc: O)
        }
        pool.forEachRange(O) { channels in
            for n in 0..<rows {
                let dy = dOut + n * O
                for o in channels { dBias[o] += dy[o] }
            }
        }
    }
}
